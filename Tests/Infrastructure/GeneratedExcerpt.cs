using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>
/// The part of a network's generated file that one feature emits, for a golden file a reviewer reads in a minute
/// (Tests/Generator/GeneratedFeatureTests.cs). The generated text is parsed with Roslyn and cut at syntax boundaries:
/// <list type="number">
/// <item>the network's declaration, as comment lines, so the golden file shows its input;</item>
/// <item>the members of the kernel class <c>NetCompiler.Generated.GeneratedKernels</c> whose names the caller selects
/// (a layer's <c>Layer2…</c> kernels and parameter offsets, or the loss's methods), verbatim with their comments and
/// indentation, in the generated order;</item>
/// <item>every statement of the network class that calls one of those kernels, with the comments above it, under the
/// name of the member it is in: the innermost statement that holds the call, or with <c>wholeIf</c> the whole
/// <c>if</c> statement around it (the lane path's choice between lanes and dot products).</item>
/// </list>
/// Everything else (the other layers, the network class's plumbing) is left out, so a change to another feature
/// leaves the excerpt as it is.
/// </summary>
public static class GeneratedExcerpt
{
    /// <summary>The file-local class holding a network's kernels (the generator's <c>Names.KernelClass</c>).</summary>
    public const string KernelClass = "GeneratedKernels";

    /// <summary>
    /// Selects layer <paramref name="layer"/>'s members (1-based, as the generated names count): <c>Layer3Forward</c>,
    /// <c>Layer3Weights</c>, not <c>Layer30Forward</c>; none whose name ends with one of <paramref name="excludedSuffixes"/>
    /// (e.g. "Lanes", when the lane kernels have a golden file of their own).
    /// </summary>
    public static Func<string, bool> Layer(int layer, params string[] excludedSuffixes)
    {
        var pattern = new Regex($"^Layer{layer}(?![0-9])", RegexOptions.CultureInvariant);
        return name => pattern.IsMatch(name) && !excludedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal));
    }

    /// <summary>Selects the members named exactly as one of <paramref name="names"/> (every overload of each).</summary>
    public static Func<string, bool> Named(params string[] names) => name => names.Contains(name, StringComparer.Ordinal);

    /// <summary>
    /// The excerpt of <paramref name="generated"/>, the generated file of the network declared in
    /// <paramref name="declaration"/>: the declaration, the kernel members <paramref name="selects"/> picks and the
    /// network class's calls to them (each with the <c>if</c> statement around it if <paramref name="wholeIf"/>), headed
    /// by <paramref name="title"/>. Fails the test if no member is selected. Line ends are '\n' whatever the platform.
    /// </summary>
    public static string Of(string declaration, string generated, Func<string, bool> selects, string title, bool wholeIf = false)
    {
        var root = CSharpSyntaxTree.ParseText(generated, GeneratorHarness.ParseOptions).GetCompilationUnitRoot();
        var kernels = root.DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.ValueText == KernelClass);
        var members = kernels.Members.Where(m => Names(m).Any(selects)).ToList();
        Assert.True(members.Count > 0, $"No member of {KernelClass} is selected for \"{title}\"; its members: " +
            string.Join(", ", kernels.Members.SelectMany(Names)));
        var names = members.SelectMany(Names).Where(selects).Distinct().ToList();
        var selected = new HashSet<string>(names, StringComparer.Ordinal);

        var text = new StringBuilder();
        text.Append("// ").Append(title).Append('\n');
        text.Append("//\n// The network:\n");
        foreach (string line in Lines(declaration.Trim()))
            text.Append("//").Append(line.Length == 0 ? "" : "    " + line).Append('\n');
        text.Append("//\n// Members of ").Append(KernelClass).Append(": ").Append(string.Join(", ", names)).Append('\n');
        text.Append('\n');
        foreach (var member in members)
            text.Append(WithoutBlankLines(member.ToFullString())).Append("\n\n");

        // Calls from the network class (every class but the kernels), grouped by the member that makes them.
        var calls = root.DescendantNodes().OfType<InvocationExpressionSyntax>()
            .Where(call => !call.Ancestors().Contains(kernels) && CalledKernel(call) is string name && selected.Contains(name))
            .Select(call => (wholeIf ? call.FirstAncestorOrSelf<IfStatementSyntax>() : null) ?? StatementOf(call))
            .Distinct()
            .GroupBy(statement => Names(statement.FirstAncestorOrSelf<MemberDeclarationSyntax>()!).FirstOrDefault() ?? "?")
            .ToList();
        if (calls.Count > 0)
        {
            text.Append("// Calls from the network class\n");
            foreach (var group in calls)
            {
                text.Append("\n// in ").Append(group.Key).Append('\n');
                foreach (var statement in group)
                    text.Append(WithoutBlankLines(statement.ToFullString())).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>The statement that holds <paramref name="call"/>, with the loop or <c>if</c> whose body it is when that
    /// body is a single statement (<c>for (…) Kernel(…);</c> whole).</summary>
    private static StatementSyntax StatementOf(InvocationExpressionSyntax call)
    {
        var statement = call.FirstAncestorOrSelf<StatementSyntax>()!;
        while (statement.Parent is StatementSyntax outer and not BlockSyntax) statement = outer;
        return statement;
    }

    /// <summary>The name of the kernel a call in the network class invokes (<c>global::…GeneratedKernels.Name(…)</c>), or null.</summary>
    private static string? CalledKernel(InvocationExpressionSyntax call) =>
        call.Expression is MemberAccessExpressionSyntax access && access.Expression.ToString().EndsWith(KernelClass, StringComparison.Ordinal)
            ? access.Name.Identifier.ValueText
            : null;

    /// <summary>The names a member declares: a method's, a property's, each variable of a field.</summary>
    private static IEnumerable<string> Names(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => new[] { m.Identifier.ValueText },
        PropertyDeclarationSyntax p => new[] { p.Identifier.ValueText },
        BaseFieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.ValueText),
        BaseTypeDeclarationSyntax t => new[] { t.Identifier.ValueText },
        ConstructorDeclarationSyntax c => new[] { c.Identifier.ValueText },
        _ => Array.Empty<string>(),
    };

    private static string Normalise(string text) => text.Replace("\r\n", "\n");

    /// <summary>A member's text without the blank lines around it (its trivia holds the ones between members).</summary>
    private static string WithoutBlankLines(string text) =>
        string.Join("\n", Lines(text).SkipWhile(string.IsNullOrWhiteSpace).Reverse().SkipWhile(string.IsNullOrWhiteSpace).Reverse());

    private static IEnumerable<string> Lines(string text) => Normalise(text).Split('\n');
}
