using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>An edit that does not touch a network's declaration must not re-run its emit step.</summary>
public class IncrementalityTests
{
    private const string Network = """
        using NetCompiler;
        namespace Models;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(16)]
        [Dense(8, Activation.ReLU)]
        [Dense(3)]
        public partial class Net { }

        public class Neighbour { public int Value => 1; }
        """;

    private const string Other = "namespace Models; public class Elsewhere { public int Value => 1; }";

    private static (GeneratorRun First, GeneratorRun Second) RunTwice(System.Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var first = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { Network, Other }));
        var second = GeneratorHarness.Run(edit(first.InputCompilation), first.Driver);
        return (first, second);
    }

    private static IncrementalStepRunReason[] EmitReasons(GeneratorRun run)
        => run.RunResult.Results.Single().TrackedOutputSteps
            .SelectMany(kv => kv.Value)
            .SelectMany(step => step.Outputs)
            .Select(o => o.Reason)
            .ToArray();

    private static IncrementalStepRunReason[] ModelReasons(GeneratorRun run)
        => run.RunResult.Results.Single().TrackedSteps[NetCompiler.Generator.NetworkGenerator.Steps.Models]
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();

    private static CSharpCompilation ReplaceTree(CSharpCompilation compilation, int index, string text)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(text, GeneratorHarness.ParseOptions, old.FilePath));
    }

    [Fact]
    public void Editing_another_file_does_not_re_emit()
    {
        var (first, second) = RunTwice(c => ReplaceTree(c, 1, Other.Replace("=> 1", "=> 2")));
        Assert.Equal(first.AllGeneratedText, second.AllGeneratedText);
        Assert.All(ModelReasons(second), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.NotEmpty(EmitReasons(second));
        Assert.All(EmitReasons(second), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    [Fact]
    public void Editing_the_same_file_outside_the_declaration_does_not_re_emit()
    {
        var (_, second) = RunTwice(c => ReplaceTree(c, 0, Network.Replace("public int Value => 1;", "public int Value => 2; public int More => 3;")));
        Assert.All(ModelReasons(second), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
        Assert.All(EmitReasons(second), r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, r.ToString()));
    }

    /// <summary>The control: a real change to the network does re-emit, so the tests above can fail.</summary>
    [Fact]
    public void Changing_the_network_re_emits()
    {
        var (first, second) = RunTwice(c => ReplaceTree(c, 0, Network.Replace("[Dense(8, Activation.ReLU)]", "[Dense(9, Activation.ReLU)]")));
        Assert.Contains(IncrementalStepRunReason.Modified, EmitReasons(second));
        Assert.NotEqual(first.AllGeneratedText, second.AllGeneratedText);
    }
}
