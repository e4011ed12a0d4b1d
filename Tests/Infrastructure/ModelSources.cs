namespace NetCompiler.Tests.Infrastructure;

/// <summary>
/// The declarations of four networks, as source text for tests that run the generator in-process: the paper's Fig. 1a
/// network (fully unrolled), the Fashion-MNIST MLP (lane path, training by parts), a deep tanh/sigmoid regression (lanes
/// in training, a layer without bias) and LeNet-5 (convolutions, Winograd, pooling). Their behaviour is tested on the
/// compiled types (<c>Tests/Generated/LargeNetworkTests.cs</c>, <c>Tests/Conv/LeNetTests.cs</c>).
/// </summary>
public static class ModelSources
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

    /// <summary>The names of the models above, for theories.</summary>
    public static readonly string[] Names = { nameof(Tiny), nameof(FashionMlp), nameof(DeepRegression), nameof(LeNet5) };

    /// <summary>One of the models above by name: Tiny, FashionMlp, DeepRegression or LeNet5.</summary>
    public static string Model(string name) => name switch
    {
        nameof(Tiny) => Tiny,
        nameof(FashionMlp) => FashionMlp,
        nameof(DeepRegression) => DeepRegression,
        nameof(LeNet5) => LeNet5,
        _ => throw new System.ArgumentException($"No model named {name}.", nameof(name)),
    };

    private static string ReadResource(string name)
    {
        using var stream = typeof(ModelSources).Assembly.GetManifestResourceStream(name)
            ?? throw new System.InvalidOperationException($"The embedded resource {name} is missing.");
        using var reader = new System.IO.StreamReader(stream);
        return reader.ReadToEnd();
    }
}
