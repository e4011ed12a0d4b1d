using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetCompiler.Generator;
using NetCompiler.Generator.Parameters;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>An edit that does not touch a network's declaration or its model file must not re-run its emit step.</summary>
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

    /// <summary>Two networks, each with a model file compiled in: saving new parameters to one re-emits that one's data alone.</summary>
    [Fact]
    public void Editing_one_model_file_re_runs_only_that_networks_data_step()
    {
        string source = """
            using NetCompiler;
            namespace Models;
            [Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = "a.ncmf")] [Input(4)] [Dense(3, Activation.ReLU)] [Dense(2)] public partial class A { }
            [Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = "b.ncmf")] [Input(4)] [Dense(3, Activation.ReLU)] [Dense(2)] public partial class B { }
            """;
        string directory = Directory.CreateTempSubdirectory("netcompiler-incremental-").FullName;
        try
        {
            EditOneModelFile(source, directory);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static void EditOneModelFile(string source, string directory)
    {
        const string architecture = "Input(4) Dense(3,ReLU) Dense(2) SoftmaxCrossEntropy";
        string WriteModel(string name, int seed)
        {
            var random = new System.Random(seed);
            float[] parameters = Enumerable.Range(0, 4 * 3 + 3 + 3 * 2 + 2).Select(_ => (float)random.NextDouble()).ToArray();
            string path = Path.Combine(directory, name);
            ModelFile.Write(path, NetCompiler.Tests.Runtime.LinearModel.Fnv1a64(architecture), architecture, parameters);
            return path;
        }
        string a = WriteModel("a.ncmf", 1);
        string b = WriteModel("b.ncmf", 2);
        var textA = new FileAdditionalText(a);
        var first = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { source }),
            GeneratorHarness.CreateDriver(new AdditionalText[] { textA, new FileAdditionalText(b) }));
        Assert.Empty(first.GeneratorDiagnostics);

        // Save new parameters to a.ncmf; the compiler hands the generator a new AdditionalText for the edited file.
        WriteModel("a.ncmf", 3);
        var driver = first.Driver.ReplaceAdditionalText(textA, new FileAdditionalText(a));
        var second = GeneratorHarness.Run(first.InputCompilation, driver);

        var steps = second.RunResult.Results.Single().TrackedSteps;
        // The kernels' source depends on the declaration only: neither network's is re-emitted.
        Assert.All(steps[NetworkGenerator.Steps.Models].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        // Only a.ncmf is read again.
        var reads = steps[NetworkGenerator.Steps.ModelFiles].SelectMany(s => s.Outputs).ToList();
        Assert.Single(reads, o => o.Reason == IncrementalStepRunReason.Modified);
        // Only A's data step sees new data.
        var data = steps[NetworkGenerator.Steps.ParameterData].SelectMany(s => s.Outputs)
            .Select(o => (((CompiledParameters)o.Value).Spec.TypeName, o.Reason)).ToList();
        Assert.Contains(("A", IncrementalStepRunReason.Modified), data);
        Assert.Contains(data, d => d.TypeName == "B" && d.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.DoesNotContain(data, d => d.TypeName == "B" && d.Reason == IncrementalStepRunReason.Modified);

        // Of every source output (kernels, data, diagnostics of both networks), A's data alone runs again.
        var outputs = second.RunResult.Results.Single().TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.Single(outputs, o => o.Reason is IncrementalStepRunReason.Modified or IncrementalStepRunReason.New);

        Assert.NotEqual(first.Source("Models.A.Parameters"), second.Source("Models.A.Parameters"));
        Assert.Equal(first.Source("Models.B.Parameters"), second.Source("Models.B.Parameters"));
        Assert.Equal(first.Source("Models.A.g.cs"), second.Source("Models.A.g.cs"));
    }
}
