using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using static NetCompiler.Activation;

namespace NetCompiler.Tests.Generated;

// Networks compiled by the generator as part of this test project. Every class is listed in DeclaredNetworks.All
// with the same architecture written out by hand: that hand-written spec, not anything the generator emits, is what
// the reference implementation is built from.

// One per activation, loss HalfSquaredError (output layer uses the activation too). 37 / 33 / 7: not multiples of 4/8/16.
[Network(Loss = Loss.HalfSquaredError)] [Input(37)] [Dense(33, Identity)] [Dense(7, Identity)] public partial class Hse37Identity { }
[Network(Loss = Loss.HalfSquaredError)] [Input(37)] [Dense(33, Identity)] [Dense(7, Identity)] public partial class Hse37IdentityTwin { }
[Network(Loss = Loss.HalfSquaredError)] [Input(37)] [Dense(33, ReLU)] [Dense(7, ReLU)] public partial class Hse37ReLU { }
[Network(Loss = Loss.HalfSquaredError)] [Input(37)] [Dense(33, Tanh)] [Dense(7, Tanh)] public partial class Hse37Tanh { }
[Network(Loss = Loss.HalfSquaredError)] [Input(37)] [Dense(33, Sigmoid)] [Dense(7, Sigmoid)] public partial class Hse37Sigmoid { }

// One per hidden activation, loss SoftmaxCrossEntropy (the logits layer must be Identity). 70 / 20 / 10.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(70)] [Dense(20, Identity)] [Dense(10)] public partial class Sce70Identity { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(70)] [Dense(20, ReLU)] [Dense(10)] public partial class Sce70ReLU { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(70)] [Dense(20, Tanh)] [Dense(10)] public partial class Sce70Tanh { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(70)] [Dense(20, Sigmoid)] [Dense(10)] public partial class Sce70Sigmoid { }

// Tiny, fully unrolled shapes.
[Network(Loss = Loss.HalfSquaredError)] [Input(2)] [Dense(2, Tanh)] [Dense(1, Tanh)] public partial class Xor221Tanh { }
[Network(Loss = Loss.HalfSquaredError)] [Input(2)] [Dense(2, Sigmoid)] [Dense(1, Sigmoid)] public partial class Tiny221Sigmoid { }
[Network(Loss = Loss.HalfSquaredError)] [Input(2)] [Dense(2, ReLU)] [Dense(1)] public partial class Tiny221ReLU { }
[Network] [Input(3)] [Dense(4)] [Dense(2)] public partial class Tiny342Identity { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3)] [Dense(4, Tanh)] [Dense(2)] public partial class Tiny342TanhSce { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(3)] [Dense(4, ReLU)] [Dense(2)] public partial class Tiny342ReLUSce { }
[Network(Loss = Loss.HalfSquaredError)] [Input(8)] [Dense(8, ReLU)] [Dense(8)] public partial class Tiny888Hse { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(8)] [Dense(8, ReLU, Bias = false)] [Dense(8, ReLU)] [Dense(8)] public partial class Tiny8888Sce { }
[Network] [Input(1)] [Dense(1)] public partial class Scalar11 { }

// Three hidden layers, Bias = false in places.
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(19)]
[Dense(17, ReLU)]
[Dense(9, Tanh, Bias = false)]
[Dense(12, Sigmoid)]
[Dense(3)]
public partial class Deep3HiddenSce { }

[Network(Loss = Loss.HalfSquaredError)]
[Input(70)]
[Dense(33, Tanh)]
[Dense(20, ReLU, Bias = false)]
[Dense(16, Sigmoid)]
[Dense(4, Identity, Bias = false)]
public partial class Deep3HiddenHse { }

// The paper's Fig. 1a network (ModelSources.Tiny, the Fig1a sample's CurveNet): tanh under a logistic output.
[Network(Loss = Loss.HalfSquaredError)] [Input(2)] [Dense(2, Tanh)] [Dense(1, Sigmoid)] public partial class Fig1aTanhSigmoid { }

// A deep regression network (ModelSources.DeepRegression): tanh and sigmoid layers, one without bias, 13 inputs (no
// whole vector), trained on the lanes (no layer holds three quarters of the weights, so no training by parts).
[Network(Loss = Loss.HalfSquaredError)]
[Input(13)]
[Dense(40, Tanh)]
[Dense(24, Sigmoid)]
[Dense(9, Tanh, Bias = false)]
[Dense(3)]
public partial class DeepTanhSigmoidRegression { }

