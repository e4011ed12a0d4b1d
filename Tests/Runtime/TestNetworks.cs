using System;
using System.Text;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// A hand-written single-layer network y = f(W·x + b) (W [out, in] row-major, then b — the canonical order), with
/// hand-derived gradients, standing in for generated networks in the runtime tests. f is the identity for
/// <see cref="Loss.HalfSquaredError"/> and softmax for <see cref="Loss.SoftmaxCrossEntropy"/>. Allocation-free; records
/// what the trainer passes to it in preallocated arrays.
/// </summary>
public abstract class LinearModel : INetwork
{
    private readonly int _in;
    private readonly int _out;
    private readonly bool _softmax;
    private readonly float[] _p;   // weights [out, in], then biases [out]: the canonical order

    protected LinearModel(int inputs, int outputs, Loss loss, int seed)
    {
        _in = inputs;
        _out = outputs;
        _softmax = loss == Loss.SoftmaxCrossEntropy;
        _p = new float[inputs * outputs + outputs];
        ParameterInitializer.GlorotUniform(_p.AsSpan(0, inputs * outputs), inputs, outputs, seed, layer: 0);
    }

    /// <summary>Number of target-overload calls of ComputeGradients.</summary>
    public int TargetCalls;
    /// <summary>Number of label-overload calls of ComputeGradients.</summary>
    public int LabelCalls;
    /// <summary>Batch sizes of the ComputeGradients calls, in order (first <see cref="BatchCount"/> entries).</summary>
    public readonly int[] BatchSizes = new int[4096];
    public int BatchCount;
    /// <summary>The targets of the last target-overload call (first <see cref="LastTargetsLength"/> entries).</summary>
    public readonly float[] LastTargets = new float[4096];
    public int LastTargetsLength;
    /// <summary>The inputs of the last ComputeGradients call (first <see cref="LastInputsLength"/> entries).</summary>
    public readonly float[] LastInputs = new float[4096];
    public int LastInputsLength;
    /// <summary>When set, CopyParametersTo throws (to make a save fail half-way).</summary>
    public bool ThrowOnCopy;

    public void Predict(ReadOnlySpan<float> input, Span<float> output)
    {
        if (input.Length != _in) throw new ArgumentException("bad input length", nameof(input));
        if (output.Length != _out) throw new ArgumentException("bad output length", nameof(output));
        for (int o = 0; o < _out; o++)
        {
            float z = _p[_in * _out + o];
            for (int i = 0; i < _in; i++) z += _p[o * _in + i] * input[i];
            output[o] = z;
        }
        if (_softmax)
        {
            float max = float.NegativeInfinity;
            for (int o = 0; o < _out; o++) max = MathF.Max(max, output[o]);
            float sum = 0;
            for (int o = 0; o < _out; o++) sum += output[o] = MathF.Exp(output[o] - max);
            for (int o = 0; o < _out; o++) output[o] /= sum;
        }
    }

    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs)
    {
        int n = inputs.Length / _in;
        if (outputs.Length != n * _out) throw new ArgumentException("bad outputs length", nameof(outputs));
        for (int s = 0; s < n; s++) Predict(inputs.Slice(s * _in, _in), outputs.Slice(s * _out, _out));
    }

    public void CopyParametersTo(Span<float> destination)
    {
        if (ThrowOnCopy) throw new InvalidOperationException("CopyParametersTo failed on purpose.");
        if (destination.Length != _p.Length) throw new ArgumentException("bad length", nameof(destination));
        _p.CopyTo(destination);
    }

    public void LoadParameters(ReadOnlySpan<float> source)
    {
        if (source.Length != _p.Length) throw new ArgumentException("bad length", nameof(source));
        source.CopyTo(_p);
    }

    public Span<float> Parameters => _p;

    public float[] GetParameters()
    {
        var p = (float[])_p.Clone();
        return p;
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients)
    {
        TargetCalls++;
        targets.CopyTo(LastTargets);
        LastTargetsLength = targets.Length;
        return Backward(inputs, targets, default, gradients);
    }

    public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Span<float> gradients)
    {
        if (!_softmax) throw new InvalidOperationException("labels need softmax");
        LabelCalls++;
        return Backward(inputs, default, labels, gradients);
    }

    private float Backward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Span<float> gradients)
    {
        int n = inputs.Length / _in;
        if (n * _in != inputs.Length || n == 0) throw new ArgumentException("bad inputs length", nameof(inputs));
        if (gradients.Length != _p.Length) throw new ArgumentException("bad gradients length", nameof(gradients));
        bool useLabels = targets.IsEmpty;
        if (useLabels ? labels.Length != n : targets.Length != n * _out) throw new ArgumentException("bad targets length");
        BatchSizes[BatchCount++] = n;
        inputs.CopyTo(LastInputs);
        LastInputsLength = inputs.Length;

        gradients.Clear();
        Span<float> y = stackalloc float[_out];
        double loss = 0;
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> x = inputs.Slice(s * _in, _in);
            Predict(x, y);
            for (int o = 0; o < _out; o++)
            {
                float t = useLabels ? (labels[s] == o ? 1f : 0f) : targets[s * _out + o];
                float dz = y[o] - t; // same for ½(y−t)² with identity and for cross-entropy with softmax
                if (_softmax) { if (t != 0) loss -= t * Math.Log(Math.Max(y[o], 1e-12f)); }
                else loss += 0.5 * dz * dz;
                for (int i = 0; i < _in; i++) gradients[o * _in + i] += dz * x[i];
                gradients[_in * _out + o] += dz;
            }
        }
        for (int k = 0; k < gradients.Length; k++) gradients[k] /= n;
        return (float)(loss / n);
    }

    public static ulong Fnv1a64(string text)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) { h ^= b; h *= 1099511628211UL; }
        return h;
    }
}

