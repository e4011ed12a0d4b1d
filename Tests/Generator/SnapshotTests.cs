using ApprovalTests;
using ApprovalTests.Namers;
using ApprovalTests.Reporters;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// Golden files of the generated source (Tests/Generator/Snapshots/*.approved.cs), read and reviewed before they were
/// accepted. A change to the emitted code fails here and leaves a *.received.cs beside the golden file: diff the two,
/// and if the change is intended, copy received over approved (see CONTRIBUTING.md, "Snapshots").
/// </summary>
[UseReporter(typeof(QuietReporter))]
[UseApprovalSubdirectory("Snapshots")]
public class SnapshotTests
{
    public const string Tiny = """
        using NetCompiler;
        namespace Models;

        /// <summary>The paper's Fig. 1a network: 2 inputs, 2 hidden units, 1 output.</summary>
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(2)]
        [Dense(2, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class Tiny { }
        """;

    public const string FashionMlp = """
        using NetCompiler;
        namespace Models;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(784)]
        [Dense(128, Activation.ReLU)]
        [Dense(10)]
        public partial class FashionMlp { }
        """;

    public const string DeepRegression = """
        using NetCompiler;
        namespace Models.Regression;

        public static partial class Holder
        {
            [Network(Loss = Loss.HalfSquaredError)]
            [Input(13)]
            [Dense(40, Activation.Tanh)]
            [Dense(24, Activation.Sigmoid)]
            [Dense(9, Activation.Tanh, Bias = false)]
            [Dense(3)]
            public partial class DeepRegression { }
        }
        """;

    /// <summary>LeNet-5's one declaration, Samples/LeNet5/LeNet5Network.cs (embedded in this assembly).</summary>
    public static string LeNet5 { get; } = ReadResource("LeNet5Network.cs");

    /// <summary>One of the models above by name: Tiny, FashionMlp, DeepRegression or LeNet5.</summary>
    public static string Model(string name) => name switch
    {
        nameof(Tiny) => Tiny,
        nameof(FashionMlp) => FashionMlp,
        nameof(DeepRegression) => DeepRegression,
        nameof(LeNet5) => LeNet5,
        _ => throw new System.ArgumentException($"No snapshot model named {name}.", nameof(name)),
    };

    private static string ReadResource(string name)
    {
        using var stream = typeof(SnapshotTests).Assembly.GetManifestResourceStream(name)
            ?? throw new System.InvalidOperationException($"The embedded resource {name} is missing.");
        using var reader = new System.IO.StreamReader(stream);
        return reader.ReadToEnd();
    }

    [Fact]
    public void LeNet5_convolutional_network() => Verify(LeNet5, "LeNet5");

    [Fact]
    public void Tiny_network_is_fully_unrolled() => Verify(Tiny, "Tiny");

    [Fact]
    public void Fashion_mlp() => Verify(FashionMlp, "FashionMlp");

    [Fact]
    public void Deep_tanh_sigmoid_regression() => Verify(DeepRegression, "DeepRegression");

    private static void Verify(string model, string name)
    {
        var run = GeneratorHarness.Run(model);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Approvals.VerifyWithExtension(run.Source(name + ".g.cs"), ".cs");
    }
}
