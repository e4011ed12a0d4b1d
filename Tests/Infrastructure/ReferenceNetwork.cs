using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>One layer of a <see cref="ReferenceNetwork"/>.</summary>
public abstract record RefLayer
{
    public static RefLayer Conv2D(int filters, int kernel, Activation activation = Activation.Identity, int stride = 1, int padding = 0, bool bias = true)
        => new RefConv2D(filters, kernel, kernel, activation, stride, padding, bias);

    public static RefLayer Conv2D(int filters, int kernelHeight, int kernelWidth, Activation activation = Activation.Identity, int stride = 1, int padding = 0, bool bias = true)
        => new RefConv2D(filters, kernelHeight, kernelWidth, activation, stride, padding, bias);

    /// <summary>Max pooling; <paramref name="stride"/> 0 means the window size (as the attribute's default);
    /// <paramref name="padding"/> positions of −∞ on every side.</summary>
    public static RefLayer MaxPool(int size, int stride = 0, int padding = 0) => new RefPool2D(true, size, stride, padding);

    /// <summary>Average pooling over the input bordered by <paramref name="padding"/> zeros; the divisor is size² when
    /// <paramref name="countIncludePad"/>, else the number of input positions in the window.</summary>
    public static RefLayer AvgPool(int size, int stride = 0, int padding = 0, bool countIncludePad = true)
        => new RefPool2D(false, size, stride, padding, countIncludePad);

    public static RefLayer Dense(int units, Activation activation = Activation.Identity, bool bias = true) => new RefDense(units, activation, bias);

    /// <summary>Batch normalisation (PyTorch's BatchNorm1d after a vector, BatchNorm2d after a [C, H, W] map) followed by
    /// <paramref name="activation"/>; parameters γ[C] then β[C], running mean[C] and variance[C] as state.</summary>
    public static RefLayer BatchNorm(Activation activation = Activation.Identity, double momentum = 0.1, double epsilon = 1e-5)
        => new RefBatchNorm(activation, momentum, epsilon);

    /// <summary>Inverted dropout with drop probability <paramref name="p"/>: in training y = x·mask / (1 − p) with the
    /// mask given to the pass (see <see cref="ReferenceNetwork.Evaluate"/>), in inference y = x.</summary>
    public static RefLayer Dropout(double p) => new RefDropout(p);

    public abstract Activation ActivationOf { get; }
}

public sealed record RefConv2D(int Filters, int KernelHeight, int KernelWidth, Activation Activation, int Stride, int Padding, bool Bias) : RefLayer
{
    public override Activation ActivationOf => Activation;

    public override string ToString() =>
        $"Conv2D({Filters},{KernelHeight}x{KernelWidth},{Activation}{(Stride != 1 ? ",S=" + Stride : "")}{(Padding != 0 ? ",P=" + Padding : "")}{(Bias ? "" : ",NoBias")})";
}

/// <summary>A pooling layer; <see cref="Stride"/> 0 means <see cref="Size"/>.</summary>
public sealed record RefPool2D(bool IsMax, int Size, int Stride, int Padding = 0, bool CountIncludePad = true) : RefLayer
{
    public int EffectiveStride => Stride == 0 ? Size : Stride;

    public override Activation ActivationOf => Activation.Identity;

    public override string ToString() => $"{(IsMax ? "MaxPool2D" : "AvgPool2D")}({Size}{(Stride != 0 ? ",S=" + Stride : "")}"
        + $"{(Padding != 0 ? ",P=" + Padding : "")}{(CountIncludePad ? "" : ",ExcludePad")})";
}

/// <summary>A fully connected layer of <see cref="Units"/> outputs.</summary>
public sealed record RefDense(int Units, Activation Activation = Activation.Identity, bool Bias = true) : RefLayer
{
    public override Activation ActivationOf => Activation;

    public override string ToString() => $"Dense({Units},{Activation}{(Bias ? "" : ",NoBias")})";
}

/// <summary>Batch normalisation of each channel (each feature of a vector) over batch × height × width, then
/// <see cref="Activation"/>.</summary>
public sealed record RefBatchNorm(Activation Activation, double Momentum, double Epsilon) : RefLayer
{
    public override Activation ActivationOf => Activation;

    public override string ToString() => $"BatchNorm({Activation}{(Momentum != 0.1 ? ",M=" + Momentum.ToString(CultureInfo.InvariantCulture) : "")}"
        + $"{(Epsilon != 1e-5 ? ",Eps=" + Epsilon.ToString(CultureInfo.InvariantCulture) : "")})";
}

/// <summary>Inverted dropout with drop probability <see cref="P"/>.</summary>
public sealed record RefDropout(double P) : RefLayer
{
    public override Activation ActivationOf => Activation.Identity;

    public override string ToString() => $"Dropout({P.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>The data between two layers: [channels, height, width] when spatial, else a flat vector of C values.</summary>
public readonly record struct RefShape(int C, int H, int W, bool Spatial)
{
    public int Size => C * H * W;

    public override string ToString() => Spatial ? $"[{C},{H},{W}]" : $"[{Size}]";
}

/// <summary>Training mode (batch statistics, dropout masks, running statistics updated) or inference mode (running
/// statistics, dropout is the identity), as PyTorch's <c>module.train()</c> / <c>module.eval()</c>.</summary>
public enum RefMode
{
    Training,
    Inference,
}

/// <summary>What one pass over a batch gives: the mean loss, every layer's outputs, the gradient of the mean loss with
/// respect to every parameter, and the running statistics after the pass.</summary>
public sealed class RefResult
{
    internal RefResult(double loss, double[][][] outputs, double[] gradients, double[] state)
    {
        Loss = loss;
        LayerOutputs = outputs;
        Gradients = gradients;
        State = state;
    }

    /// <summary>The mean loss over the batch.</summary>
    public double Loss { get; }

    /// <summary>[layer][sample]: each layer's output (after its activation) for each sample.</summary>
    public double[][][] LayerOutputs { get; }

    /// <summary>[sample]: the last layer's output (the logits for SoftmaxCrossEntropy).</summary>
    public double[][] Outputs => LayerOutputs[^1];

