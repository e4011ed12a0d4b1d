using System;
using static NetCompiler.Benchmarks.LeNetSpec;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// LeNet-5 as a textbook writes it: plain scalar loops, one sample at a time, direct convolution (zero padding tested
/// per tap), 2×2 max pooling that remembers where each maximum came from, per-sample backward accumulating into the
/// gradient, then plain SGD. Written from the definitions, not from the generated code.
/// </summary>
public sealed class ScalarLeNet
{
    private readonly float[] _p, _g;
    // Activations of one sample: after ReLU (c1, c3), after pooling (s2, s4), dense outputs (f5, f6, output probabilities).
    private readonly float[] _c1 = new float[C1Out * C1Size * C1Size], _s2 = new float[C1Out * S2Size * S2Size];
    private readonly float[] _c3 = new float[C3Out * C3Size * C3Size], _s4 = new float[F5In];
    private readonly float[] _f5 = new float[F5Out], _f6 = new float[F6Out], _out = new float[OutputSize];
    // Where each pooled maximum came from (index into c1 / c3).
    private readonly int[] _s2From = new int[C1Out * S2Size * S2Size], _s4From = new int[F5In];
    // Gradients of one sample with respect to each layer's pre-activation output (dz) or input (dx).
    private readonly float[] _dOut = new float[OutputSize], _dF6 = new float[F6Out], _dF5 = new float[F5Out], _dS4 = new float[F5In];
    private readonly float[] _dC3 = new float[C3Out * C3Size * C3Size], _dS2 = new float[C1Out * S2Size * S2Size];
    private readonly float[] _dC1 = new float[C1Out * C1Size * C1Size];

    public ScalarLeNet(ReadOnlySpan<float> parameters)
    {
        _p = parameters.ToArray();
        _g = new float[ParameterCount];
    }

    public ReadOnlySpan<float> Parameters => _p;

    public void Predict(ReadOnlySpan<float> x, Span<float> y)
    {
        Forward(x);
        _out.AsSpan().CopyTo(y);
    }

    public void PredictBatch(ReadOnlySpan<float> xs, Span<float> ys)
    {
        for (int s = 0; s < xs.Length / InputSize; s++) Predict(xs.Slice(s * InputSize, InputSize), ys.Slice(s * OutputSize, OutputSize));
    }

    private void Forward(ReadOnlySpan<float> x)
    {
        Conv(x, C1In, C1Size, C1Size, C1Pad, C1Out, C1W, C1B, _c1);
        Pool(_c1, C1Out, C1Size, _s2, _s2From);
        Conv(_s2, C3In, S2Size, C3Size, 0, C3Out, C3W, C3B, _c3);
        Pool(_c3, C3Out, C3Size, _s4, _s4From);
        Dense(_s4, F5In, F5Out, F5W, F5B, _f5, relu: true);
        Dense(_f5, F5Out, F6Out, F6W, F6B, _f6, relu: true);
        Dense(_f6, F6Out, OutputSize, F7W, F7B, _out, relu: false);
        ScalarMlp.Softmax(_out);
    }

    /// <summary>y[o, oy, ox] = ReLU(b[o] + Σ w[o, i, ky, kx] · x[i, oy + ky − pad, ox + kx − pad]), x taken as 0 outside.</summary>
    private void Conv(ReadOnlySpan<float> x, int inChannels, int inSize, int outSize, int pad, int outChannels, int w, int b, float[] y)
    {
        int size = inSize;
        for (int o = 0; o < outChannels; o++)
            for (int oy = 0; oy < outSize; oy++)
                for (int ox = 0; ox < outSize; ox++)
                {
                    float z = _p[b + o];
                    for (int i = 0; i < inChannels; i++)
                        for (int ky = 0; ky < K; ky++)
                        {
                            int iy = oy + ky - pad;
                            if (iy < 0 || iy >= size) continue;
                            for (int kx = 0; kx < K; kx++)
                            {
                                int ix = ox + kx - pad;
                                if (ix < 0 || ix >= size) continue;
                                z += _p[w + ((o * inChannels + i) * K + ky) * K + kx] * x[(i * size + iy) * size + ix];
                            }
                        }
                    y[(o * outSize + oy) * outSize + ox] = MathF.Max(z, 0f);
                }
    }