// Sizes that are exact multiples of every vector width (no remainder loops).
[Network] [Input(64)] [Dense(32, ReLU)] [Dense(16, Sigmoid)] public partial class Aligned64 { }

// A single layer.
[Network] [Input(5)] [Dense(3, Sigmoid)] public partial class SingleSigmoid { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(9)] [Dense(4, Bias = false)] public partial class SingleSce { }

// Vector kernels with fewer than 4 rows (no row blocking), and rows shorter than one vector.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(70)] [Dense(3, Tanh)] [Dense(2)] public partial class Narrow70Sce { }
[Network] [Input(5)] [Dense(20, Sigmoid)] [Dense(9, Tanh)] public partial class ShortRows { }

// A multi-dimensional input shape (flat size 2·3·5 = 30), and a network nested in another type.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 3, 5)] [Dense(7, Sigmoid)] [Dense(3)] public partial class Shaped235 { }

public static partial class NestedHost
{
    [Network] [Input(6)] [Dense(5, ReLU)] [Dense(2, Sigmoid)] public partial class Inner { }
}

// Large layers for the initialisation statistics (not used by the gradient checks).
[Network] [Input(200)] [Dense(150, ReLU)] [Dense(100, Tanh)] [Dense(60, Sigmoid)] [Dense(10)] public partial class InitProbe { }

// Rows of whole AVX-512 vectors (144 = 9 × 16: a loop of 8 and one more): the single-sample kernel takes them one row at a
// time into 8 accumulators, and Predict hands layer 1 a copy of an input that is not on a 64-byte boundary (24 rows).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(144)] [Dense(24, ReLU)] [Dense(10)] public partial class Rows144Sce { }

// A hidden layer of more than 128 outputs: its input gradient sums over the rows of W in passes of 128 rows, the sums
// carried in dzBelow between passes (300 = 128 + 128 + 44 with tanh's derivative below; 256 = 128 + 128 with the
// sigmoid's; 129 = 128 + 1 with none).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(24)] [Dense(70, Tanh)] [Dense(300, ReLU)] [Dense(10)] public partial class RowPasses300Sce { }
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(20)] [Dense(40, Sigmoid)] [Dense(256, Tanh)] [Dense(6)] public partial class RowPasses256Sce { }
[Network(Loss = Loss.HalfSquaredError)] [Input(33)] [Dense(48)] [Dense(129, Sigmoid)] [Dense(5, Sigmoid)] public partial class RowPasses129Hse { }

// Rows of x 1 KB apart (256 inputs): the weight gradient copies each column block's slice of x to the stack first.
// 37 rows: 4 tiles of 8 and 5 more on AVX-512; layer 1 holds most weights, so it is also trained by parts.
[Network(Loss = Loss.HalfSquaredError)] [Input(256)] [Dense(37, Tanh)] [Dense(4)] public partial class Packed256Hse { }

public static class DeclaredNetworks
{
    private static RefDense L(int units, Activation activation = Identity, bool bias = true) => new(units, activation, bias);

    private static NetCase Of<T>(int inputSize, Loss loss, params RefDense[] layers) where T : class, INetwork<T>, new() =>
        NetCase.Of<T>(new ReferenceNetwork(inputSize, layers, loss));

