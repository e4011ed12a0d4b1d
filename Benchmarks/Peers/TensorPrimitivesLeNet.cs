using System;
using System.Numerics.Tensors;
using static NetCompiler.Benchmarks.LeNetSpec;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// LeNet-5 inference as a C# developer would write it with System.Numerics.Tensors: each convolution as im2col (one
/// row of in-channels × 5 × 5 input values per output position, zeros where the padding is) and one
/// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> per output value (filter row · patch
/// row); bias and ReLU with <c>Add</c>/<c>Max</c> over each channel; 2×2 max pooling with <c>Max</c> of two input rows,
/// then the larger of each pair; dense layers with one <c>Dot</c> per neuron and <c>SoftMax</c> at the end. Forward only.
/// </summary>
public sealed class TensorPrimitivesLeNet
{
    private const int C1Patch = C1In * K * K, C3Patch = C3In * K * K;
    private readonly float[] _p;
    private readonly float[] _cols1 = new float[C1Size * C1Size * C1Patch], _cols3 = new float[C3Size * C3Size * C3Patch];
    private readonly float[] _c1 = new float[C1Out * C1Size * C1Size], _s2 = new float[C1Out * S2Size * S2Size];
    private readonly float[] _c3 = new float[C3Out * C3Size * C3Size], _s4 = new float[F5In];
    private readonly float[] _f5 = new float[F5Out], _f6 = new float[F6Out], _row = new float[C1Size];

    public TensorPrimitivesLeNet(ReadOnlySpan<float> parameters) => _p = parameters.ToArray();

    public void Predict(ReadOnlySpan<float> x, Span<float> y)
    {
        ReadOnlySpan<float> p = _p;
        Im2Col(x, C1In, C1Size, C1Size, C1Pad, _cols1);
        Conv(_cols1, C1Patch, C1Size * C1Size, C1Out, p.Slice(C1W, C1Out * C1Patch), p.Slice(C1B, C1Out), _c1);
        Pool(_c1, C1Out, C1Size, _s2);
        Im2Col(_s2, C3In, S2Size, C3Size, 0, _cols3);
        Conv(_cols3, C3Patch, C3Size * C3Size, C3Out, p.Slice(C3W, C3Out * C3Patch), p.Slice(C3B, C3Out), _c3);
        Pool(_c3, C3Out, C3Size, _s4);
        Dense(_s4, p.Slice(F5W, F5Out * F5In), p.Slice(F5B, F5Out), _f5, relu: true);
        Dense(_f5, p.Slice(F6W, F6Out * F5Out), p.Slice(F6B, F6Out), _f6, relu: true);
        Dense(_f6, p.Slice(F7W, OutputSize * F6Out), p.Slice(F7B, OutputSize), y, relu: false);
        TensorPrimitives.SoftMax(y[..OutputSize], y);
    }

    public void PredictBatch(ReadOnlySpan<float> xs, Span<float> ys)
    {
        for (int s = 0; s < xs.Length / InputSize; s++) Predict(xs.Slice(s * InputSize, InputSize), ys.Slice(s * OutputSize, OutputSize));
    }

    /// <summary>cols[pos, (i, ky, kx)] = x[i, oy + ky − pad, ox + kx − pad] (0 outside), pos = oy · outSize + ox.</summary>
    private static void Im2Col(ReadOnlySpan<float> x, int inChannels, int inSize, int outSize, int pad, float[] cols)
    {
        int patch = inChannels * K * K, q = 0;
        for (int oy = 0; oy < outSize; oy++)
            for (int ox = 0; ox < outSize; ox++, q += patch)
            {
                Span<float> row = cols.AsSpan(q, patch);
                int r = 0;
                for (int i = 0; i < inChannels; i++)
                    for (int ky = 0; ky < K; ky++, r += K)
                    {
                        int iy = oy + ky - pad, ix = ox - pad;
                        if (iy < 0 || iy >= inSize) { row.Slice(r, K).Clear(); continue; }
                        if (ix >= 0 && ix + K <= inSize) { x.Slice((i * inSize + iy) * inSize + ix, K).CopyTo(row.Slice(r, K)); continue; }
                        for (int kx = 0; kx < K; kx++)
                            row[r + kx] = ix + kx >= 0 && ix + kx < inSize ? x[(i * inSize + iy) * inSize + ix + kx] : 0f;
                    }
            }
    }

    private static void Conv(ReadOnlySpan<float> cols, int patch, int positions, int outChannels, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        for (int o = 0; o < outChannels; o++)
        {
            ReadOnlySpan<float> filter = w.Slice(o * patch, patch);
            Span<float> map = y.Slice(o * positions, positions);
            for (int q = 0; q < positions; q++) map[q] = TensorPrimitives.Dot(filter, cols.Slice(q * patch, patch));
            TensorPrimitives.Add(map, b[o], map);
            TensorPrimitives.Max(map, 0f, map);
        }
    }

    private void Pool(ReadOnlySpan<float> x, int channels, int inSize, Span<float> y)
    {
        int outSize = inSize / 2;
        Span<float> row = _row.AsSpan(0, inSize);
        for (int c = 0; c < channels; c++)
            for (int py = 0; py < outSize; py++)
            {
                int top = (c * inSize + 2 * py) * inSize;
                TensorPrimitives.Max(x.Slice(top, inSize), x.Slice(top + inSize, inSize), row);
                for (int px = 0; px < outSize; px++) y[(c * outSize + py) * outSize + px] = MathF.Max(row[2 * px], row[2 * px + 1]);
            }
    }

    private static void Dense(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y, bool relu)
    {
        int n = x.Length;
        for (int o = 0; o < b.Length; o++) y[o] = TensorPrimitives.Dot(w.Slice(o * n, n), x);
        Span<float> z = y[..b.Length];
        TensorPrimitives.Add(z, b, z);
        if (relu) TensorPrimitives.Max(z, 0f, z);
    }
}
