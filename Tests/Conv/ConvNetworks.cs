using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using NetCompiler.Samples.LeNet5;
using NetCompiler.Tests.Infrastructure;
using static NetCompiler.Activation;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Conv;

// Convolutional networks compiled by the generator as part of this test project. Each is listed in ConvNetworks.All
// with its architecture written out again by hand for ReferenceNetwork: the oracle is built from that hand-written
// spec, never from anything the generator emits. Output widths (ow) are chosen against the vector widths 4 / 8 / 16
// and the 4-vector chunks of the stride-1 kernels: some rows are exact multiples, others leave scalar tails.

// Conv2D, stride 1, 1 channel, non-square 3×4 kernel, tanh: [1,5,40] → [3,3,37] (ow 37: chunks + tail on every path).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 5, 40)] [Conv2D(3, 3, 4, Tanh)] [Dense(4)]
public partial class ConvRect37Tanh { }

// 3 channels, padding 2, 5×5, ReLU: [3,6,18] → [4,6,18] (ow 18: 2×8 + 2, 4×4 + 2, 16 + 2).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3, 6, 18)] [Conv2D(4, 5, ReLU, Padding = 2)] [Dense(3)]
public partial class Conv3ChPad2ReLU { }

// Stride 2, 3 channels, non-square 3×2, logistic: [3,11,13] → [5,5,6]; (13 − 2)/2 is not whole, so column 12 is never read.
[Network(Loss = Loss.HalfSquaredError)] [Input(3, 11, 13)] [Conv2D(5, 3, 2, Sigmoid, Stride = 2)] [Dense(4, Tanh)]
public partial class ConvStride2Sigmoid { }

// Stride 2 and padding 2, 2 channels, 4×3, identity, no bias: [2,9,10] → padded [2,13,14] → [3,5,6].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 9, 10)] [Conv2D(3, 4, 3, Stride = 2, Padding = 2, Bias = false)] [Dense(5)]
public partial class ConvStride2Pad2NoBias { }

// Output width 70 (8×8 + 6, 16×4 + 6, 17×4 + 2), then a 1×5 conv with padding 1 (its input gradient runs the vector
// kernels, ow 68), then average pooling before the dense layer.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 4, 72)] [Conv2D(2, 3, ReLU)] [Conv2D(3, 1, 5, Tanh, Padding = 1)] [AvgPool2D(2)] [Dense(3)]
public partial class ConvWide70 { }

// Output width 64 (a multiple of every vector width and chunk); the conv is the output layer (½(y − t)² over a [2,1,64]
// map, with the logistic derivative in the loss); no bias.
[Network(Loss = Loss.HalfSquaredError)] [Input(2, 3, 66)] [Conv2D(2, 3, Sigmoid, Bias = false)]
public partial class ConvAligned64Output { }

// A 1×1 ReLU conv, then a 3×3 identity conv with output width 3 (scalar only).
[Network(Loss = Loss.HalfSquaredError)] [Input(2, 5, 5)] [Conv2D(3, 1, ReLU)] [Conv2D(2, 3)] [Dense(2, Sigmoid)]
public partial class ConvNarrow3 { }

// A 2-D input (one channel) and a kernel as large as the padded input: [6,7] padded to [8,9], 8×9 kernel → [4,1,1].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6, 7)] [Conv2D(4, 8, 9, Tanh, Padding = 1)] [Dense(3)]
public partial class ConvWholeInput { }

// Padding as large as the kernel: the corner windows lie entirely in the padding (z = bias there).
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 3, 4)] [Conv2D(2, 2, ReLU, Padding = 2)] [Dense(2)]
public partial class ConvAllPaddingWindows { }

// Two stride-1 convs with padding, the second ReLU over a tanh conv, ow 13 (8 + 5, 3×4 + 1) then 11 (8 + 3, 2×4 + 3).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 7, 13)] [Conv2D(3, 3, Tanh, Padding = 1)] [Conv2D(2, 4, 5, ReLU, Padding = 1)] [Dense(3)]
public partial class ConvStackedPadded { }

// Max pooling with overlapping windows (3, stride 2) after a tanh conv: [3,8,11] → [3,3,5].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 10, 13)] [Conv2D(3, 3, Tanh)] [MaxPool2D(3, Stride = 2)] [Dense(4)]
public partial class MaxPoolOverlap { }