    /// <summary>∂(mean loss)/∂p in the canonical parameter order.</summary>
    public double[] Gradients { get; }

    /// <summary>The running statistics after the pass (updated in training mode, unchanged in inference mode); layout
    /// as <see cref="ReferenceNetwork.InitialState"/>.</summary>
    public double[] State { get; }
}

/// <summary>
/// What one forward pass saw near the points where the loss is not smooth: the smallest |z| over every ReLU
/// pre-activation (exact zeros excluded, see <see cref="MinReluMargin"/>), the smallest gap between the largest and
/// the second-largest value of any max-pool window, and per layer a hash of the branch pattern (which ReLUs are on,
/// which position wins each max-pool window). Two evaluations with the same patterns lie on the same smooth piece.
/// </summary>
public sealed class ForwardTrace
{
    public ForwardTrace(int layers) => Patterns = Enumerable.Repeat(14695981039346656037UL, layers).ToArray();

    /// <summary>min |z| over ReLU pre-activations that are not exactly 0 (an exact 0 comes only from a bias-less unit
    /// whose whole input is exactly 0, e.g. a window entirely in the padding or over switched-off ReLUs; it stays 0
    /// under every single-parameter perturbation that matters and its derivative is 0 on both sides).</summary>
    public double MinReluMargin { get; private set; } = double.PositiveInfinity;

    /// <summary>min (largest − second largest) over max-pool windows, ignoring windows whose two largest values are
    /// both exactly 0 (switched-off ReLUs: they stay 0, and the gradient routed to either is multiplied by ReLU′ = 0).</summary>
    public double MinPoolGap { get; private set; } = double.PositiveInfinity;

    public ulong[] Patterns { get; }

    internal void Relu(int layer, double z)
    {
        if (z != 0) MinReluMargin = Math.Min(MinReluMargin, Math.Abs(z));
        Mix(layer, z > 0 ? 1UL : 2UL);
    }

    internal void Pool(int layer, double best, double second, int argMax)
    {
        if (!(best == 0 && second == 0)) MinPoolGap = Math.Min(MinPoolGap, best - second);
        Mix(layer, (ulong)argMax + 3);
    }

    private void Mix(int layer, ulong value) => Patterns[layer] = (Patterns[layer] ^ value) * 1099511628211UL;
}

/// <summary>
/// A deliberately naive double-precision model of a network of Conv2D, MaxPool2D / AvgPool2D, Dense, BatchNorm and
/// Dropout layers, written from the definitions only: plain loops over every output and every window position, zero
/// padding by a bounds test, nothing shared with the generator. It computes the forward pass of a sample or of a whole
/// batch (training or inference mode), the loss, the analytic gradient of the mean loss (backward through every layer,
/// batch normalisation included through its batch statistics) and the running statistics' update.
/// <para>Parameters are in PyTorch's state_dict order: per layer, conv weight [outC, inC, kH, kW] then bias [outC];
/// dense weight [out, in] then bias [out]; batch norm γ[C] then β[C]. A Dense after a spatial layer reads its input
/// channel-major ([c][h][w], PyTorch's flatten). The state (PyTorch's buffers) is, per BatchNorm layer in order, the
/// running mean [C] then the running variance [C].</para>
/// </summary>
public sealed class ReferenceNetwork
{
    private readonly RefShape[] _inputShapes;
    private readonly RefShape[] _outputShapes;
    private readonly int[] _weightOffset;
    private readonly int[] _weightCount;
    private readonly int[] _biasOffset; // -1 when the layer has no bias
    private readonly int[] _stateOffset; // -1 for layers other than BatchNorm

    public ReferenceNetwork(int[] inputShape, IReadOnlyList<RefLayer> layers, Loss loss)
    {
        if (inputShape.Length == 0 || inputShape.Any(d => d <= 0)) throw new ArgumentException("input shape", nameof(inputShape));
        if (layers.Count == 0) throw new ArgumentException("At least one layer.", nameof(layers));
        InputShape = inputShape.ToArray();
        Layers = layers.ToArray();
        Loss = loss;
        int n = Layers.Count;
        _inputShapes = new RefShape[n];
        _outputShapes = new RefShape[n];
        _weightOffset = new int[n];
        _weightCount = new int[n];
        _biasOffset = new int[n];
        _stateOffset = new int[n];

        RefShape shape = inputShape.Length switch
        {
            2 => new RefShape(1, inputShape[0], inputShape[1], true),
            3 => new RefShape(inputShape[0], inputShape[1], inputShape[2], true),
            _ => new RefShape(inputShape.Aggregate(1, (a, b) => a * b), 1, 1, false),
        };
        int offset = 0, stateOffset = 0;
        for (int l = 0; l < n; l++)
        {
            _inputShapes[l] = shape;
            _weightOffset[l] = offset;
            _biasOffset[l] = -1;
            _stateOffset[l] = -1;
            switch (Layers[l])
            {
                case RefConv2D c:
                    if (!shape.Spatial) throw new ArgumentException($"layer {l}: Conv2D needs a spatial input");
                    if (c.Filters <= 0 || c.KernelHeight <= 0 || c.KernelWidth <= 0 || c.Stride <= 0 || c.Padding < 0)
                        throw new ArgumentException($"layer {l}: {c}");
                    int oh = Positions(shape.H + 2 * c.Padding, c.KernelHeight, c.Stride);
                    int ow = Positions(shape.W + 2 * c.Padding, c.KernelWidth, c.Stride);
                    if (oh == 0 || ow == 0) throw new ArgumentException($"layer {l}: {c} does not fit {shape}");
                    _weightCount[l] = c.Filters * shape.C * c.KernelHeight * c.KernelWidth;
                    offset += _weightCount[l];
                    if (c.Bias) { _biasOffset[l] = offset; offset += c.Filters; }
                    shape = new RefShape(c.Filters, oh, ow, true);
                    break;
                case RefPool2D p:
                    if (!shape.Spatial) throw new ArgumentException($"layer {l}: pooling needs a spatial input");
                    if (p.Size <= 0 || p.Stride < 0 || p.Padding < 0) throw new ArgumentException($"layer {l}: {p}");
                    int ph = Positions(shape.H + 2 * p.Padding, p.Size, p.EffectiveStride), pw = Positions(shape.W + 2 * p.Padding, p.Size, p.EffectiveStride);
                    if (ph == 0 || pw == 0) throw new ArgumentException($"layer {l}: {p} does not fit {shape}");
                    shape = new RefShape(shape.C, ph, pw, true);
                    break;
                case RefDense d:
                    if (d.Units <= 0) throw new ArgumentException($"layer {l}: {d}");
                    _weightCount[l] = d.Units * shape.Size;
                    offset += _weightCount[l];
                    if (d.Bias) { _biasOffset[l] = offset; offset += d.Units; }
                    shape = new RefShape(d.Units, 1, 1, false);
                    break;
                case RefBatchNorm bn:
                    if (!(bn.Epsilon > 0) || !(bn.Momentum >= 0 && bn.Momentum <= 1)) throw new ArgumentException($"layer {l}: {bn}");
                    // γ is the "weight", β the "bias" (PyTorch's names); a vector's features are its channels.
                    _weightCount[l] = shape.C;
                    offset += shape.C;
                    _biasOffset[l] = offset;
                    offset += shape.C;
                    _stateOffset[l] = stateOffset;
                    stateOffset += 2 * shape.C;
                    break;
                case RefDropout dr:
                    if (!(dr.P >= 0 && dr.P < 1)) throw new ArgumentException($"layer {l}: {dr}: p must be in [0, 1)");
                    break;
                default:
                    throw new ArgumentException(nameof(layers));
            }
            _outputShapes[l] = shape;
        }
        ParameterCount = offset;
        StateCount = stateOffset;
        if (loss == Loss.SoftmaxCrossEntropy && (Layers[^1].ActivationOf != Activation.Identity || OutputSize < 2))
            throw new ArgumentException("SoftmaxCrossEntropy takes at least two logits from a last layer without activation.");
    }

