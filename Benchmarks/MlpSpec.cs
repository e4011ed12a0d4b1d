using System;

namespace NetCompiler.Benchmarks;

/// <summary>One dense layer y = f(W·x + b), W [Out, In] row-major, as the generator lays it out.</summary>
public readonly record struct DenseLayer(int In, int Out, Activation Activation)
{
    public int WeightCount => In * Out;
}

/// <summary>
/// The architecture of a generated network, restated for the peers, and its parameters in NetCompiler's canonical
/// order (per layer: weight [out, in] row-major, then bias [out]).
/// </summary>
public sealed class MlpSpec
{
    public MlpSpec(string name, bool softmax, params DenseLayer[] layers)
    {
        Name = name;
        Softmax = softmax;
        Layers = layers;
        WeightOffsets = new int[layers.Length];
        BiasOffsets = new int[layers.Length];
        int offset = 0;
        for (int l = 0; l < layers.Length; l++)
        {
            if (l > 0 && layers[l].In != layers[l - 1].Out) throw new ArgumentException("Layer sizes do not chain.");
            WeightOffsets[l] = offset;
            offset += layers[l].WeightCount;
            BiasOffsets[l] = offset;
            offset += layers[l].Out;
        }
        ParameterCount = offset;
    }

    public string Name { get; }
    /// <summary>Whether the output is softmax(logits) (<see cref="Loss.SoftmaxCrossEntropy"/>).</summary>
    public bool Softmax { get; }
    public DenseLayer[] Layers { get; }
    public int[] WeightOffsets { get; }
    public int[] BiasOffsets { get; }
    public int ParameterCount { get; }
    public int InputSize => Layers[0].In;
    public int OutputSize => Layers[^1].Out;
    public int MaxWidth { get { int m = InputSize; foreach (var l in Layers) m = Math.Max(m, l.Out); return m; } }

    /// <summary>Multiply-adds of one sample's forward pass, counted as 2 FLOPs each.</summary>
    public long ForwardFlops { get { long f = 0; foreach (var l in Layers) f += 2L * l.WeightCount; return f; } }

    /// <summary>FLOPs of one sample's forward + backward pass (∂E/∂W for every layer, ∂E/∂x for all but the first).</summary>
    public long TrainingFlops
    {
        get
        {
            long f = 0;
            for (int l = 0; l < Layers.Length; l++) f += 2L * Layers[l].WeightCount * (l == 0 ? 2 : 3);
            return f;
        }
    }

    public long ParameterBytes => 4L * ParameterCount;

    public static readonly MlpSpec Fashion = new("Fashion MLP 784-128-10", softmax: true,
        new DenseLayer(784, 128, Activation.ReLU), new DenseLayer(128, 10, Activation.Identity));

    public static readonly MlpSpec Tiny221 = new("2-2-1 (tanh, sigmoid)", softmax: false,
        new DenseLayer(2, 2, Activation.Tanh), new DenseLayer(2, 1, Activation.Sigmoid));

    public static readonly MlpSpec Tiny888 = new("8-8-8 (ReLU, identity)", softmax: false,
        new DenseLayer(8, 8, Activation.ReLU), new DenseLayer(8, 8, Activation.Identity));

    public static readonly MlpSpec Wide1024 = new("MLP 1024 → 4 × 1024 ReLU → 1024", softmax: true,
        new DenseLayer(1024, 1024, Activation.ReLU), new DenseLayer(1024, 1024, Activation.ReLU), new DenseLayer(1024, 1024, Activation.ReLU),
        new DenseLayer(1024, 1024, Activation.ReLU), new DenseLayer(1024, 1024, Activation.Identity));

    /// <summary>The spec of a generated network type, checked against what the generator says about it.</summary>
    public static MlpSpec For<TNet>() where TNet : class, INetwork<TNet>
    {
        MlpSpec spec = typeof(TNet) == typeof(FashionMlp) ? Fashion
            : typeof(TNet) == typeof(NetCompiler.Benchmarks.Tiny221) ? Tiny221
            : typeof(TNet) == typeof(NetCompiler.Benchmarks.Tiny888) ? Tiny888
            : typeof(TNet) == typeof(NetCompiler.Benchmarks.Wide1024) ? Wide1024
            : throw new ArgumentException($"No spec for {typeof(TNet).Name}.");
        if (spec.ParameterCount != TNet.ParameterCount || spec.InputSize != TNet.InputSize || spec.OutputSize != TNet.OutputSize
            || spec.Softmax != (TNet.Loss == Loss.SoftmaxCrossEntropy))
            throw new InvalidOperationException($"The benchmark's spec of {typeof(TNet).Name} disagrees with the generated {TNet.Architecture}.");
        return spec;
    }
}