// Max pooling with gaps (2, stride 3) after a padded ReLU conv: [4,11,12] → [4,4,4], then two dense layers.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 11, 12)] [Conv2D(4, 3, ReLU, Padding = 1)] [MaxPool2D(2, Stride = 3)] [Dense(6, ReLU)] [Dense(3)]
public partial class MaxPoolGaps { }

// Average pooling with gaps (2, stride 3) after a logistic conv: [2,10,11] → [2,3,4].
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 11, 12)] [Conv2D(2, 2, Sigmoid)] [AvgPool2D(2, Stride = 3)] [Dense(3, Tanh)] [Dense(2)]
public partial class AvgPoolGaps { }

// Overlapping average pooling (3, stride 1) between two convs: the second conv's input gradient goes back through it.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3, 9, 9)] [Conv2D(2, 3, ReLU)] [AvgPool2D(3, Stride = 1)] [Conv2D(3, 2, Tanh)] [Dense(3)]
public partial class AvgPoolBetweenConvs { }

// Pooling first (it has no backward), stacked pools, and max pooling as the output layer.
[Network(Loss = Loss.HalfSquaredError)] [Input(2, 8, 9)] [MaxPool2D(2, Stride = 1)] [Conv2D(2, 3, 2)] [AvgPool2D(2)] [MaxPool2D(2)]
public partial class PoolFirstAndLast { }

// Softmax over an average-pooled map ([2,2,2] = 8 classes).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 6, 6)] [Conv2D(2, 3)] [AvgPool2D(2)]
public partial class SoftmaxOverPool { }

// Stride = 0 on pooling means the window size: [2,6,8] → conv (padding 1) [2,6,8] → max 2 [2,3,4] → average 3 [2,1,1].
[Network(Loss = Loss.HalfSquaredError)] [Input(2, 6, 8)] [Conv2D(2, 3, Tanh, Padding = 1)] [MaxPool2D(2, Stride = 0)] [AvgPool2D(3, Stride = 0)]
public partial class PoolDefaultStride { }

