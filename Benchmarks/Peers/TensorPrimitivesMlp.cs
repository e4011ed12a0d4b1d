using System;
using System.Numerics.Tensors;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// What a C# developer writes with System.Numerics.Tensors: one <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
/// per neuron for the forward pass, <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
/// per row for the backward pass and the SGD update, the library's vectorised activations and softmax.
/// </summary>
public sealed class TensorPrimitivesMlp
{
    private readonly MlpSpec _spec;
    private readonly float[] _p;
    private readonly float[] _g;
    private readonly float[][] _a;
    private readonly float[] _dz, _dzBelow;

    public TensorPrimitivesMlp(MlpSpec spec, ReadOnlySpan<float> parameters)
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
        ReadOnlySpan<float> p = _p;
        for (int l = 0; l < layers.Length; l++)
        {
            var layer = layers[l];
            ReadOnlySpan<float> input = l == 0 ? x : _a[l];
            Span<float> y = _a[l + 1];
            ReadOnlySpan<float> w = p.Slice(_spec.WeightOffsets[l], layer.WeightCount);
            for (int o = 0; o < layer.Out; o++) y[o] = TensorPrimitives.Dot(w.Slice(o * layer.In, layer.In), input);
            TensorPrimitives.Add(y, p.Slice(_spec.BiasOffsets[l], layer.Out), y);
            switch (layer.Activation)
            {
                case Activation.ReLU: TensorPrimitives.Max(y, 0f, y); break;
                case Activation.Tanh: TensorPrimitives.Tanh(y, y); break;
                case Activation.Sigmoid: TensorPrimitives.Sigmoid(y, y); break;
            }
        }
        if (_spec.Softmax) TensorPrimitives.SoftMax(_a[^1], _a[^1]);
    }

    /// <summary>One SGD step on a batch of labelled samples (softmax cross-entropy); returns the mean loss before the step.</summary>
    public float TrainStep(ReadOnlySpan<float> xs, ReadOnlySpan<int> labels, float learningRate)
    {
        if (!_spec.Softmax) throw new NotSupportedException("Only softmax cross-entropy is trained here.");
        int batch = labels.Length, n = _spec.InputSize;
        float scale = 1f / batch;
        double loss = 0;
        Array.Clear(_g);
        Span<float> g = _g;
        ReadOnlySpan<float> p = _p;
        var layers = _spec.Layers;
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> x = xs.Slice(s * n, n);
            Forward(x);
            Span<float> dz = _dz.AsSpan(0, _spec.OutputSize);
            loss -= Math.Log(_a[^1][labels[s]]);
            TensorPrimitives.Multiply(_a[^1], scale, dz);
            dz[labels[s]] -= scale;
            for (int l = layers.Length - 1; l >= 0; l--)
            {
                var layer = layers[l];
                ReadOnlySpan<float> input = l == 0 ? x : _a[l];
                int w = _spec.WeightOffsets[l];
                dz = _dz.AsSpan(0, layer.Out);
                Span<float> gb = g.Slice(_spec.BiasOffsets[l], layer.Out);
                TensorPrimitives.Add(gb, dz, gb);
                for (int o = 0; o < layer.Out; o++)
                {
                    Span<float> gRow = g.Slice(w + o * layer.In, layer.In);
                    TensorPrimitives.MultiplyAdd(input, dz[o], gRow, gRow);
                }
                if (l == 0) break;
                Span<float> below = _dzBelow.AsSpan(0, layer.In);
                below.Clear();
                for (int o = 0; o < layer.Out; o++)
                    TensorPrimitives.MultiplyAdd(p.Slice(w + o * layer.In, layer.In), dz[o], below, below);
                switch (layers[l - 1].Activation)
                {
                    case Activation.ReLU:
                        for (int i = 0; i < below.Length; i++) if (input[i] <= 0f) below[i] = 0f;
                        break;
                    case Activation.Identity: break;
                    default: throw new NotSupportedException("Hidden activations other than ReLU are not trained here.");
                }
                below.CopyTo(_dz);
            }
        }
        TensorPrimitives.MultiplyAdd(_g, -learningRate, _p, _p);
        return (float)(loss / batch);
    }
}