    /// <summary>A network on a flat input of <paramref name="inputSize"/> values.</summary>
    public ReferenceNetwork(int inputSize, IReadOnlyList<RefLayer> layers, Loss loss) : this([inputSize], layers, loss)
    {
    }

    /// <summary>How many windows of <paramref name="window"/> fit in <paramref name="extent"/> when they start
    /// <paramref name="stride"/> apart from 0 — counted, not computed by formula.</summary>
    private static int Positions(int extent, int window, int stride)
    {
        int count = 0;
        while (count * stride + window <= extent) count++;
        return count;
    }

    public int[] InputShape { get; }
    public IReadOnlyList<RefLayer> Layers { get; }
    public Loss Loss { get; }
    public int ParameterCount { get; }

    /// <summary>The number of running-statistics values (2·C per BatchNorm layer).</summary>
    public int StateCount { get; }

    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);
    public int OutputSize => _outputShapes[^1].Size;

    public RefShape InputShapeOf(int layer) => _inputShapes[layer];
    public RefShape OutputShapeOf(int layer) => _outputShapes[layer];
    public int WeightOffset(int layer) => _weightOffset[layer];
    public int WeightCount(int layer) => _weightCount[layer];
    public int BiasOffset(int layer) => _biasOffset[layer];
    public int BiasCount(int layer) => _biasOffset[layer] < 0 ? 0 : _outputShapes[layer].C;

    /// <summary>The number of inputs each output of layer <paramref name="layer"/> reads: the size of its input for a
    /// Dense layer.</summary>
    public int FanIn(int layer) => _inputShapes[layer].Size;

    /// <summary>Index of Dense layer <paramref name="layer"/>'s W[row, col] in the canonical parameter vector.</summary>
    public int WeightIndex(int layer, int row, int col) => _weightOffset[layer] + row * FanIn(layer) + col;

    /// <summary>Index of layer <paramref name="layer"/>'s bias <paramref name="row"/>, or -1 if it has no bias.</summary>
    public int BiasIndex(int layer, int row) => _biasOffset[layer] < 0 ? -1 : _biasOffset[layer] + row;

    /// <summary>Where BatchNorm layer <paramref name="layer"/>'s running mean starts in the state (its running variance
    /// follows, C values later); -1 for other layers.</summary>
    public int StateOffset(int layer) => _stateOffset[layer];

    /// <summary>PyTorch's initial running statistics: mean 0, variance 1.</summary>
    public double[] InitialState()
    {
        var state = new double[StateCount];
        for (int l = 0; l < Layers.Count; l++)
            if (_stateOffset[l] >= 0)
                for (int c = 0; c < _outputShapes[l].C; c++) state[_stateOffset[l] + _outputShapes[l].C + c] = 1;
        return state;
    }

