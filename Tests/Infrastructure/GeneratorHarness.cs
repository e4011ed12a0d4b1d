using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>The outcome of running <see cref="NetCompiler.Generator.NetworkGenerator"/> over a compilation.</summary>
public sealed class GeneratorRun
{
    private ImmutableArray<Diagnostic>? _compilationErrors;

    internal GeneratorRun(CSharpCompilation inputCompilation, Compilation outputCompilation, GeneratorDriver driver)
    {
        InputCompilation = inputCompilation;
        OutputCompilation = outputCompilation;
        Driver = driver;
        RunResult = driver.GetRunResult();
        GeneratorRunResult result = RunResult.Results.Single();
        GeneratorDiagnostics = result.Diagnostics;
        Exception = result.Exception;
        GeneratedSources = result.GeneratedSources.ToImmutableSortedDictionary(
            s => s.HintName, s => s.SourceText.ToString(), StringComparer.Ordinal);
        GeneratedTrees = result.GeneratedSources.Select(s => s.SyntaxTree).ToImmutableArray();
    }

    /// <summary>The compilation the generator ran on (user sources only).</summary>
    public CSharpCompilation InputCompilation { get; }

    /// <summary>The input compilation plus every generated tree.</summary>
    public Compilation OutputCompilation { get; }

    /// <summary>The driver after the run; pass it to <see cref="GeneratorHarness.Run(CSharpCompilation, GeneratorDriver?)"/>
    /// with an edited compilation to observe incremental behaviour (steps are tracked).</summary>
    public GeneratorDriver Driver { get; }

    /// <summary>The full run result, including <c>TrackedSteps</c> and <c>TrackedOutputSteps</c>.</summary>
    public GeneratorDriverRunResult RunResult { get; }

    /// <summary>Diagnostics reported by the generator itself.</summary>
    public ImmutableArray<Diagnostic> GeneratorDiagnostics { get; }

    /// <summary>An exception thrown by the generator, if any (Roslyn turns it into warning CS8785).</summary>
    public Exception? Exception { get; }

    /// <summary>Generated source text by hint name, ordinal order.</summary>
    public ImmutableSortedDictionary<string, string> GeneratedSources { get; }

    /// <summary>The generated syntax trees, in the generator's order.</summary>
    public ImmutableArray<SyntaxTree> GeneratedTrees { get; }

    /// <summary>Error diagnostics of <see cref="OutputCompilation"/> (computed on first use: it binds everything).</summary>
    public ImmutableArray<Diagnostic> CompilationErrors =>
        _compilationErrors ??= OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error).ToImmutableArray();

    /// <summary>All generated text concatenated (ordinal hint-name order), handy for "contains" assertions.</summary>
    public string AllGeneratedText => string.Join("\n", GeneratedSources.Values);

    /// <summary>The single generated source whose hint name contains <paramref name="hintNameFragment"/>.</summary>
    public string Source(string hintNameFragment)
    {
        var matches = GeneratedSources.Where(kv => kv.Key.Contains(hintNameFragment, StringComparison.Ordinal)).ToList();
        if (matches.Count != 1)
            Assert.Fail($"Expected exactly one generated source whose hint name contains '{hintNameFragment}', found " +
                        $"{matches.Count}: [{string.Join(", ", GeneratedSources.Keys)}]");
        return matches[0].Value;
    }
}

