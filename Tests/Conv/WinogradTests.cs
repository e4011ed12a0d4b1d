using System.Reflection;
using Xunit;

namespace NetCompiler.Tests.Conv;

/// <summary>
/// Which batch convolutions the generator runs by Winograd's F(2, 5) forward and F(5, 2) for ∂E/∂W
/// (Generator/Emit/WinogradEmitter.cs). Their
/// results are checked like every other network's, against the double-precision reference (ConvChecks: PredictBatch,
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
}