    /// <summary>2×2 max pooling with stride 2; from[j] is the index of the input that won (the first in row-major order on ties).</summary>
    private static void Pool(float[] x, int channels, int inSize, float[] y, int[] from)
    {
        int outSize = inSize / 2;
        for (int c = 0; c < channels; c++)
            for (int py = 0; py < outSize; py++)
                for (int px = 0; px < outSize; px++)
                {
                    int best = (c * inSize + 2 * py) * inSize + 2 * px;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++)
                        {
                            int i = (c * inSize + 2 * py + dy) * inSize + 2 * px + dx;
                            if (x[i] > x[best]) best = i;
                        }
                    int j = (c * outSize + py) * outSize + px;
                    y[j] = x[best];
                    from[j] = best;
                }
    }

    private void Dense(float[] x, int inSize, int outSize, int w, int b, float[] y, bool relu)
    {
        for (int o = 0; o < outSize; o++)
        {
            float z = _p[b + o];
            for (int i = 0; i < inSize; i++) z += _p[w + o * inSize + i] * x[i];
            y[o] = relu ? MathF.Max(z, 0f) : z;
        }
    }

    /// <summary>One SGD step on a batch of labelled samples (softmax cross-entropy, gradient averaged over the batch);
    /// returns the mean loss before the step.</summary>
    public float TrainStep(ReadOnlySpan<float> xs, ReadOnlySpan<int> labels, float learningRate)
    {
        int batch = labels.Length;
        float scale = 1f / batch;
        double loss = 0;
        Array.Clear(_g);
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<float> x = xs.Slice(s * InputSize, InputSize);
            Forward(x);
            loss -= Math.Log(_out[labels[s]]);
            for (int k = 0; k < OutputSize; k++) _dOut[k] = (_out[k] - (k == labels[s] ? 1f : 0f)) * scale;

            // Dense layers, top down: ∂W += dz xᵀ, ∂b += dz, dx = Wᵀ dz, then through the ReLU below.
            DenseBackward(_dOut, _f6, F6Out, OutputSize, F7W, F7B, _dF6);
            Relu(_dF6, _f6);
            DenseBackward(_dF6, _f5, F5Out, F6Out, F6W, F6B, _dF5);
            Relu(_dF5, _f5);
            DenseBackward(_dF5, _s4, F5In, F5Out, F5W, F5B, _dS4);

            // S4 → C3: each pooled gradient goes to the input that won; then C3's ReLU.
            Array.Clear(_dC3);
            for (int j = 0; j < F5In; j++) _dC3[_s4From[j]] += _dS4[j];
            Relu(_dC3, _c3);
            ConvBackward(_dC3, _s2, C3In, S2Size, C3Size, 0, C3Out, C3W, C3B, _dS2);

            Array.Clear(_dC1);
            for (int j = 0; j < _dS2.Length; j++) _dC1[_s2From[j]] += _dS2[j];
            Relu(_dC1, _c1);
            ConvBackward(_dC1, x, C1In, C1Size, C1Size, C1Pad, C1Out, C1W, C1B, null);
        }
        for (int i = 0; i < _p.Length; i++) _p[i] -= learningRate * _g[i];
        return (float)(loss / batch);
    }

    private static void Relu(float[] d, float[] y)
    {
        for (int i = 0; i < d.Length; i++) if (!(y[i] > 0f)) d[i] = 0f;
    }

    private void DenseBackward(float[] dz, float[] x, int inSize, int outSize, int w, int b, float[] dx)
    {
        for (int o = 0; o < outSize; o++)
        {
            _g[b + o] += dz[o];
            for (int i = 0; i < inSize; i++) _g[w + o * inSize + i] += dz[o] * x[i];
        }
        for (int i = 0; i < inSize; i++)
        {
            float sum = 0f;
            for (int o = 0; o < outSize; o++) sum += _p[w + o * inSize + i] * dz[o];
            dx[i] = sum;
        }
    }

    /// <summary>∂W[o, i, ky, kx] += Σ dz[o, oy, ox] · x[i, oy + ky − pad, ox + kx − pad]; ∂b[o] += Σ dz[o, ·, ·];
    /// dx[i, iy, ix] = Σ w[o, i, ky, kx] · dz[o, oy, ox] over the taps that read it (when <paramref name="dx"/> is given).</summary>
    private void ConvBackward(float[] dz, ReadOnlySpan<float> x, int inChannels, int inSize, int outSize, int pad, int outChannels, int w, int b, float[]? dx)
    {
        if (dx is not null) Array.Clear(dx);
        for (int o = 0; o < outChannels; o++)
            for (int oy = 0; oy < outSize; oy++)
                for (int ox = 0; ox < outSize; ox++)
                {
                    float d = dz[(o * outSize + oy) * outSize + ox];
                    _g[b + o] += d;
                    for (int i = 0; i < inChannels; i++)
                        for (int ky = 0; ky < K; ky++)
                        {
                            int iy = oy + ky - pad;
                            if (iy < 0 || iy >= inSize) continue;
                            for (int kx = 0; kx < K; kx++)
                            {
                                int ix = ox + kx - pad;
                                if (ix < 0 || ix >= inSize) continue;
                                int wi = w + ((o * inChannels + i) * K + ky) * K + kx, xi = (i * inSize + iy) * inSize + ix;
                                _g[wi] += d * x[xi];
                                if (dx is not null) dx[xi] += _p[wi] * d;
                            }
                        }
                }
    }
}
