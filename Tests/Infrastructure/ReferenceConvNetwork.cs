using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>One layer of a <see cref="ReferenceConvNetwork"/>.</summary>
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

public sealed record RefDense(int Units, Activation Activation, bool Bias) : RefLayer
{
    public override Activation ActivationOf => Activation;

    public override string ToString() => $"Dense({Units},{Activation}{(Bias ? "" : ",NoBias")})";
}

/// <summary>The data between two layers: [channels, height, width] when spatial, else a flat vector of C values.</summary>
public readonly record struct RefShape(int C, int H, int W, bool Spatial)
{
    public int Size => C * H * W;

    public override string ToString() => Spatial ? $"[{C},{H},{W}]" : $"[{Size}]";
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
/// A deliberately naive double-precision model of a network of Conv2D, MaxPool2D / AvgPool2D and Dense layers, written
/// from the definitions only: plain loops over every output and every window position, zero padding by a bounds test,
/// nothing shared with the generator. Parameters are in PyTorch's state_dict order: per layer, conv weight
/// [outC, inC, kH, kW] then bias [outC]; dense weight [out, in] then bias [out]. A Dense after a spatial layer reads
/// its input channel-major ([c][h][w], PyTorch's flatten).
/// </summary>
public sealed class ReferenceConvNetwork
{
    private readonly RefShape[] _inputShapes;
    private readonly RefShape[] _outputShapes;
    private readonly int[] _weightOffset;
    private readonly int[] _weightCount;
    private readonly int[] _biasOffset; // -1 when the layer has no bias

    public ReferenceConvNetwork(int[] inputShape, IReadOnlyList<RefLayer> layers, Loss loss)
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

        RefShape shape = inputShape.Length switch
        {
            2 => new RefShape(1, inputShape[0], inputShape[1], true),
            3 => new RefShape(inputShape[0], inputShape[1], inputShape[2], true),
            _ => new RefShape(inputShape.Aggregate(1, (a, b) => a * b), 1, 1, false),
        };
        int offset = 0;
        for (int l = 0; l < n; l++)
        {
            _inputShapes[l] = shape;
            _weightOffset[l] = offset;
            _biasOffset[l] = -1;
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
                default:
                    throw new ArgumentException(nameof(layers));
            }
            _outputShapes[l] = shape;
        }
        ParameterCount = offset;
        if (loss == Loss.SoftmaxCrossEntropy && (Layers[^1].ActivationOf != Activation.Identity || OutputSize < 2))
            throw new ArgumentException("SoftmaxCrossEntropy takes at least two logits from a last layer without activation.");
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
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);
    public int OutputSize => _outputShapes[^1].Size;

    public RefShape InputShapeOf(int layer) => _inputShapes[layer];
    public RefShape OutputShapeOf(int layer) => _outputShapes[layer];
    public int WeightOffset(int layer) => _weightOffset[layer];
    public int WeightCount(int layer) => _weightCount[layer];
    public int BiasOffset(int layer) => _biasOffset[layer];
    public int BiasCount(int layer) => _biasOffset[layer] < 0 ? 0 : _outputShapes[layer].C;

    /// <summary>The first layer whose output depends on canonical parameter <paramref name="index"/> (its owner).</summary>
    public int LayerOf(int index)
    {
        for (int l = Layers.Count - 1; l >= 0; l--)
            if ((_weightCount[l] > 0 || _biasOffset[l] >= 0) && index >= _weightOffset[l]) return l;
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>"L0.W[o,c,u,v] (#i)", "L4.W[j,k] (#i)" or "L0.b[o] (#i)".</summary>
    public string Describe(int index)
    {
        int l = LayerOf(index);
        if (_biasOffset[l] >= 0 && index >= _biasOffset[l]) return $"L{l}.b[{index - _biasOffset[l]}] (#{index})";
        int k = index - _weightOffset[l];
        var input = _inputShapes[l];
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
            }
        }
        sb.Append("public partial class ").Append(className).Append(" { }\n");
        return sb.ToString();
    }

    // ------------------------------------------------------------------ forward

    /// <summary>The output of layer <paramref name="l"/> for its input <paramref name="x"/>. (Plain arrays and locals
    /// only: the test assembly is built in Debug, where every property access or span indexer is a call.)</summary>
    public double[] LayerForward(int l, double[] p, double[] x, ForwardTrace? trace = null)
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
                    y[(f * OH + i) * OW + j] = ReferenceNetwork.Activate(activation, z);
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
                    y[k] = ReferenceNetwork.Activate(activation, z);
                }
                break;
            }
        }
        return y;
    }

    /// <summary>Every layer's output for one sample (element l is the output of layer l; the last is the logits for
    /// SoftmaxCrossEntropy), starting at layer <paramref name="from"/> whose input is <paramref name="x"/>.</summary>
    public double[][] ForwardAll(double[] p, ReadOnlySpan<double> x, ForwardTrace? trace = null, int from = 0)
    {
        if (p.Length != ParameterCount) throw new ArgumentException("parameter count", nameof(p));
        var outputs = new double[Layers.Count][];
        double[] a = x.ToArray();
        for (int l = from; l < Layers.Count; l++) outputs[l] = a = LayerForward(l, p, a, trace);
        return outputs;
    }

    /// <summary>The last layer's output (logits for SoftmaxCrossEntropy) for one sample.</summary>
    public double[] Forward(double[] p, ReadOnlySpan<double> x, ForwardTrace? trace = null, int from = 0)
        => ForwardAll(p, x, trace, from)[^1];

    /// <summary>What the network outputs for one sample: probabilities for SoftmaxCrossEntropy, else the last layer's output.</summary>
    public double[] Predict(double[] p, ReadOnlySpan<double> x)
    {
        double[] y = Forward(p, x);
        return Loss == Loss.SoftmaxCrossEntropy ? ReferenceNetwork.Softmax(y) : y;
    }

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
            double[] logP = ReferenceNetwork.LogSoftmax(y);
            for (int k = 0; k < y.Length; k++)
                if (target[k] != 0) e -= target[k] * logP[k];
        }
        return e;
    }

    /// <summary>The one-hot target of a class label; −Σ t·log p then is −log p[label].</summary>
    public double[] OneHot(int label)
    {
        var t = new double[OutputSize];
        t[label] = 1;
        return t;
    }

    /// <summary>Mean loss over a row-major batch against per-sample targets (OutputSize values each).</summary>
    public double MeanLoss(double[] p, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        int n = inputs.Length / InputSize;
        if (n == 0 || n * InputSize != inputs.Length || targets.Length != n * OutputSize) throw new ArgumentException("batch sizes");
        double total = 0;
        for (int s = 0; s < n; s++)
            total += SampleLoss(Forward(p, inputs.Slice(s * InputSize, InputSize)), targets.Slice(s * OutputSize, OutputSize));
        return total / n;
    }
}
