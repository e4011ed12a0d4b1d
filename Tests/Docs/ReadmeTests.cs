using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Docs;

/// <summary>
/// The README's C# must compile as a user would paste it. Every block fenced as <c>```csharp</c> (or <c>cs</c>,
/// <c>c#</c>) is taken in order and concatenated into one <c>Program.cs</c> of a console project: top-level statements
/// first, then type declarations, with the implicit usings of <c>dotnet new console</c>. NetCompiler's generator runs
/// on it, and neither the generator nor the compiler may report an error. A block that must stand alone (one that
/// would clash with the others) starts a new program when the line before its fence is
/// <c>&lt;!-- readme-test: new program --&gt;</c>.
/// </summary>
public sealed class ReadmeTests
{
    /// <summary>The marker line that starts a new program with the block after it.</summary>
    public const string NewProgramMarker = "<!-- readme-test: new program -->";

    /// <summary>The global usings that <c>ImplicitUsings</c> gives a console project of Microsoft.NET.Sdk.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>The README is a product page a user reads through: at most 16 KB.</summary>
    [Fact]
    public void The_readme_is_at_most_16_KB()
    {
        long bytes = new FileInfo(ReadmePath()).Length;
        Assert.True(bytes <= 16 * 1024, $"README.md is {bytes:N0} bytes: keep it at most 16 KB (16,384 bytes), and move detail to docs/.");
    }

    [Fact]
    public void The_readme_has_csharp_blocks()
    {
        IReadOnlyList<string> programs = Programs(File.ReadAllText(ReadmePath()));
        Assert.NotEmpty(programs);
    }

    [Fact]
    public void Every_csharp_block_of_the_readme_compiles()
    {
        IReadOnlyList<string> programs = Programs(File.ReadAllText(ReadmePath()));
        for (int i = 0; i < programs.Count; i++)
        {
            IReadOnlyList<string> errors = Errors(programs[i]);
            Assert.True(errors.Count == 0,
                $"README.md, program {i + 1} of {programs.Count} (its C# blocks in order, as one Program.cs):\n" +
                string.Join("\n", errors) + "\n\n" + Numbered(programs[i]));
        }
    }

    [Fact]
    public void A_block_that_does_not_compile_is_caught()
    {
        const string readme = """
            Text.

            ```csharp
            using NetCompiler;

            var net = new Xor();
            net.Predictt(new float[2], new float[1]);
            ```

            ```csharp
            [Network]
            [Input(2)]
            [Dense(1)]
            public partial class Xor { }
            ```
            """;
        IReadOnlyList<string> programs = Programs(readme);
        Assert.Single(programs);
        Assert.Contains(Errors(programs[0]), e => e.Contains("CS1061", StringComparison.Ordinal));
    }

    [Fact]
    public void Statements_after_a_declaration_are_caught()
    {
        // The two blocks in this order, pasted into one file, give CS8803.
        const string readme = """
            ```csharp
            [NetCompiler.Network]
            [NetCompiler.Input(2)]
            [NetCompiler.Dense(1)]
            public partial class Xor { }
            ```

            ```csharp
            var net = new Xor();
            ```
            """;
        Assert.Contains(Errors(Programs(readme)[0]), e => e.Contains("CS8803", StringComparison.Ordinal));
    }

    [Fact]
    public void Blocks_in_other_languages_are_not_compiled_and_the_marker_starts_a_new_program()
    {
        const string readme = """
            ```sh
            dotnet run
            ```

            ```csharp
            var a = 1;
            ```

            <!-- readme-test: new program -->
            ```cs
            var a = 2;
            ```
            """;
        IReadOnlyList<string> programs = Programs(readme);
        Assert.Equal(2, programs.Count);
        Assert.Contains("var a = 1;", programs[0], StringComparison.Ordinal);
        Assert.Contains("var a = 2;", programs[1], StringComparison.Ordinal);
        Assert.All(programs, p => Assert.Empty(Errors(p)));
    }

    /// <summary>
    /// The README's C# blocks grouped into programs: each program is its blocks' text joined in order, a new program
    /// starting at a block preceded by <see cref="NewProgramMarker"/>.
    /// </summary>
    public static IReadOnlyList<string> Programs(string markdown)
    {
        var programs = new List<List<string>>();
        string[] lines = markdown.ReplaceLineEndings("\n").Split('\n');
        string previous = "";
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimStart();
            if (!line.StartsWith("```", StringComparison.Ordinal))
            {
                if (line.Length > 0)
                    previous = line.TrimEnd();
                continue;
            }

            string fence = new string('`', line.TakeWhile(c => c == '`').Count());
            string language = line[fence.Length..].Trim().ToLowerInvariant();
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].TrimStart().StartsWith(fence, StringComparison.Ordinal); i++)
                body.Add(lines[i]);

            if (language is "csharp" or "cs" or "c#")
            {
                if (programs.Count == 0 || previous == NewProgramMarker)
                    programs.Add(new List<string>());
                programs[^1].Add(string.Join("\n", body));
            }
            previous = "";
        }
        return programs.Select(blocks => string.Join("\n\n", blocks) + "\n").ToList();
    }

    /// <summary>Runs the generator on <paramref name="program"/> as a console app's Program.cs (Release) and returns
    /// every error of the generator and the compiler, formatted with its position.</summary>
    public static IReadOnlyList<string> Errors(string program)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(program, GeneratorHarness.ParseOptions, path: "Program.cs");
        SyntaxTree usings = CSharpSyntaxTree.ParseText(ImplicitUsings, GeneratorHarness.ParseOptions, path: "GlobalUsings.g.cs");
        bool topLevel = tree.GetRoot().DescendantNodes().OfType<GlobalStatementSyntax>().Any();
        var options = GeneratorHarness.CompilationOptions(OptimizationLevel.Release)
            .WithOutputKind(topLevel ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary);
        var compilation = CSharpCompilation.Create("Readme", new[] { tree, usings }, GeneratorHarness.References, options);

        GeneratorRun run = GeneratorHarness.Run(compilation);
        var errors = new List<string>();
        if (run.Exception is not null)
            errors.Add("the generator threw: " + run.Exception);
        errors.AddRange(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
        errors.AddRange(run.CompilationErrors.Select(d => d.ToString()));
        return errors;
    }

    /// <summary>README.md at the repository root, found by walking up from the test assembly's folder.</summary>
    public static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "NetCompiler.sln")))
                return candidate;
        }
        throw new FileNotFoundException(
            $"README.md next to NetCompiler.sln was not found in {AppContext.BaseDirectory} or any folder above it.");
    }

    private static string Numbered(string program) =>
        string.Join("\n", program.Split('\n').Select((line, i) => $"{i + 1,4}  {line}"));
}
