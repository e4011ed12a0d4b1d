using System;
using System.Linq;
using ApprovalTests;
using ApprovalTests.Namers;
using ApprovalTests.Reporters;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// Golden files of the generated code, one per feature: a tiny network that has the feature, and only the text the
/// feature emits (its kernels and the network class's calls to them, cut out by <see cref="GeneratedExcerpt"/>), so
/// each golden file (Tests/Generator/Snapshots/GeneratedFeatureTests.*.approved.cs) can be read in a minute. A change
/// to the emitted code fails the test of the feature it touches and leaves a *.received.cs beside the golden file:
/// diff the two, and if the change is intended, move received over approved (CONTRIBUTING.md, "Golden files").
/// The generator's output does not depend on the machine, so these hold on every instruction-set path.
/// </summary>
[UseReporter(typeof(QuietReporter))]
[UseApprovalSubdirectory("Snapshots")]
public class GeneratedFeatureTests
{
    /// <summary>2 → 2 → 1 (the paper's Fig. 1a): 4 and 2 weights, both layers under the limit of 64
    /// (<c>DenseRules.UnrollLimit</c>), so every kernel is straight-line code and Predict runs the fused forward pass.</summary>
    [Fact]
    public void Dense_layer_fully_unrolled() => Verify("A dense layer under the full-unroll limit: straight-line code, every index a constant",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(2)]
        [Dense(2, Activation.Tanh)]
        [Dense(1, Activation.Sigmoid)]
        public partial class Tiny { }
        """,
        n => GeneratedExcerpt.Layer(1)(n) || n == "ForwardFused");

    /// <summary>Layer 2, 4 → 20: 80 weights, above the full-unroll limit of 64, so its kernels loop over vectors (rows of
    /// 4 floats: one path for the forward kernels, three for ∂E/∂W). Its lane kernel has a golden file of its own
    /// (<see cref="Lane_path"/>).</summary>
    [Fact]
    public void Dense_layer_above_the_unroll_limit() => Verify("A dense layer above the full-unroll limit: vector kernels",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(2)]
        [Dense(4, Activation.Tanh)]
        [Dense(20, Activation.Tanh)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2, "Lanes"));

    /// <summary>Every layer dense and not every one fully unrolled (4 → 20 has 80 weights): PredictBatch and training
    /// put 16 samples in the lanes of an AVX-512 vector for chunks of more than 48 (<c>NetworkPlanner.Plan</c>).</summary>
    [Fact]
    public void Lane_path() => Verify("The lane path: samples in vector lanes, for networks of dense layers that are not all unrolled",
        """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(4)]
        [Dense(20, Activation.Tanh)]
        [Dense(3)]
        public partial class Net { }
        """,
        n => n.Contains("Lanes", StringComparison.Ordinal), wholeIf: true);

    /// <summary>3×3 kernels, stride 1, one filter over one 4×4 channel: the single-sample kernel, the block kernels
    /// (one sample per vector lane) and ∂E/∂W.</summary>
    [Fact]
    public void Convolution_direct() => Verify("A direct convolution: 3×3 kernels, stride 1",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(1, 4, 4)]
        [Conv2D(1, 3, Activation.ReLU)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(1));

    /// <summary>A 1×5 kernel, stride 1, an even output width (2) and 15 channels × 1 row = 15 products per output along
    /// them: F(2, 5) forward and F(5, 2) for ∂E/∂W over blocks of samples (<c>Conv2DRules.Winograd</c>). Its single-sample
    /// kernel is the direct one of <see cref="Convolution_direct"/> (rows of fewer than 6 outputs), so it is left out.</summary>
    [Fact]
    public void Convolution_winograd() => Verify("A convolution by Winograd's F(2, 5) along its rows",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(15, 1, 6)]
        [Conv2D(1, 1, 5)]
        [Dense(2)]
        public partial class Net { }
        """,
        n => GeneratedExcerpt.Layer(1)(n) && n != "Layer1Forward");

    [Fact]
    public void Max_pooling() => Verify("Max pooling, 2×2 windows",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(1, 6, 6)]
        [Conv2D(2, 3)]
        [MaxPool2D(2)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2));

    [Fact]
    public void Average_pooling() => Verify("Average pooling, 2×2 windows",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(1, 6, 6)]
        [Conv2D(2, 3)]
        [AvgPool2D(2)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2));

    [Fact]
    public void Softmax_cross_entropy() => Verify("The softmax cross-entropy loss over 10 classes, and the softmax of Predict",
        """
        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        [Input(2)]
        [Dense(10)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Named("SoftmaxCrossEntropy", "Exponentials", "Softmax"));

    /// <summary>3 outputs: at most 4 (<c>LossEmitter.UnrollLimit</c>), so the loss is straight-line code.</summary>
    [Fact]
    public void Half_squared_error() => Verify("The half squared-error loss over 3 logistic outputs: unrolled",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(2)]
        [Dense(3, Activation.Sigmoid)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Named("HalfSquaredError"));

    [Fact]
    public void BatchNorm_after_dense() => Verify("Batch normalisation after a dense layer",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(4)]
        [Dense(3)]
        [BatchNorm(Activation.ReLU)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2));

    [Fact]
    public void BatchNorm_after_convolution() => Verify("Batch normalisation after a convolution: per channel",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(1, 4, 4)]
        [Conv2D(2, 3)]
        [BatchNorm(Activation.ReLU)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2));

    [Fact]
    public void Dropout() => Verify("Dropout",
        """
        [Network(Loss = Loss.HalfSquaredError)]
        [Input(4)]
        [Dense(3, Activation.ReLU)]
        [Dropout(0.5f)]
        [Dense(2)]
        public partial class Net { }
        """,
        GeneratedExcerpt.Layer(2));

    /// <summary>Runs the generator on <paramref name="declaration"/> (in namespace Models, with <c>using NetCompiler;</c>),
    /// requires it to report nothing and the result to compile, and compares the excerpt with the golden file.</summary>
    private static void Verify(string title, string declaration, Func<string, bool> selects, bool wholeIf = false)
    {
        var run = GeneratorHarness.Run("using NetCompiler;\nnamespace Models;\n\n" + declaration);
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Single(run.GeneratedSources);
        Approvals.VerifyWithExtension(GeneratedExcerpt.Of(declaration, run.GeneratedSources.Values.Single(), selects, title, wholeIf), ".cs");
    }
}