/// <summary>Linear regression y = w·x + b with 2 inputs, ½(y−t)².</summary>
public sealed class Regressor : LinearModel, INetwork<Regressor>
{
    public Regressor(int seed) : base(2, 1, Loss.HalfSquaredError, seed) { }
    public static int InputSize => 2;
    public static int OutputSize => 1;
    public static int ParameterCount => 3;
    public static Loss Loss => Loss.HalfSquaredError;
    public static string Architecture => "Input(2) Dense(1) HalfSquaredError";
    public static ulong ArchitectureHash => Fnv1a64(Architecture);
    public static Regressor Create(int seed) => new(seed);
}

/// <summary>Same parameter count as <see cref="Regressor"/> but another architecture string.</summary>
public sealed class TanhRegressor : LinearModel, INetwork<TanhRegressor>
{
    public TanhRegressor(int seed) : base(2, 1, Loss.HalfSquaredError, seed) { }
    public static int InputSize => 2;
    public static int OutputSize => 1;
    public static int ParameterCount => 3;
    public static Loss Loss => Loss.HalfSquaredError;
    public static string Architecture => "Input(2) Dense(1,Tanh) HalfSquaredError";
    public static ulong ArchitectureHash => Fnv1a64(Architecture);
    public static TanhRegressor Create(int seed) => new(seed);
}

/// <summary>Softmax regression, 2 inputs, 3 classes, cross-entropy; learns from labels.</summary>
public sealed class SoftmaxClassifier : LinearModel, INetwork<SoftmaxClassifier>, IClassifier
{
    public SoftmaxClassifier(int seed) : base(2, 3, Loss.SoftmaxCrossEntropy, seed) { }
    public static int InputSize => 2;
    public static int OutputSize => 3;
    public static int ParameterCount => 9;
    public static Loss Loss => Loss.SoftmaxCrossEntropy;
    public static string Architecture => "Input(2) Dense(3) SoftmaxCrossEntropy";
    public static ulong ArchitectureHash => Fnv1a64(Architecture);
    public static SoftmaxClassifier Create(int seed) => new(seed);
}

/// <summary>Linear, 2 inputs, 3 outputs, ½(y−t)²: labelled data must reach it as one-hot targets.</summary>
public sealed class OneHotRegressor : LinearModel, INetwork<OneHotRegressor>
{
    public OneHotRegressor(int seed) : base(2, 3, Loss.HalfSquaredError, seed) { }
    public static int InputSize => 2;
    public static int OutputSize => 3;
    public static int ParameterCount => 9;
    public static Loss Loss => Loss.HalfSquaredError;
    public static string Architecture => "Input(2) Dense(3) HalfSquaredError";
    public static ulong ArchitectureHash => Fnv1a64(Architecture);
    public static OneHotRegressor Create(int seed) => new(seed);
}

/// <summary>Test data.</summary>
public static class ToyData
{
    /// <summary>n samples x ∈ U(−1, 1)², t = 2·x0 − 3·x1 + 0.5 (or <paramref name="w0"/> in place of 2).</summary>
    public static Dataset Linear(int n, int seed, float w0 = 2f)
    {
        var rng = new SplitMix64(seed, 99);
        var x = new float[2 * n];
        var t = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[2 * i] = (float)(2 * rng.NextDouble() - 1);
            x[2 * i + 1] = (float)(2 * rng.NextDouble() - 1);
            t[i] = w0 * x[2 * i] - 3f * x[2 * i + 1] + 0.5f;
        }
        return new Dataset(x, 2, t, 1);
    }

    /// <summary>Three well-separated clusters (class k around centre k), linearly separable.</summary>
    public static Dataset Clusters(int n, int seed)
    {
        float[] cx = [2.5f, -2.5f, 0f], cy = [0f, 0f, 3f];
        var rng = new SplitMix64(seed, 7);
        var x = new float[2 * n];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int k = i % 3;
            labels[i] = k;
            x[2 * i] = cx[k] + (float)(rng.NextDouble() - 0.5);
            x[2 * i + 1] = cy[k] + (float)(rng.NextDouble() - 0.5);
        }
        return new Dataset(x, 2, labels);
    }
}

/// <summary>
/// A hand-written network of one weight w with y = w·x, for trainer tests that need a network to misbehave on purpose:
/// the instance members every such network shares. Gradients are left to the subclass.
/// </summary>
public abstract class OneWeightNetwork(int seed)
{
    private readonly float[] _w = [seed];

    public Span<float> Parameters => _w;
    public void Predict(ReadOnlySpan<float> input, Span<float> output) => output[0] = _w[0] * input[0];
    public void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs) { for (int i = 0; i < inputs.Length; i++) outputs[i] = _w[0] * inputs[i]; }
    public void CopyParametersTo(Span<float> destination) => destination[0] = _w[0];
    public void LoadParameters(ReadOnlySpan<float> source) => _w[0] = source[0];
}
