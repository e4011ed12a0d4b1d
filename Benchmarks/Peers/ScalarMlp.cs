using System;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// The textbook implementation: plain scalar C# loops over the same flat parameters, one sample at a time,
/// with the same algorithm as the generated code (per-sample backward accumulating into the gradient, then SGD).
/// </summary>
public sealed class ScalarMlp
{
    private readonly MlpSpec _spec;
    private readonly float[] _p;
    private readonly float[] _g;
    private readonly float[][] _a;   // _a[0] = input copy slot (unused), _a[l + 1] = output of layer l
    private readonly float[] _dz, _dzBelow;

    public ScalarMlp(MlpSpec spec, ReadOnlySpan<float> parameters)
    {
        _spec = spec;
        _p = parameters.ToArray();
        _g = new float[spec.ParameterCount];
        _a = new float[spec.Layers.Length + 1][];
        for (int l = 0; l < spec.Layers.Length; l++) _a[l + 1] = new float[spec.Layers[l].Out];
        _dz = new float[spec.MaxWidth];
        _dzBelow = new float[spec.MaxWidth];
    }

    public ReadOnlySpan<float> Parameters => _p;

    public void Predict(ReadOnlySpan<float> x, Span<float> y)
    {
        Forward(x);
        _a[^1].AsSpan().CopyTo(y);
    }

    public void PredictBatch(ReadOnlySpan<float> xs, Span<float> ys)
    {
        int n = _spec.InputSize, m = _spec.OutputSize;
        for (int s = 0; s < xs.Length / n; s++) Predict(xs.Slice(s * n, n), ys.Slice(s * m, m));
    }

    private void Forward(ReadOnlySpan<float> x)
    {
        var layers = _spec.Layers;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            ReadOnlySpan<float> input = l == 0 ? x : _a[l];
            float[] y = _a[l + 1];
            int w = _spec.WeightOffsets[l], b = _spec.BiasOffsets[l];
            for (int o = 0; o < layer.Out; o++)
            {
                float z = _p[b + o];
                int row = w + o * layer.In;
                for (int i = 0; i < layer.In; i++) z += _p[row + i] * input[i];
                y[o] = Activate(layer.Activation, z);
            }
        }
        if (_spec.Softmax) Softmax(_a[^1]);
    }

    /// <summary>One SGD step on a batch of labelled samples (softmax cross-entropy); returns the mean loss before the step.</summary>
    public float TrainStep(ReadOnlySpan<float> xs, ReadOnlySpan<int> labels, float learningRate)
    {
        if (!_spec.Softmax) throw new NotSupportedException("Only softmax cross-entropy is trained here.");
        int batch = labels.Length, n = _spec.InputSize;
        float scale = 1f / batch;
        double loss = 0;
        Array.Clear(_g);
        var layers = _spec.Layers;
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> x = xs.Slice(s * n, n);
            Forward(x);
            float[] p = _a[^1];
            loss -= Math.Log(p[labels[s]]);
            for (int k = 0; k < p.Length; k++) _dz[k] = (p[k] - (k == labels[s] ? 1f : 0f)) * scale;
            for (int l = layers.Length - 1; l >= 0; l--)
            {
                var layer = layers[l];
                ReadOnlySpan<float> input = l == 0 ? x : _a[l];
                int w = _spec.WeightOffsets[l], b = _spec.BiasOffsets[l];
                for (int o = 0; o < layer.Out; o++)
                {
                    float d = _dz[o];
                    _g[b + o] += d;
                    int row = w + o * layer.In;
                    for (int i = 0; i < layer.In; i++) _g[row + i] += d * input[i];
                }
                if (l == 0) break;
                Activation below = layers[l - 1].Activation;
                for (int i = 0; i < layer.In; i++)
                {
                    float sum = 0f;
                    for (int o = 0; o < layer.Out; o++) sum += _p[w + o * layer.In + i] * _dz[o];
                    _dzBelow[i] = sum * Derivative(below, input[i]);
                }
                _dzBelow.AsSpan(0, layer.In).CopyTo(_dz);
            }
        }
        for (int i = 0; i < _p.Length; i++) _p[i] -= learningRate * _g[i];
        return (float)(loss / batch);
    }

    internal static float Activate(Activation f, float z) => f switch
    {
        Activation.ReLU => MathF.Max(z, 0f),
        Activation.Tanh => MathF.Tanh(z),
        Activation.Sigmoid => 1f / (1f + MathF.Exp(-z)),
        _ => z,
    };

    /// <summary>f′ expressed through y = f(z).</summary>
    internal static float Derivative(Activation f, float y) => f switch
    {
        Activation.ReLU => y > 0f ? 1f : 0f,
        Activation.Tanh => 1f - y * y,
        Activation.Sigmoid => y * (1f - y),
        _ => 1f,
    };

    internal static void Softmax(Span<float> z)
    {
        float max = z[0];
        for (int k = 1; k < z.Length; k++) max = MathF.Max(max, z[k]);
        float sum = 0f;
        for (int k = 0; k < z.Length; k++) sum += z[k] = MathF.Exp(z[k] - max);
        for (int k = 0; k < z.Length; k++) z[k] /= sum;
    }
}
