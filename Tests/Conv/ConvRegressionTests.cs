using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Conv;

/// <summary>Minimal repros of generator bugs found by the convolution tests.</summary>
public class ConvRegressionTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    /// <summary>
    /// Networks whose Conv2D layers have no padding need no scratch for them, so Predict and ComputeGradients may not
    /// declare <c>scratch</c>; no conv kernel call may then pass <c>ref scratch</c> (which would be error CS0103, "The
    /// name 'scratch' does not exist in the current context", in the generated code).
    /// </summary>
    [Theory]
    [InlineData("[Input(1, 4, 4)] [Conv2D(1, 3)]")]
    [InlineData("[Input(1, 6, 6)] [Conv2D(2, 3, Activation.ReLU, Stride = 2)] [MaxPool2D(2)] [Dense(2)]")]
    [InlineData("[Input(1, 6, 6)] [Conv2D(2, 3, Activation.ReLU)] [Conv2D(2, 3)] [Dense(2)]")]
    // Controls: padding somewhere, or no convolution at all.
    [InlineData("[Input(1, 6, 6)] [Conv2D(2, 3, Activation.ReLU)] [Conv2D(2, 3, Padding = 1)] [Dense(2)]")]
    [InlineData("[Input(1, 6, 6)] [MaxPool2D(2)] [AvgPool2D(3)] [Dense(2)]")]
    public void Network_compiles(string layers)
    {
        var run = GeneratorHarness.Run(Usings + $"[Network] {layers} public partial class Net {{ }}");
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
    }
}