    /// <summary>Every declared network used by the shape-generic tests, by class name.</summary>
    public static readonly IReadOnlyDictionary<string, NetCase> All = new[]
    {
        Of<Hse37Identity>(37, Loss.HalfSquaredError, L(33), L(7)),
        Of<Hse37ReLU>(37, Loss.HalfSquaredError, L(33, ReLU), L(7, ReLU)),
        Of<Hse37Tanh>(37, Loss.HalfSquaredError, L(33, Tanh), L(7, Tanh)),
        Of<Hse37Sigmoid>(37, Loss.HalfSquaredError, L(33, Sigmoid), L(7, Sigmoid)),
        Of<Sce70Identity>(70, Loss.SoftmaxCrossEntropy, L(20), L(10)),
        Of<Sce70ReLU>(70, Loss.SoftmaxCrossEntropy, L(20, ReLU), L(10)),
        Of<Sce70Tanh>(70, Loss.SoftmaxCrossEntropy, L(20, Tanh), L(10)),
        Of<Sce70Sigmoid>(70, Loss.SoftmaxCrossEntropy, L(20, Sigmoid), L(10)),
        Of<Xor221Tanh>(2, Loss.HalfSquaredError, L(2, Tanh), L(1, Tanh)),
        Of<Tiny221Sigmoid>(2, Loss.HalfSquaredError, L(2, Sigmoid), L(1, Sigmoid)),
        Of<Tiny221ReLU>(2, Loss.HalfSquaredError, L(2, ReLU), L(1)),
        Of<Tiny342Identity>(3, Loss.HalfSquaredError, L(4), L(2)),
        Of<Tiny342TanhSce>(3, Loss.SoftmaxCrossEntropy, L(4, Tanh), L(2)),
        Of<Tiny342ReLUSce>(3, Loss.SoftmaxCrossEntropy, L(4, ReLU), L(2)),
        Of<Tiny888Hse>(8, Loss.HalfSquaredError, L(8, ReLU), L(8)),
        Of<Tiny8888Sce>(8, Loss.SoftmaxCrossEntropy, L(8, ReLU, bias: false), L(8, ReLU), L(8)),
        Of<Scalar11>(1, Loss.HalfSquaredError, L(1)),
        Of<Deep3HiddenSce>(19, Loss.SoftmaxCrossEntropy, L(17, ReLU), L(9, Tanh, bias: false), L(12, Sigmoid), L(3)),
        Of<Deep3HiddenHse>(70, Loss.HalfSquaredError, L(33, Tanh), L(20, ReLU, bias: false), L(16, Sigmoid), L(4, Identity, bias: false)),
        Of<Fig1aTanhSigmoid>(2, Loss.HalfSquaredError, L(2, Tanh), L(1, Sigmoid)),
        Of<DeepTanhSigmoidRegression>(13, Loss.HalfSquaredError, L(40, Tanh), L(24, Sigmoid), L(9, Tanh, bias: false), L(3)),
        Of<Aligned64>(64, Loss.HalfSquaredError, L(32, ReLU), L(16, Sigmoid)),
        Of<SingleSigmoid>(5, Loss.HalfSquaredError, L(3, Sigmoid)),
        Of<SingleSce>(9, Loss.SoftmaxCrossEntropy, L(4, bias: false)),
        Of<Narrow70Sce>(70, Loss.SoftmaxCrossEntropy, L(3, Tanh), L(2)),
        Of<ShortRows>(5, Loss.HalfSquaredError, L(20, Sigmoid), L(9, Tanh)),
        Of<Shaped235>(30, Loss.SoftmaxCrossEntropy, L(7, Sigmoid), L(3)),
        Of<NestedHost.Inner>(6, Loss.HalfSquaredError, L(5, ReLU), L(2, Sigmoid)),
        Of<Rows144Sce>(144, Loss.SoftmaxCrossEntropy, L(24, ReLU), L(10)),
        Of<RowPasses300Sce>(24, Loss.SoftmaxCrossEntropy, L(70, Tanh), L(300, ReLU), L(10)),
        Of<RowPasses256Sce>(20, Loss.SoftmaxCrossEntropy, L(40, Sigmoid), L(256, Tanh), L(6)),
        Of<Packed256Hse>(256, Loss.HalfSquaredError, L(37, Tanh), L(4)),
        Of<RowPasses129Hse>(33, Loss.HalfSquaredError, L(48), L(129, Sigmoid), L(5, Sigmoid)),
    }.ToDictionary(c => c.Name);

    public static readonly NetCase InitProbeCase =
        Of<InitProbe>(200, Loss.HalfSquaredError, L(150, ReLU), L(100, Tanh), L(60, Sigmoid), L(10));

    public static readonly NetCase TwinCase = Of<Hse37IdentityTwin>(37, Loss.HalfSquaredError, L(33), L(7));

    public static IEnumerable<object[]> Names => All.Keys.Select(k => new object[] { k });

    /// <summary>The statics of <typeparamref name="T"/> as seen through <see cref="INetwork{TSelf}"/>.</summary>
    public static (int Input, int Output, int Parameters, Loss Loss, string Architecture, ulong Hash) Statics<T>()
        where T : class, INetwork<T> =>
        (T.InputSize, T.OutputSize, T.ParameterCount, T.Loss, T.Architecture, T.ArchitectureHash);
}
