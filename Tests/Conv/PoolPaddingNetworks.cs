using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using static NetCompiler.Activation;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Conv;

// Padded pooling (PyTorch's MaxPool2d / AvgPool2d padding), each network written out again by hand for
// ReferenceNetwork. The layers below a padded pool have signed outputs (tanh, identity) where a max-pool window at
// the border could otherwise pick a zero of the padding, or ReLU (zeros and ties) where the routing of ties matters.

// The ResNet stem's pool: 3, stride 2, padding 1 over an odd [3,9,9] tanh map → [3,5,5].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 9, 9)] [Conv2D(3, 3, Tanh, Padding = 1)] [MaxPool2D(3, Stride = 2, Padding = 1)] [Dense(3)]
public partial class MaxPoolPad1Odd { }

// The same pool over an even, non-square [2,8,10] identity map → [2,4,5].
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 8, 10)] [Conv2D(2, 3, Padding = 1)] [MaxPool2D(3, Stride = 2, Padding = 1)] [Dense(2, Tanh)]
public partial class MaxPoolPad1Even { }

// A 5×5 window (looped, not unrolled, when unpadded), stride 1, padding 2, over a ReLU map: [2,6,9] → [2,6,9].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 6, 9)] [Conv2D(2, 3, ReLU, Padding = 1)] [MaxPool2D(5, Stride = 1, Padding = 2)] [Dense(3)]
public partial class MaxPoolPad2Stride1 { }

// Average pooling 3, stride 2, padding 1, the padding counted (PyTorch's default): odd [2,5,5] → [2,3,3].
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 7, 7)] [Conv2D(2, 3, Tanh)] [AvgPool2D(3, Stride = 2, Padding = 1)] [Dense(3)]
public partial class AvgPoolPadIncludeOdd { }

// The same on an even [2,8,8] map → [2,4,4].
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 8, 8)] [Conv2D(2, 3, Sigmoid, Padding = 1)] [AvgPool2D(3, Stride = 2, Padding = 1, CountIncludePad = true)] [Dense(2)]
public partial class AvgPoolPadIncludeEven { }

// The padding left out of the mean, on an even-by-odd ReLU map: [3,10,8] → [3,5,4], then two dense layers.
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 10, 8)] [Conv2D(3, 3, ReLU, Padding = 1)] [AvgPool2D(3, Stride = 2, Padding = 1, CountIncludePad = false)] [Dense(4, Tanh)] [Dense(2)]
public partial class AvgPoolPadExclude { }

// Overlapping windows (3, stride 1, padding 1: same-size output) between two convs, the padding left out of the mean:
// the second conv's ∂E/∂x goes back through the pool into the ReLU below.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 6, 7)] [Conv2D(2, 3, ReLU, Padding = 1)] [AvgPool2D(3, Stride = 1, Padding = 1, CountIncludePad = false)] [Conv2D(2, 3, Tanh)] [Dense(3)]
public partial class AvgPoolPadBetweenConvs { }

// A padded pool first (no backward), then a padded 2×2 average (padding = half the window) as the output layer.
[Network(Loss = Loss.HalfSquaredError)] [Input(2, 7, 8)] [MaxPool2D(3, Stride = 2, Padding = 1)] [Conv2D(2, 2)] [AvgPool2D(2, Stride = 1, Padding = 1)]
public partial class PaddedPoolFirstAndLast { }

public static class PoolPaddingNetworks
{
    private static ReferenceNetwork R(int[] input, Loss loss, params RefLayer[] layers) => new(input, layers, loss);

    private static readonly Loss Sce = Loss.SoftmaxCrossEntropy, Hse = Loss.HalfSquaredError;

    public static readonly IReadOnlyDictionary<string, NetCase> All = new[]
    {
        NetCase.Of<MaxPoolPad1Odd>(R(new[] { 2, 9, 9 }, Sce, Conv2D(3, 3, Tanh, padding: 1), MaxPool(3, 2, 1), Dense(3))),
        NetCase.Of<MaxPoolPad1Even>(R(new[] { 1, 8, 10 }, Hse, Conv2D(2, 3, Identity, padding: 1), MaxPool(3, 2, 1), Dense(2, Tanh))),
        NetCase.Of<MaxPoolPad2Stride1>(R(new[] { 1, 6, 9 }, Sce, Conv2D(2, 3, ReLU, padding: 1), MaxPool(5, 1, 2), Dense(3))),
        NetCase.Of<AvgPoolPadIncludeOdd>(R(new[] { 2, 7, 7 }, Sce, Conv2D(2, 3, Tanh), AvgPool(3, 2, 1), Dense(3))),
        NetCase.Of<AvgPoolPadIncludeEven>(R(new[] { 1, 8, 8 }, Hse, Conv2D(2, 3, Sigmoid, padding: 1), AvgPool(3, 2, 1, countIncludePad: true), Dense(2))),
        NetCase.Of<AvgPoolPadExclude>(R(new[] { 1, 10, 8 }, Hse, Conv2D(3, 3, ReLU, padding: 1), AvgPool(3, 2, 1, countIncludePad: false), Dense(4, Tanh), Dense(2))),
        NetCase.Of<AvgPoolPadBetweenConvs>(R(new[] { 2, 6, 7 }, Sce,
            Conv2D(2, 3, ReLU, padding: 1), AvgPool(3, 1, 1, countIncludePad: false), Conv2D(2, 3, Tanh), Dense(3))),
        NetCase.Of<PaddedPoolFirstAndLast>(R(new[] { 2, 7, 8 }, Hse, MaxPool(3, 2, 1), Conv2D(2, 2), AvgPool(2, 1, 1))),
    }.ToDictionary(c => c.Name);

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });
}