// A small LeNet: every parameter is checked by finite differences.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 12, 12)]
[Conv2D(3, 3, ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(4, 3, ReLU)]
[MaxPool2D(2)]
[Dense(10, ReLU)]
[Dense(3)]
public partial class MiniLeNet { }

// Whole vectors of filters over rows that do not fill a vector: Predict runs the filters-in-lanes form (7 × 7 outputs of 8
// filters, tanh applied after the sums; then 5 × 5 outputs of 16 filters without bias, ReLU in the vectors).
[Network(Loss = Loss.HalfSquaredError)] [Input(3, 9, 9)] [Conv2D(8, 3, Tanh)] [Conv2D(16, 3, ReLU, Bias = false)] [Dense(2)]
public partial class ConvFiltersInLanes { }

// Workspaces above the generator's stack limit (16,384 floats) in Predict as well: the conv output alone is 17,280.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 24, 24)] [Conv2D(30, 3, Tanh, Padding = 1)] [MaxPool2D(4)] [Dense(3)]
public partial class PooledWorkspaceConv { }

// The batch forward by Winograd's F(2, 5) along the rows (5-wide kernels, stride 1, even output width, channels ×
// kernel rows ≥ 15): a 3 × 5 kernel over 5 channels, padding 2, tanh (applied after the sums), no bias: [5,6,14] →
// [3,8,14], 7 pairs of columns (a tile of 5 and one of 2) and 3 filters (a pair and one).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(5, 6, 14)] [Conv2D(3, 3, 5, Tanh, Padding = 2, Bias = false)] [Dense(3)]
public partial class WinogradTanhNoBias { }

// F(2, 5) on blocked input (after max pooling, padded again in blocks), identity with bias, blocked output (into
// average pooling): [2,12,20] → conv 3×3 [4,12,20] → max 2 [4,6,10] → conv 5×5 padding 2 [5,6,10] → average 2 [5,3,5].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 12, 20)] [Conv2D(4, 3, ReLU, Padding = 1)] [MaxPool2D(2)] [Conv2D(5, 5, Padding = 2)] [AvgPool2D(2)] [Dense(3)]
public partial class WinogradBetweenPools { }

// F(2, 5) and F(5, 2) with a 7 × 5 kernel (kernel rows in a tile of 5 and one of 2 in ∂E/∂W), padding 1, ReLU:
// [3,9,12] → [2,5,10].
[Network(Loss = Loss.HalfSquaredError)] [Input(3, 9, 12)] [Conv2D(2, 7, 5, ReLU, Padding = 1)] [Dense(2)]
public partial class WinogradTallKernel { }

// Predict by F(2, 5) with the filters in the lanes (WinogradEmitter.EmitSampleRows), where the filters fill whole
// vectors and the rows do not: 8 filters (one AVX2 vector), tanh (applied after the sums), no bias, padding 2:
// [3,6,26] → [8,6,26], 13 pairs of columns (a tile of 12 and one of 1), 25 piece starts a row (vectors at 0, 8, 16 and
// an overlapping one at 17).
[Network(Loss = Loss.HalfSquaredError)] [Input(3, 6, 26)] [Conv2D(8, 5, Tanh, Padding = 2, Bias = false)] [Dense(2)]
public partial class WinogradSample8Tanh { }

// The same with 16 filters (two AVX2 vectors, one AVX-512 vector), a 3 × 5 kernel, bias, ReLU, into max pooling:
// [5,6,14] → [16,8,14] → [16,4,7], 7 pairs of columns (a tile of 6 and one of 1 on AVX2), 13 piece starts a row.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(5, 6, 14)] [Conv2D(16, 3, 5, ReLU, Padding = 2)] [MaxPool2D(2)] [Dense(3)]
public partial class WinogradSample16Pooled { }

public static class ConvNetworks
{
    private static ReferenceNetwork R(int[] input, Loss loss, params RefLayer[] layers) => new(input, layers, loss);

    private static readonly Loss Sce = Loss.SoftmaxCrossEntropy, Hse = Loss.HalfSquaredError;

    /// <summary>LeNet-5 as the sample declares it (Samples/LeNet5/LeNet5Network.cs), 61,706 parameters.</summary>
    public static readonly NetCase LeNet = NetCase.Of<LeNet5>(R(new[] { 1, 28, 28 }, Sce,
        Conv2D(6, 5, ReLU, padding: 2), MaxPool(2), Conv2D(16, 5, ReLU), MaxPool(2), Dense(120, ReLU), Dense(84, ReLU), Dense(10)));

    public static readonly NetCase PooledWorkspace = NetCase.Of<PooledWorkspaceConv>(R(new[] { 1, 24, 24 }, Sce,
        Conv2D(30, 3, Tanh, padding: 1), MaxPool(4), Dense(3)));

    /// <summary>The networks declared above except LeNet-5 and PooledWorkspaceConv (which have tests of their own), by
    /// class name.</summary>
    public static readonly IReadOnlyDictionary<string, NetCase> All = new[]
    {
        NetCase.Of<ConvRect37Tanh>(R(new[] { 1, 5, 40 }, Sce, Conv2D(3, 3, 4, Tanh), Dense(4))),
        NetCase.Of<Conv3ChPad2ReLU>(R(new[] { 3, 6, 18 }, Sce, Conv2D(4, 5, ReLU, padding: 2), Dense(3))),
        NetCase.Of<ConvStride2Sigmoid>(R(new[] { 3, 11, 13 }, Hse, Conv2D(5, 3, 2, Sigmoid, stride: 2), Dense(4, Tanh))),
        NetCase.Of<ConvStride2Pad2NoBias>(R(new[] { 2, 9, 10 }, Sce, Conv2D(3, 4, 3, Identity, stride: 2, padding: 2, bias: false), Dense(5))),
        NetCase.Of<ConvWide70>(R(new[] { 1, 4, 72 }, Sce, Conv2D(2, 3, ReLU), Conv2D(3, 1, 5, Tanh, padding: 1), AvgPool(2), Dense(3))),
        NetCase.Of<ConvAligned64Output>(R(new[] { 2, 3, 66 }, Hse, Conv2D(2, 3, Sigmoid, bias: false))),
        NetCase.Of<ConvNarrow3>(R(new[] { 2, 5, 5 }, Hse, Conv2D(3, 1, ReLU), Conv2D(2, 3), Dense(2, Sigmoid))),
        NetCase.Of<ConvWholeInput>(R(new[] { 6, 7 }, Sce, Conv2D(4, 8, 9, Tanh, padding: 1), Dense(3))),
        NetCase.Of<ConvAllPaddingWindows>(R(new[] { 1, 3, 4 }, Hse, Conv2D(2, 2, ReLU, padding: 2), Dense(2))),
        NetCase.Of<ConvStackedPadded>(R(new[] { 2, 7, 13 }, Sce, Conv2D(3, 3, Tanh, padding: 1), Conv2D(2, 4, 5, ReLU, padding: 1), Dense(3))),
        NetCase.Of<MaxPoolOverlap>(R(new[] { 2, 10, 13 }, Sce, Conv2D(3, 3, Tanh), MaxPool(3, 2), Dense(4))),
        NetCase.Of<MaxPoolGaps>(R(new[] { 1, 11, 12 }, Sce, Conv2D(4, 3, ReLU, padding: 1), MaxPool(2, 3), Dense(6, ReLU), Dense(3))),
        NetCase.Of<AvgPoolGaps>(R(new[] { 1, 11, 12 }, Hse, Conv2D(2, 2, Sigmoid), AvgPool(2, 3), Dense(3, Tanh), Dense(2))),
        NetCase.Of<AvgPoolBetweenConvs>(R(new[] { 3, 9, 9 }, Sce, Conv2D(2, 3, ReLU), AvgPool(3, 1), Conv2D(3, 2, Tanh), Dense(3))),
        NetCase.Of<PoolFirstAndLast>(R(new[] { 2, 8, 9 }, Hse, MaxPool(2, 1), Conv2D(2, 3, 2), AvgPool(2), MaxPool(2))),
        NetCase.Of<SoftmaxOverPool>(R(new[] { 1, 6, 6 }, Sce, Conv2D(2, 3), AvgPool(2))),
        NetCase.Of<PoolDefaultStride>(R(new[] { 2, 6, 8 }, Hse, Conv2D(2, 3, Tanh, padding: 1), MaxPool(2), AvgPool(3))),
        NetCase.Of<MiniLeNet>(R(new[] { 1, 12, 12 }, Sce,
            Conv2D(3, 3, ReLU, padding: 2), MaxPool(2), Conv2D(4, 3, ReLU), MaxPool(2), Dense(10, ReLU), Dense(3))),
        NetCase.Of<ConvFiltersInLanes>(R(new[] { 3, 9, 9 }, Hse, Conv2D(8, 3, Tanh), Conv2D(16, 3, ReLU, bias: false), Dense(2))),
        NetCase.Of<WinogradTanhNoBias>(R(new[] { 5, 6, 14 }, Sce, Conv2D(3, 3, 5, Tanh, padding: 2, bias: false), Dense(3))),
        NetCase.Of<WinogradBetweenPools>(R(new[] { 2, 12, 20 }, Sce,
            Conv2D(4, 3, ReLU, padding: 1), MaxPool(2), Conv2D(5, 5, Identity, padding: 2), AvgPool(2), Dense(3))),
        NetCase.Of<WinogradTallKernel>(R(new[] { 3, 9, 12 }, Hse, Conv2D(2, 7, 5, ReLU, padding: 1), Dense(2))),
        NetCase.Of<WinogradSample8Tanh>(R(new[] { 3, 6, 26 }, Hse, Conv2D(8, 5, Tanh, padding: 2, bias: false), Dense(2))),
        NetCase.Of<WinogradSample16Pooled>(R(new[] { 5, 6, 14 }, Sce, Conv2D(16, 3, 5, ReLU, padding: 2), MaxPool(2), Dense(3))),
    }.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
}

/// <summary>Compiles convolutional networks from their reference specs at run time (one assembly per call).</summary>
public static class ConvCompiler
{
    public const string Namespace = "NetCompiler.Dynamic.ConvNets";

    public static IReadOnlyList<NetCase> Compile(IReadOnlyList<(string Name, ReferenceNetwork Spec)> specs, string prefix,
        Func<string, string>? rewriteGenerated = null)
    {
        var source = new StringBuilder($"namespace {Namespace};\n\n");
        foreach (var (name, spec) in specs) source.Append(spec.ToSource(prefix + name)).Append('\n');
        Assembly assembly = GeneratorHarness.CompileAndLoad(source.ToString(), rewriteGenerated);
        return specs.Select(s => NetCase.ForRuntimeType(assembly.GetType($"{Namespace}.{prefix}{s.Name}", throwOnError: true)!, s.Spec)).ToList();
    }
}
