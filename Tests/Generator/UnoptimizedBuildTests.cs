using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// NC0040: a valid network in a compilation without optimisation (a Debug build) gets a warning at its [Network]
/// saying how much slower it runs and how to fix it; a Release compilation gets none, and the check never re-emits code.
/// </summary>
public class UnoptimizedBuildTests
{
    private const string Source = """
        using NetCompiler;
        namespace Models;

        [Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(16)] [Dense(8, Activation.ReLU)] [Dense(3)]
        public partial class Net { }
        """;

    private const string Other = "namespace Models; public class Elsewhere { public int Value => 1; }";

    private static GeneratorRun Run(OptimizationLevel optimization, params string[] sources)
        => GeneratorHarness.Run(GeneratorHarness.CreateCompilation(sources, optimization: optimization));

    [Fact]
    public void Debug_build_warns_at_the_network_attribute_and_still_generates()
    {
        var run = Run(OptimizationLevel.Debug, Source);

        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NC0040", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        int start = Source.IndexOf("Network(Loss", System.StringComparison.Ordinal);
        int end = Source.IndexOf(")]", start, System.StringComparison.Ordinal) + 1;
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(start, end - start), diagnostic.Location.SourceSpan);
        string message = diagnostic.GetMessage();
        Assert.Contains("'Net'", message);
        Assert.Contains("times slower", message);
        Assert.Contains("-c Release", message);
        Assert.Contains("<Optimize>true</Optimize>", message);
        // A warning, not an error: the network is still generated and the compilation builds.
        Assert.Single(run.GeneratedSources);
        Assert.Empty(run.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Release_build_does_not_warn()
    {
        var run = Run(OptimizationLevel.Release, Source);
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Single(run.GeneratedSources);
    }

    [Fact]
    public void Each_network_of_a_debug_build_gets_its_own_warning()
    {
        var run = Run(OptimizationLevel.Debug, Source,
            "using NetCompiler; namespace Models; [Network] [Input(2)] [Dense(1)] public partial class Second { }");
        Assert.Equal(new[] { "'Net'", "'Second'" },
            run.GeneratorDiagnostics.Where(d => d.Id == "NC0040")
                .Select(d => d.GetMessage().Split(' ')[2]).OrderBy(n => n, System.StringComparer.Ordinal));
    }

    [Fact]
    public void Invalid_network_in_a_debug_build_gets_only_its_error()
    {
        var run = Run(OptimizationLevel.Debug, "using NetCompiler; [Network] [Input(4)] [Dense(0)] public partial class Bad { }");
        Assert.Equal("NC0004", Assert.Single(run.GeneratorDiagnostics).Id);
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRun run, string step)
        => run.RunResult.Results.Single().TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    [Fact]
    public void Editing_another_file_of_a_debug_build_reruns_nothing()
    {
        var first = Run(OptimizationLevel.Debug, Source, Other);
        var old = first.InputCompilation.SyntaxTrees.ElementAt(1);
        var edited = first.InputCompilation.ReplaceSyntaxTree(old,
            CSharpSyntaxTree.ParseText(Other.Replace("=> 1", "=> 2"), GeneratorHarness.ParseOptions, old.FilePath));
        var second = GeneratorHarness.Run(edited, first.Driver);

        Assert.Equal("NC0040", Assert.Single(second.GeneratorDiagnostics).Id);
        // The optimisation level is compared by value: the same level stops the pipeline there.
        Assert.All(Reasons(second, NetCompiler.Generator.NetworkGenerator.Steps.Optimization),
            r => Assert.Equal(IncrementalStepRunReason.Unchanged, r));
        Assert.All(Reasons(second, NetCompiler.Generator.NetworkGenerator.Steps.Unoptimized),
            r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(Reasons(second, NetCompiler.Generator.NetworkGenerator.Steps.Models),
            r => Assert.Equal(IncrementalStepRunReason.Cached, r));
    }

    [Fact]
    public void Switching_to_release_drops_the_warning_without_re_emitting()
    {
        var first = Run(OptimizationLevel.Debug, Source);
        var release = first.InputCompilation.WithOptions(first.InputCompilation.Options.WithOptimizationLevel(OptimizationLevel.Release));
        var second = GeneratorHarness.Run(release, first.Driver);

        Assert.Empty(second.GeneratorDiagnostics);
        Assert.Equal(first.AllGeneratedText, second.AllGeneratedText);
        Assert.All(Reasons(second, NetCompiler.Generator.NetworkGenerator.Steps.Models),
            r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }
}