/// <summary>
/// Runs NetCompiler's source generator in-process on source text, the way the compiler does, and optionally emits and
/// loads the result. Shared by the generated-network tests and the generator's golden-file and diagnostic tests.
/// </summary>
public static class GeneratorHarness
{
    /// <summary>Parse options for user sources and generated sources alike.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Every trusted platform assembly of the test process plus NetCompiler.Runtime, one reference per file.</summary>
    public static ImmutableArray<MetadataReference> References => s_references.Value;

    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var paths = new List<string>(tpa) { typeof(NetCompiler.INetwork).Assembly.Location };
        // One reference per assembly file name: the runtime assembly is usually in the TPA list already, and two
        // references with the same identity from different paths would be ambiguous (CS1703).
        return paths
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(p))
            .GroupBy(p => Path.GetFileName(p), StringComparer.OrdinalIgnoreCase)
            .Select(g => (MetadataReference)MetadataReference.CreateFromFile(g.First()))
            .ToImmutableArray();
    }

    /// <summary>Compilation options: a library, nullable enabled (as the repository builds), the given optimisation
    /// (Release unless asked: a Debug compilation adds NC0040 to every valid network), no unsafe code.</summary>
    public static CSharpCompilationOptions CompilationOptions(OptimizationLevel optimization = OptimizationLevel.Release) =>
        new(OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: optimization,
            allowUnsafe: false,
            nullableContextOptions: NullableContextOptions.Enable,
            deterministic: true);

    /// <summary>A compilation of <paramref name="sources"/> (one tree each, paths Source0.cs, Source1.cs, …).</summary>
    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, string? assemblyName = null,
        OptimizationLevel optimization = OptimizationLevel.Release)
    {
        var trees = sources.Select((text, i) => CSharpSyntaxTree.ParseText(text, ParseOptions, path: $"Source{i}.cs"));
        return CSharpCompilation.Create(assemblyName ?? "NetCompiler.Dynamic." + Guid.NewGuid().ToString("N"),
            trees, References, CompilationOptions(optimization));
    }

    /// <summary>A fresh driver for the generator, tracking incremental steps, with the given AdditionalFiles items.</summary>
    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText>? additionalTexts = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetCompiler.Generator.NetworkGenerator().AsSourceGenerator() },
            additionalTexts: additionalTexts,
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator over <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs the generator over <paramref name="compilation"/>, with a fresh driver or a previous run's
    /// <see cref="GeneratorRun.Driver"/> (for incremental-caching tests).</summary>
    public static GeneratorRun Run(CSharpCompilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        return new GeneratorRun(compilation, output, driver);
    }

    /// <summary>
    /// Runs the generator on <paramref name="source"/>, optionally rewrites every generated text with
    /// <paramref name="rewriteGenerated"/> (the rewritten trees replace the generated ones), emits a Release build and
    /// loads it into a new collectible <see cref="AssemblyLoadContext"/>. Fails the test, listing every error, if the
    /// generator reports an error or throws, or if the compilation has errors.
    /// </summary>
    public static Assembly CompileAndLoad(string source, Func<string, string>? rewriteGenerated = null,
        IEnumerable<AdditionalText>? additionalTexts = null)
    {
        CSharpCompilation input = CreateCompilation(new[] { source });
        GeneratorRun run = Run(input, CreateDriver(additionalTexts));

        if (run.Exception is not null)
            Assert.Fail($"The generator threw: {run.Exception}");
        var generatorErrors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (generatorErrors.Count > 0)
            Assert.Fail("The generator reported errors:\n" + string.Join("\n", generatorErrors));

        Compilation compilation = run.OutputCompilation;
        if (rewriteGenerated is not null)
        {
            var rewritten = run.GeneratedTrees.Select(tree =>
                CSharpSyntaxTree.ParseText(rewriteGenerated(tree.GetText().ToString()), ParseOptions, path: tree.FilePath));
            compilation = input.AddSyntaxTrees(rewritten);
        }

        using var peStream = new MemoryStream();
        var emit = compilation.Emit(peStream);
        var errors = emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emit.Success || errors.Count > 0)
            Assert.Fail($"The generated code does not compile ({errors.Count} errors):\n" + string.Join("\n", errors) +
                        "\n\nGenerated sources:\n" + string.Join("\n", run.GeneratedSources.Keys));

        peStream.Position = 0;
        var context = new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true);
        return context.LoadFromStream(peStream);
    }
}

/// <summary>
/// An AdditionalFiles item backed by a file on disk, as the compiler passes one. A model file is binary: the generator
/// reads its bytes from <see cref="Path"/>, and asking for its text fails the test (the compiler would report a binary
/// file as an error).
/// </summary>
public sealed class FileAdditionalText(string path) : AdditionalText
{
    /// <inheritdoc/>
    public override string Path { get; } = path;

    /// <inheritdoc/>
    public override Microsoft.CodeAnalysis.Text.SourceText GetText(CancellationToken cancellationToken = default)
        => throw new InvalidOperationException($"The generator asked for the text of the binary file '{Path}'.");
}