    /// <summary>The first layer whose output depends on canonical parameter <paramref name="index"/> (its owner).</summary>
    public int LayerOf(int index)
    {
        for (int l = Layers.Count - 1; l >= 0; l--)
            if ((_weightCount[l] > 0 || _biasOffset[l] >= 0) && index >= _weightOffset[l]) return l;
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>"L0.W[o,c,u,v] (#i)", "L4.W[j,k] (#i)", "L0.b[o] (#i)", "L1.γ[c] (#i)" or "L1.β[c] (#i)".</summary>
    public string Describe(int index)
    {
        int l = LayerOf(index);
        bool bn = Layers[l] is RefBatchNorm;
        if (_biasOffset[l] >= 0 && index >= _biasOffset[l]) return $"L{l}.{(bn ? "β" : "b")}[{index - _biasOffset[l]}] (#{index})";
        int k = index - _weightOffset[l];
        var input = _inputShapes[l];
        if (bn) return $"L{l}.γ[{k}] (#{index})";
        if (Layers[l] is RefConv2D c)
        {
            int v = k % c.KernelWidth, u = k / c.KernelWidth % c.KernelHeight, ch = k / (c.KernelWidth * c.KernelHeight) % input.C,
                o = k / (c.KernelWidth * c.KernelHeight * input.C);
            return $"L{l}.W[{o},{ch},{u},{v}] (#{index})";
        }
        return $"L{l}.W[{k / input.Size},{k % input.Size}] (#{index})";
    }

    public override string ToString() =>
        $"Input({string.Join(",", InputShape)}) {string.Join(" ", Layers)} {Loss}";

    /// <summary>The C# declaration of an equivalent network class, for compiling at run time. Square kernels use the
    /// one-size constructor, others the two-size one.</summary>
    public string ToSource(string className)
    {
        const string A = "global::NetCompiler.Activation.";
        var sb = new StringBuilder();
        sb.Append("[global::NetCompiler.Network(Loss = global::NetCompiler.Loss.").Append(Loss).Append(")]\n");
        sb.Append("[global::NetCompiler.Input(").Append(string.Join(", ", InputShape)).Append(")]\n");
        foreach (var layer in Layers)
        {
            switch (layer)
            {
                case RefConv2D c:
                    sb.Append("[global::NetCompiler.Conv2D(").Append(c.Filters).Append(", ").Append(c.KernelHeight);
                    if (c.KernelWidth != c.KernelHeight) sb.Append(", ").Append(c.KernelWidth);
                    sb.Append(", ").Append(A).Append(c.Activation);
                    if (c.Stride != 1) sb.Append(", Stride = ").Append(c.Stride);
                    if (c.Padding != 0) sb.Append(", Padding = ").Append(c.Padding);
                    if (!c.Bias) sb.Append(", Bias = false");
                    sb.Append(")]\n");
                    break;
                case RefPool2D p:
                    sb.Append(p.IsMax ? "[global::NetCompiler.MaxPool2D(" : "[global::NetCompiler.AvgPool2D(").Append(p.Size);
                    if (p.Stride != 0) sb.Append(", Stride = ").Append(p.Stride);
                    if (p.Padding != 0) sb.Append(", Padding = ").Append(p.Padding);
                    if (!p.CountIncludePad) sb.Append(", CountIncludePad = false");
                    sb.Append(")]\n");
                    break;
                case RefDense d:
                    sb.Append("[global::NetCompiler.Dense(").Append(d.Units).Append(", ").Append(A).Append(d.Activation);
                    if (!d.Bias) sb.Append(", Bias = false");
                    sb.Append(")]\n");
                    break;
                case RefBatchNorm bn:
                    sb.Append("[global::NetCompiler.BatchNorm(").Append(A).Append(bn.Activation);
                    if (bn.Momentum != 0.1) sb.Append(", Momentum = ").Append(FloatLiteral(bn.Momentum));
                    if (bn.Epsilon != 1e-5) sb.Append(", Epsilon = ").Append(FloatLiteral(bn.Epsilon));
                    sb.Append(")]\n");
                    break;
                case RefDropout dr:
                    sb.Append("[global::NetCompiler.Dropout(").Append(FloatLiteral(dr.P)).Append(")]\n");
                    break;
            }
        }
        sb.Append("public partial class ").Append(className).Append(" { }\n");
        return sb.ToString();
    }

    private static string FloatLiteral(double value) => ((float)value).ToString("R", CultureInfo.InvariantCulture) + "f";

    // ------------------------------------------------------------------ elementary functions

    public static double Activate(Activation activation, double z) => activation switch
    {
        Activation.Identity => z,
        Activation.ReLU => z > 0 ? z : 0,
        Activation.Tanh => Math.Tanh(z),
        Activation.Sigmoid => 1.0 / (1.0 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    /// <summary>f′(z) written in terms of y = f(z): 1, [y &gt; 0] (which is [z &gt; 0]), 1 − y², y·(1 − y).</summary>
    public static double ActivationDerivative(Activation activation, double y) => activation switch
    {
        Activation.Identity => 1,
        Activation.ReLU => y > 0 ? 1 : 0,
        Activation.Tanh => 1 - y * y,
        Activation.Sigmoid => y * (1 - y),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    public static double[] Softmax(double[] z)
    {
        double max = z.Max();
        var p = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += p[i] = Math.Exp(z[i] - max);
        for (int i = 0; i < z.Length; i++) p[i] /= sum;
        return p;
    }

    /// <summary>log softmax(z), computed stably.</summary>
    public static double[] LogSoftmax(double[] z)
    {
        double max = z.Max();
        double sum = 0;
        for (int i = 0; i < z.Length; i++) sum += Math.Exp(z[i] - max);
        double logSum = max + Math.Log(sum);
        return z.Select(v => v - logSum).ToArray();
    }

    // ------------------------------------------------------------------ forward of one sample

    /// <summary>The output of layer <paramref name="l"/> for its input <paramref name="x"/>, one sample in inference
    /// mode: BatchNorm normalises with the running statistics in <paramref name="state"/> (null: the initial ones),
    /// Dropout is the identity. (Plain arrays and locals only: the test assembly is built in Debug, where every property
    /// access or span indexer is a call.)</summary>
    public double[] LayerForward(int l, double[] p, double[] x, ForwardTrace? trace = null, double[]? state = null)
    {
        RefShape s = _inputShapes[l], o = _outputShapes[l];
        if (x.Length != s.Size) throw new ArgumentException("layer input size", nameof(x));
        int C = s.C, H = s.H, W = s.W, OC = o.C, OH = o.H, OW = o.W;
        var y = new double[o.Size];
        switch (Layers[l])
        {
            case RefConv2D c:
            {
                int KH = c.KernelHeight, KW = c.KernelWidth, S = c.Stride, P = c.Padding;
                int wo = _weightOffset[l], bo = _biasOffset[l];
                var activation = c.Activation;
                for (int f = 0; f < OC; f++)
                for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                {
                    double z = bo >= 0 ? p[bo + f] : 0.0;
                    for (int ch = 0; ch < C; ch++)
                    for (int u = 0; u < KH; u++)
                    {
                        int row = i * S + u - P;
                        if (row < 0 || row >= H) continue; // a row of the zero padding
                        for (int v = 0; v < KW; v++)
                        {
                            int col = j * S + v - P;
                            if (col < 0 || col >= W) continue; // a zero of the padding
                            z += p[wo + ((f * C + ch) * KH + u) * KW + v] * x[(ch * H + row) * W + col];
                        }
                    }
                    if (activation == Activation.ReLU) trace?.Relu(l, z);
                    y[(f * OH + i) * OW + j] = Activate(activation, z);
                }
                break;
            }
            case RefPool2D pool:
            {
                // Window (i, j) covers rows i·S − P + u and columns j·S − P + v of the input bordered by P positions on
                // every side: −∞ there for a maximum, 0 for an average (counted in the divisor when CountIncludePad).
                int S = pool.EffectiveStride, K = pool.Size, P = pool.Padding;
                bool max = pool.IsMax;
                for (int ch = 0; ch < C; ch++)
                for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                {
                    double best = double.NegativeInfinity, second = double.NegativeInfinity, sum = 0;
                    int arg = -1, inside = 0;
                    for (int u = 0; u < K; u++)
                    for (int v = 0; v < K; v++)
                    {
                        int row = i * S - P + u, col = j * S - P + v;
                        bool padding = row < 0 || row >= H || col < 0 || col >= W;
                        double value = padding ? (max ? double.NegativeInfinity : 0.0) : x[(ch * H + row) * W + col];
                        if (!padding) inside++;
                        sum += value;
                        if (value > best) { second = best; best = value; arg = u * K + v; }
                        else if (value > second) second = value;
                    }
                    if (max)
                    {
                        if (K > 1) trace?.Pool(l, best, second, arg);
                        y[(ch * OH + i) * OW + j] = best;
                    }
                    else
                    {
                        y[(ch * OH + i) * OW + j] = sum / (pool.CountIncludePad ? K * K : inside);
                    }
                }
                break;
            }
            case RefDense d:
            {
                int n = s.Size, units = d.Units, wo = _weightOffset[l], bo = _biasOffset[l];
                var activation = d.Activation;
                for (int k = 0; k < units; k++)
                {
                    double z = bo >= 0 ? p[bo + k] : 0.0;
                    int row = wo + k * n;
                    for (int m = 0; m < n; m++) z += p[row + m] * x[m];
                    if (activation == Activation.ReLU) trace?.Relu(l, z);
                    y[k] = Activate(activation, z);
                }
                break;
            }
            case RefBatchNorm bn:
            {
                // y = f(γ·(x − running mean)/√(running var + ε) + β), per channel.
                double[] st = state ?? InitialState();
                if (st.Length != StateCount) throw new ArgumentException("state size", nameof(state));
                int HW = H * W, go = _weightOffset[l], bo = _biasOffset[l], so = _stateOffset[l];
                for (int c = 0; c < C; c++)
                {
                    double mean = st[so + c], sigma = Math.Sqrt(st[so + C + c] + bn.Epsilon);
                    for (int k = 0; k < HW; k++)
                    {
                        double z = p[go + c] * (x[c * HW + k] - mean) / sigma + p[bo + c];
                        if (bn.Activation == Activation.ReLU) trace?.Relu(l, z);
                        y[c * HW + k] = Activate(bn.Activation, z);
                    }
                }
                break;
            }
            case RefDropout:
                Array.Copy(x, y, x.Length);
                break;
        }
        return y;
    }

    /// <summary>Every layer's output for one sample in inference mode (element l is the output of layer l; the last is
    /// the logits for SoftmaxCrossEntropy), starting at layer <paramref name="from"/> whose input is <paramref name="x"/>.</summary>
    public double[][] ForwardAll(double[] p, ReadOnlySpan<double> x, ForwardTrace? trace = null, int from = 0, double[]? state = null)
    {
        if (p.Length != ParameterCount) throw new ArgumentException("parameter count", nameof(p));
        var outputs = new double[Layers.Count][];
        double[] a = x.ToArray();
        for (int l = from; l < Layers.Count; l++) outputs[l] = a = LayerForward(l, p, a, trace, state);
        return outputs;
    }

    /// <summary>The last layer's output (logits for SoftmaxCrossEntropy) for one sample in inference mode.</summary>
    public double[] Forward(double[] p, ReadOnlySpan<double> x, ForwardTrace? trace = null, int from = 0, double[]? state = null)
        => ForwardAll(p, x, trace, from, state)[^1];

    /// <summary>What the network outputs for one sample in inference mode: probabilities for SoftmaxCrossEntropy, else
    /// the last layer's output.</summary>
    public double[] Predict(double[] p, ReadOnlySpan<double> x, double[]? state = null)
    {
        double[] y = Forward(p, x, null, 0, state);
        return Loss == Loss.SoftmaxCrossEntropy ? Softmax(y) : y;
    }

    // ------------------------------------------------------------------ forward of a batch

    /// <summary>
    /// Every layer's output for every sample of a batch: [layer][sample]. In <see cref="RefMode.Training"/>, BatchNorm
    /// normalises each channel with the batch's mean and biased variance over batch × height × width, and Dropout layer l
    /// multiplies by <c>masks[l]</c>/(1 − p) (a 0/1 mask of batch × size values, row-major per sample; may be null for
    /// p = 0); when <paramref name="updatedState"/> is given, the running statistics in it (a copy of the state on entry)
    /// are updated as PyTorch does: running = (1 − momentum)·running + momentum·batch statistic, with the unbiased
    /// variance (× n/(n − 1), n = batch × height × width). In <see cref="RefMode.Inference"/> every sample is computed
    /// alone (<see cref="LayerForward"/>). The pass starts at layer <paramref name="from"/>, whose input is
    /// <paramref name="x"/>; earlier layers' entries are null.
    /// </summary>
    public double[][][] ForwardBatch(double[] p, double[][] x, RefMode mode, double[]? state = null,
        IReadOnlyList<double[]?>? masks = null, ForwardTrace? trace = null, int from = 0, double[]? updatedState = null)
    {
        if (p.Length != ParameterCount) throw new ArgumentException("parameter count", nameof(p));
        if (x.Length == 0) throw new ArgumentException("empty batch", nameof(x));
        if (masks != null && masks.Count != Layers.Count) throw new ArgumentException("one mask entry per layer", nameof(masks));
        state ??= InitialState();
        int n = x.Length;
        var outputs = new double[Layers.Count][][];
        double[][] a = x;
        for (int l = from; l < Layers.Count; l++)
        {
            if (mode == RefMode.Training && Layers[l] is RefBatchNorm bn)
                a = BatchNormTraining(l, bn, p, a, trace, updatedState);
            else if (mode == RefMode.Training && Layers[l] is RefDropout dr)
                a = DropoutTraining(l, dr, a, MaskOf(l, masks, n));
            else
            {
                var next = new double[n][];
                for (int s = 0; s < n; s++) next[s] = LayerForward(l, p, a[s], trace, state);
                a = next;
            }
            outputs[l] = a;
        }
        return outputs;
    }

    /// <summary>The mean and biased variance of channel <paramref name="c"/> over batch × height × width.</summary>
    private static (double Mean, double Variance) ChannelStatistics(double[][] x, int c, int hw)
    {
        double sum = 0;
        for (int s = 0; s < x.Length; s++)
            for (int k = 0; k < hw; k++) sum += x[s][c * hw + k];
        double mean = sum / (x.Length * hw), squares = 0;
        for (int s = 0; s < x.Length; s++)
            for (int k = 0; k < hw; k++) squares += (x[s][c * hw + k] - mean) * (x[s][c * hw + k] - mean);
        return (mean, squares / (x.Length * hw));
    }

    private double[][] BatchNormTraining(int l, RefBatchNorm bn, double[] p, double[][] x, ForwardTrace? trace, double[]? updatedState)
    {
        RefShape shape = _inputShapes[l];
        int C = shape.C, HW = shape.H * shape.W, go = _weightOffset[l], bo = _biasOffset[l], so = _stateOffset[l];
        int count = x.Length * HW;
        if (count < 2) throw new ArgumentException($"layer {l}: batch normalisation in training needs more than one value per channel (PyTorch refuses it too)");
        var y = new double[x.Length][];
        for (int s = 0; s < x.Length; s++) y[s] = new double[shape.Size];
        for (int c = 0; c < C; c++)
        {
            var (mean, variance) = ChannelStatistics(x, c, HW);
            double sigma = Math.Sqrt(variance + bn.Epsilon);
            for (int s = 0; s < x.Length; s++)
                for (int k = 0; k < HW; k++)
                {
                    double z = p[go + c] * (x[s][c * HW + k] - mean) / sigma + p[bo + c];
                    if (bn.Activation == Activation.ReLU) trace?.Relu(l, z);
                    y[s][c * HW + k] = Activate(bn.Activation, z);
                }
            if (updatedState != null)
            {
                double unbiased = variance * count / (count - 1);
                updatedState[so + c] = (1 - bn.Momentum) * updatedState[so + c] + bn.Momentum * mean;
                updatedState[so + C + c] = (1 - bn.Momentum) * updatedState[so + C + c] + bn.Momentum * unbiased;
            }
        }
        return y;
    }

    private double[] MaskOf(int l, IReadOnlyList<double[]?>? masks, int batch)
    {
        int size = _outputShapes[l].Size;
        double[]? mask = masks?[l];
        if (mask == null)
        {
            if (((RefDropout)Layers[l]).P != 0) throw new ArgumentException($"layer {l}: dropout with p > 0 in training needs a mask");
            mask = Enumerable.Repeat(1.0, batch * size).ToArray();
        }
        if (mask.Length != batch * size) throw new ArgumentException($"layer {l}: the mask has {mask.Length} values, not batch × {size}");
        if (mask.Any(m => m != 0 && m != 1)) throw new ArgumentException($"layer {l}: mask values must be 0 or 1");
        return mask;
    }

    private double[][] DropoutTraining(int l, RefDropout dr, double[][] x, double[] mask)
    {
        int size = _outputShapes[l].Size;
        double scale = 1 / (1 - dr.P);
        var y = new double[x.Length][];
        for (int s = 0; s < x.Length; s++)
        {
            y[s] = new double[size];
            for (int k = 0; k < size; k++) y[s][k] = x[s][k] * mask[s * size + k] * scale;
        }
        return y;
    }

    /// <summary>0/1 masks for every Dropout layer of the network (null entries elsewhere) for a batch of
    /// <paramref name="batch"/>: each value is 0 with the layer's probability p.</summary>
    public double[]?[] RandomMasks(Random rng, int batch)
    {
        var masks = new double[]?[Layers.Count];
        for (int l = 0; l < Layers.Count; l++)
            if (Layers[l] is RefDropout dr)
                masks[l] = Enumerable.Range(0, batch * _outputShapes[l].Size).Select(_ => rng.NextDouble() < dr.P ? 0.0 : 1.0).ToArray();
        return masks;
    }

    // ------------------------------------------------------------------ loss

    /// <summary>The loss of one sample from the last layer's output: ½Σ(y − t)², or −Σ t·log softmax(z).</summary>
    public double SampleLoss(double[] y, ReadOnlySpan<double> target)
    {
        if (target.Length != y.Length) throw new ArgumentException("target size", nameof(target));
        double e = 0;
        if (Loss == Loss.HalfSquaredError)
        {
            for (int k = 0; k < y.Length; k++) e += 0.5 * (y[k] - target[k]) * (y[k] - target[k]);
        }
        else
        {
            double[] logP = LogSoftmax(y);
            for (int k = 0; k < y.Length; k++)
                if (target[k] != 0) e -= target[k] * logP[k];
        }
        return e;
    }

    /// <summary>∂(sample loss)/∂y: y − t, or (Σt)·softmax(z) − t.</summary>
    public double[] SampleLossGradient(double[] y, ReadOnlySpan<double> target)
    {
        if (target.Length != y.Length) throw new ArgumentException("target size", nameof(target));
        var g = new double[y.Length];
        if (Loss == Loss.HalfSquaredError)
        {
            for (int k = 0; k < y.Length; k++) g[k] = y[k] - target[k];
        }
        else
        {
            double[] prob = Softmax(y);
            double total = 0;
            for (int k = 0; k < y.Length; k++) total += target[k];
            for (int k = 0; k < y.Length; k++) g[k] = total * prob[k] - target[k];
        }
        return g;
    }

    /// <summary>The one-hot target of a class label; −Σ t·log p then is −log p[label].</summary>
    public double[] OneHot(int label)
    {
        var t = new double[OutputSize];
        t[label] = 1;
        return t;
    }

    /// <summary>The one-hot targets of a batch of class labels, row-major.</summary>
    public double[] OneHot(IReadOnlyList<int> labels)
    {
        var t = new double[labels.Count * OutputSize];
        for (int s = 0; s < labels.Count; s++) t[s * OutputSize + labels[s]] = 1;
        return t;
    }

    /// <summary>Mean loss over a row-major batch against per-sample targets (OutputSize values each), each sample
    /// computed alone in inference mode.</summary>
    public double MeanLoss(double[] p, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        int n = inputs.Length / InputSize;
        if (n == 0 || n * InputSize != inputs.Length || targets.Length != n * OutputSize) throw new ArgumentException("batch sizes");
        double total = 0;
        for (int s = 0; s < n; s++)
            total += SampleLoss(Forward(p, inputs.Slice(s * InputSize, InputSize)), targets.Slice(s * OutputSize, OutputSize));
        return total / n;
    }

    /// <summary>Mean cross-entropy of a row-major batch against class labels, each sample computed alone in inference mode.</summary>
    public double MeanLoss(double[] p, ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels)
    {
        if (Loss != Loss.SoftmaxCrossEntropy) throw new InvalidOperationException("Labels need SoftmaxCrossEntropy.");
        if (labels.Length * InputSize != inputs.Length) throw new ArgumentException("batch sizes");
        double total = 0;
        for (int s = 0; s < labels.Length; s++)
            total -= LogSoftmax(Forward(p, inputs.Slice(s * InputSize, InputSize)))[labels[s]];
        return total / labels.Length;
    }

    /// <summary>Mean loss of a batch pass (see <see cref="ForwardBatch"/>); <paramref name="inputs"/> and
    /// <paramref name="targets"/> row-major.</summary>
    public double BatchLoss(double[] p, double[] inputs, double[] targets, RefMode mode, double[]? state = null,
        IReadOnlyList<double[]?>? masks = null, ForwardTrace? trace = null)
    {
        double[][] x = Rows(inputs, InputSize, nameof(inputs));
        double[][] y = ForwardBatch(p, x, mode, state, masks, trace)[^1];
        return MeanOf(y, targets);
    }

    private double MeanOf(double[][] y, double[] targets)
    {
        if (targets.Length != y.Length * OutputSize) throw new ArgumentException("targets size", nameof(targets));
        double total = 0;
        for (int s = 0; s < y.Length; s++) total += SampleLoss(y[s], targets.AsSpan(s * OutputSize, OutputSize));
        return total / y.Length;
    }

    private static double[][] Rows(double[] flat, int width, string name)
    {
        if (flat.Length == 0 || flat.Length % width != 0) throw new ArgumentException($"{name}: {flat.Length} values is not a whole number of rows of {width}", name);
        return Enumerable.Range(0, flat.Length / width).Select(s => flat.AsSpan(s * width, width).ToArray()).ToArray();
    }

    // ------------------------------------------------------------------ a whole pass: forward, loss, backward

    /// <summary>
    /// One pass over a batch, as a training step computes it before the optimizer: forward in <paramref name="mode"/>
    /// from the running statistics <paramref name="state"/> (null: the initial ones), the mean loss against
    /// <paramref name="targets"/> (row-major, OutputSize per sample; <see cref="OneHot(IReadOnlyList{int})"/> for labels),
    /// the gradient of that mean loss with respect to every parameter by backpropagation, and the running statistics
    /// after the pass. <paramref name="masks"/>: see <see cref="ForwardBatch"/>.
    /// </summary>
    public RefResult Evaluate(double[] p, double[] inputs, double[] targets, RefMode mode = RefMode.Training,
        double[]? state = null, IReadOnlyList<double[]?>? masks = null, ForwardTrace? trace = null)
    {
        state ??= InitialState();
        if (state.Length != StateCount) throw new ArgumentException("state size", nameof(state));
        double[][] x = Rows(inputs, InputSize, nameof(inputs));
        int n = x.Length;
        var newState = (double[])state.Clone();
        double[][][] outputs = ForwardBatch(p, x, mode, state, masks, trace, 0, mode == RefMode.Training ? newState : null);
        double loss = MeanOf(outputs[^1], targets);

        // dy[s]: ∂E/∂(output of the current layer) for sample s; E is the mean over the batch.
        var dy = new double[n][];
        for (int s = 0; s < n; s++)
        {
            dy[s] = SampleLossGradient(outputs[^1][s], targets.AsSpan(s * OutputSize, OutputSize));
            for (int k = 0; k < dy[s].Length; k++) dy[s][k] /= n;
        }
        var g = new double[ParameterCount];
        for (int l = Layers.Count - 1; l >= 0; l--)
        {
            double[][] input = l == 0 ? x : outputs[l - 1];
            dy = LayerBackward(l, p, input, outputs[l], dy, g, mode, state, masks);
        }
        return new RefResult(loss, outputs, g, newState);
    }

    /// <summary>Backpropagates through layer <paramref name="l"/>: from ∂E/∂y (<paramref name="dy"/>) and the layer's
    /// input and output, adds ∂E/∂(its parameters) to <paramref name="g"/> and returns ∂E/∂(its input).</summary>
    private double[][] LayerBackward(int l, double[] p, double[][] x, double[][] y, double[][] dy, double[] g,
        RefMode mode, double[] state, IReadOnlyList<double[]?>? masks)
    {
        RefShape s = _inputShapes[l], o = _outputShapes[l];
        int n = x.Length, C = s.C, H = s.H, W = s.W, OC = o.C, OH = o.H, OW = o.W;
        var dx = new double[n][];
        for (int b = 0; b < n; b++) dx[b] = new double[s.Size];

        // ∂E/∂z through the layer's activation, z its pre-activation (y = f(z)).
        var activation = Layers[l].ActivationOf;
        var dz = new double[n][];
        for (int b = 0; b < n; b++)
        {
            dz[b] = new double[o.Size];
            for (int k = 0; k < o.Size; k++) dz[b][k] = dy[b][k] * ActivationDerivative(activation, y[b][k]);
        }

        switch (Layers[l])
        {
            case RefConv2D c:
            {
                int KH = c.KernelHeight, KW = c.KernelWidth, S = c.Stride, P = c.Padding;
                int wo = _weightOffset[l], bo = _biasOffset[l];
                for (int b = 0; b < n; b++)
                for (int f = 0; f < OC; f++)
                for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                {
                    double d = dz[b][(f * OH + i) * OW + j];
                    if (bo >= 0) g[bo + f] += d;
                    for (int ch = 0; ch < C; ch++)
                    for (int u = 0; u < KH; u++)
                    {
                        int row = i * S + u - P;
                        if (row < 0 || row >= H) continue;
                        for (int v = 0; v < KW; v++)
                        {
                            int col = j * S + v - P;
                            if (col < 0 || col >= W) continue;
                            int wi = wo + ((f * C + ch) * KH + u) * KW + v, xi = (ch * H + row) * W + col;
                            g[wi] += d * x[b][xi];
                            dx[b][xi] += p[wi] * d;
                        }
                    }
                }
                break;
            }
            case RefPool2D pool:
            {
                // A maximum passes its gradient to the first position holding the window's largest value (the one the
                // forward pass picked); an average spreads it evenly over the input positions it divided.
                int S = pool.EffectiveStride, K = pool.Size, P = pool.Padding;
                for (int b = 0; b < n; b++)
                for (int ch = 0; ch < C; ch++)
                for (int i = 0; i < OH; i++)
                for (int j = 0; j < OW; j++)
                {
                    double d = dz[b][(ch * OH + i) * OW + j];
                    double best = double.NegativeInfinity;
                    int bestIndex = -1, inside = 0;
                    for (int u = 0; u < K; u++)
                    for (int v = 0; v < K; v++)
                    {
                        int row = i * S - P + u, col = j * S - P + v;
                        if (row < 0 || row >= H || col < 0 || col >= W) continue;
                        inside++;
                        int xi = (ch * H + row) * W + col;
                        if (x[b][xi] > best) { best = x[b][xi]; bestIndex = xi; }
                    }
                    if (pool.IsMax)
                    {
                        dx[b][bestIndex] += d;
                        continue;
                    }
                    double share = d / (pool.CountIncludePad ? K * K : inside);
                    for (int u = 0; u < K; u++)
                    for (int v = 0; v < K; v++)
                    {
                        int row = i * S - P + u, col = j * S - P + v;
                        if (row < 0 || row >= H || col < 0 || col >= W) continue;
                        dx[b][(ch * H + row) * W + col] += share;
                    }
                }
                break;
            }
            case RefDense d:
            {
                int m = s.Size, wo = _weightOffset[l], bo = _biasOffset[l];
                for (int b = 0; b < n; b++)
                for (int k = 0; k < d.Units; k++)
                {
                    double e = dz[b][k];
                    if (bo >= 0) g[bo + k] += e;
                    for (int i = 0; i < m; i++)
                    {
                        g[wo + k * m + i] += e * x[b][i];
                        dx[b][i] += p[wo + k * m + i] * e;
                    }
                }
                break;
            }
            case RefBatchNorm bn:
            {
                int HW = H * W, go = _weightOffset[l], bo = _biasOffset[l], so = _stateOffset[l];
                int count = n * HW;
                for (int c = 0; c < C; c++)
                {
                    double mean, sigma;
                    if (mode == RefMode.Training)
                    {
                        var stats = ChannelStatistics(x, c, HW);
                        mean = stats.Mean;
                        sigma = Math.Sqrt(stats.Variance + bn.Epsilon);
                    }
                    else
                    {
                        mean = state[so + c];
                        sigma = Math.Sqrt(state[so + C + c] + bn.Epsilon);
                    }
                    double gamma = p[go + c], sumDz = 0, sumDzXhat = 0;
                    for (int b = 0; b < n; b++)
                        for (int k = 0; k < HW; k++)
                        {
                            double xhat = (x[b][c * HW + k] - mean) / sigma;
                            sumDz += dz[b][c * HW + k];
                            sumDzXhat += dz[b][c * HW + k] * xhat;
                        }
                    g[go + c] += sumDzXhat;
                    g[bo + c] += sumDz;
                    for (int b = 0; b < n; b++)
                        for (int k = 0; k < HW; k++)
                        {
                            double d = dz[b][c * HW + k];
                            if (mode == RefMode.Training)
                            {
                                // x̂ = (x − μ)/σ with μ and σ functions of the whole channel:
                                // ∂E/∂x = γ/σ · (∂E/∂z − mean(∂E/∂z) − x̂ · mean(∂E/∂z · x̂)).
                                double xhat = (x[b][c * HW + k] - mean) / sigma;
                                dx[b][c * HW + k] = gamma / sigma * (d - sumDz / count - xhat * sumDzXhat / count);
                            }
                            else
                            {
                                dx[b][c * HW + k] = gamma / sigma * d;
                            }
                        }
                }
                break;
            }
            case RefDropout dr:
            {
                double[]? mask = mode == RefMode.Training ? MaskOf(l, masks, n) : null;
                double scale = mode == RefMode.Training ? 1 / (1 - dr.P) : 1;
                for (int b = 0; b < n; b++)
                    for (int k = 0; k < o.Size; k++)
                        dx[b][k] = dz[b][k] * (mask == null ? 1 : mask[b * o.Size + k]) * scale;
                break;
            }
        }
        return dx;
    }
}
