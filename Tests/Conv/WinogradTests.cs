using System;
using System.Reflection;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Tests.Conv;

/// <summary>
/// Which batch convolutions the generator runs by Winograd's F(2, 5) forward and F(5, 2) for ∂E/∂W
/// (Conv2DRules.Winograd, emitted by Generator/Emit/Layers/Conv2D/WinogradEmitter.cs). Their
/// results are checked like every other network's, against the double-precision reference (NetworkChecks: PredictBatch,
/// training steps, gradients); this pins down that those checks do reach the Winograd kernels.
/// </summary>
public class WinogradTests
{
    [Theory]
    [InlineData(typeof(LeNet5), 3, true)]           // conv2: 6 channels × 5 rows, 10 columns
    [InlineData(typeof(LeNet5), 1, false)]          // conv1: one channel (5 products per output)
    [InlineData(typeof(WinogradTanhNoBias), 1, true)]
    [InlineData(typeof(WinogradBetweenPools), 1, false)] // 3×3 kernel
    [InlineData(typeof(WinogradBetweenPools), 3, true)]
    [InlineData(typeof(WinogradTallKernel), 1, true)]  // 7 × 5 kernel
    [InlineData(typeof(Conv3ChPad2ReLU), 1, true)]  // 3 channels × 5 rows, 18 columns
    [InlineData(typeof(ConvStackedPadded), 2, false)] // 3 channels × 4 rows: 12 products per output
    [InlineData(typeof(ConvRect37Tanh), 1, false)]  // 3×4 kernel, odd output width
    public void Batch_kernels_are_Winograd_where_they_apply(System.Type network, int layer, bool winograd)
    {
        var kernels = network.GetNestedType("GeneratedKernels", BindingFlags.NonPublic | BindingFlags.Public);
        Assert.NotNull(kernels);
        const BindingFlags flags = BindingFlags.NonPublic | BindingFlags.Static;
        Assert.NotNull(kernels!.GetMethod($"Layer{layer}ForwardBatch", flags));
        Assert.Equal(winograd, kernels.GetMethod($"Layer{layer}WinogradWeights", flags) is not null);
        // The F(5, 2) weight gradient takes scratch for its transforms; the direct one does not.
        Assert.Equal(winograd ? 4 : 3, kernels.GetMethod($"Layer{layer}WeightGradientBlock", flags)!.GetParameters().Length);
    }

    /// <summary>
    /// Which single-sample kernels (Predict) run by F(2, 5) with the filters in the lanes, on the AVX2 path (the one
    /// this project's machine runs): read from the generated source of the same layers as the networks of
    /// ConvNetworks.cs, whose Predict is checked against the reference there.
    /// </summary>
    [Theory]
    [InlineData("[Input(1, 28, 28)] [Conv2D(6, 5, Activation.ReLU, Padding = 2)] [MaxPool2D(2)] [Conv2D(16, 5, Activation.ReLU)] [MaxPool2D(2)] [Dense(10)]", 3, true)] // LeNet-5's conv2
    [InlineData("[Input(1, 28, 28)] [Conv2D(6, 5, Activation.ReLU, Padding = 2)] [MaxPool2D(2)] [Conv2D(16, 5, Activation.ReLU)] [MaxPool2D(2)] [Dense(10)]", 1, false)] // conv1: 6 filters
    [InlineData("[Input(3, 6, 26)] [Conv2D(8, 5, Activation.Tanh, Padding = 2, Bias = false)] [Dense(2)]", 1, true)] // WinogradSample8Tanh
    [InlineData("[Input(5, 6, 14)] [Conv2D(16, 3, 5, Activation.ReLU, Padding = 2)] [MaxPool2D(2)] [Dense(3)]", 1, true)] // WinogradSample16Pooled
    [InlineData("[Input(5, 6, 14)] [Conv2D(3, 3, 5, Activation.Tanh, Padding = 2, Bias = false)] [Dense(3)]", 1, false)] // WinogradTanhNoBias: 3 filters
    [InlineData("[Input(3, 9, 9)] [Conv2D(8, 3, Activation.Tanh)] [Conv2D(16, 3, Activation.ReLU, Bias = false)] [Dense(2)]", 2, false)] // ConvFiltersInLanes: 3 × 3
    public void Predict_kernels_are_Winograd_where_they_apply(string layers, int layer, bool winograd)
    {
        var run = GeneratorHarness.Run($$"""
            using NetCompiler;
            namespace Models;
            [Network(Loss = Loss.SoftmaxCrossEntropy)] {{layers}}
            public partial class Probe { }
            """);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        string source = run.Source("Probe");
        int start = source.IndexOf($"void Layer{layer}Forward(ref float p, ref float x, ref float y, ref float scratch)", StringComparison.Ordinal);
        Assert.True(start >= 0);
        int avx2 = source.IndexOf("// AVX2 + FMA path.", start, StringComparison.Ordinal);
        int portable = source.IndexOf("// portable 128-bit path.", avx2, StringComparison.Ordinal);
        Assert.True(avx2 > start && portable > avx2);
        Assert.Equal(winograd, source.Substring(avx2, portable - avx2).Contains("By Winograd's F(2, 5)", StringComparison.Ordinal));
    }
}
