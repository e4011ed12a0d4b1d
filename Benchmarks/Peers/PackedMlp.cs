using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// A prototype, not a peer: what the generator could emit instead of a dot product per output row. Each layer's weights
/// are repacked once, transposed into panels of 8 outputs ([panel][input][8], zero-padded), so the kernel broadcasts
/// one input value and multiplies it into vectors of 8 outputs: no horizontal sums, and in a batch a block of 4 samples
/// shares every load of the weights (4 samples × 16 outputs = 8 accumulators), so the weights are streamed once per 4
/// samples instead of once per sample. Forward only; hidden activations ReLU or identity; AVX2 + FMA (Vector256).
/// </summary>
public sealed class PackedMlp
{
    private const int Lanes = 8;
    private const int Block = 4;
    private readonly MlpSpec _spec;
    private readonly float[][] _panels;   // per layer: [ceil(out / 8)][in][8]
    private readonly float[][] _bias;     // per layer: [ceil(out / 8) * 8]
    private readonly int[] _padded;       // per layer: ceil(out / 8) * 8
    private readonly float[][] _scratch;  // per layer: Block samples × padded outputs

    public PackedMlp(MlpSpec spec, ReadOnlySpan<float> parameters)
    {
        foreach (DenseLayer layer in spec.Layers)
            if (layer.Activation is not (Activation.ReLU or Activation.Identity))
                throw new NotSupportedException("The packed prototype does ReLU and identity only.");
        if (!Vector256.IsHardwareAccelerated) throw new NotSupportedException("The packed prototype needs Vector256.");
        _spec = spec;
        int count = spec.Layers.Length;
        _panels = new float[count][];
        _bias = new float[count][];
        _padded = new int[count];
        _scratch = new float[count][];
        for (int l = 0; l < count; l++)
        {
            DenseLayer layer = spec.Layers[l];
            int panels = (layer.Out + Lanes - 1) / Lanes;
            _padded[l] = panels * Lanes;
            _panels[l] = new float[panels * layer.In * Lanes];
            _bias[l] = new float[panels * Lanes];
            _scratch[l] = new float[Block * panels * Lanes];
            ReadOnlySpan<float> w = parameters.Slice(spec.WeightOffsets[l], layer.WeightCount);
            for (int o = 0; o < layer.Out; o++)
                for (int i = 0; i < layer.In; i++)
                    _panels[l][((o / Lanes) * layer.In + i) * Lanes + o % Lanes] = w[o * layer.In + i];
            parameters.Slice(spec.BiasOffsets[l], layer.Out).CopyTo(_bias[l]);
        }
    }

    public void Predict(ReadOnlySpan<float> x, Span<float> y) => Run(x, y, 1);

    public void PredictBatch(ReadOnlySpan<float> xs, Span<float> ys)
    {
        int n = _spec.InputSize, m = _spec.OutputSize, batch = xs.Length / n;
        int s = 0;
        for (; s + Block <= batch; s += Block) Run(xs.Slice(s * n, Block * n), ys.Slice(s * m, Block * m), Block);
        for (; s < batch; s++) Run(xs.Slice(s * n, n), ys.Slice(s * m, m), 1);
    }

    /// <summary>1 or <see cref="Block"/> samples through every layer.</summary>
    private void Run(ReadOnlySpan<float> x, Span<float> y, int samples)
    {
        ref float input = ref MemoryMarshal.GetReference(x);
        int inputStride = _spec.InputSize;
        for (int l = 0; l < _spec.Layers.Length; l++)
        {
            DenseLayer layer = _spec.Layers[l];
            ref float output = ref MemoryMarshal.GetArrayDataReference(_scratch[l]);
            bool relu = layer.Activation == Activation.ReLU;
            if (samples == Block) Layer4(ref input, inputStride, layer.In, _padded[l] / Lanes, _panels[l], _bias[l], ref output, _padded[l], relu);
            else Layer1(ref input, layer.In, _padded[l] / Lanes, _panels[l], _bias[l], ref output, relu);
            input = ref output;
            inputStride = _padded[l];
        }
        int outputs = _spec.OutputSize;
        for (int s = 0; s < samples; s++)
        {
            Span<float> row = y.Slice(s * outputs, outputs);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref input, s * inputStride), outputs).CopyTo(row);
            if (_spec.Softmax) ScalarMlp.Softmax(row);
        }
    }

    /// <summary>One sample: per pair of panels, 2 accumulators; each input value is broadcast once.</summary>
    private static void Layer1(ref float x, int inputs, int panels, float[] packed, float[] bias, ref float y, bool relu)
    {
        ref float w = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        int q = 0;
        for (; q + 2 <= panels; q += 2)
        {
            ref float w0 = ref Unsafe.Add(ref w, q * inputs * Lanes);
            ref float w1 = ref Unsafe.Add(ref w0, inputs * Lanes);
            Vector256<float> a0 = Vector256.LoadUnsafe(ref b, (nuint)(q * Lanes)), a1 = Vector256.LoadUnsafe(ref b, (nuint)(q * Lanes + Lanes));
            Vector256<float> c0 = Vector256<float>.Zero, c1 = Vector256<float>.Zero;   // second chains hide the FMA latency
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                Vector256<float> xi = Vector256.Create(Unsafe.Add(ref x, i)), xj = Vector256.Create(Unsafe.Add(ref x, i + 1));
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes)), xi, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w1, (nuint)(i * Lanes)), xi, a1);
                c0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes + Lanes)), xj, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w1, (nuint)(i * Lanes + Lanes)), xj, c1);
            }
            for (; i < inputs; i++)
            {
                Vector256<float> xi = Vector256.Create(Unsafe.Add(ref x, i));
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes)), xi, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w1, (nuint)(i * Lanes)), xi, a1);
            }
            Store(a0 + c0, ref y, q * Lanes, relu);
            Store(a1 + c1, ref y, q * Lanes + Lanes, relu);
        }
        if (q < panels)
        {
            ref float w0 = ref Unsafe.Add(ref w, q * inputs * Lanes);
            Vector256<float> a0 = Vector256.LoadUnsafe(ref b, (nuint)(q * Lanes)), c0 = Vector256<float>.Zero;
            int i = 0;
            for (; i + 2 <= inputs; i += 2)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes)), Vector256.Create(Unsafe.Add(ref x, i)), a0);
                c0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes + Lanes)), Vector256.Create(Unsafe.Add(ref x, i + 1)), c0);
            }
            for (; i < inputs; i++)
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref w0, (nuint)(i * Lanes)), Vector256.Create(Unsafe.Add(ref x, i)), a0);
            Store(a0 + c0, ref y, q * Lanes, relu);
        }
    }

    /// <summary>Four samples: per pair of panels, 4 × 2 accumulators; each pair of weight vectors is loaded once for all four.</summary>
    private static void Layer4(ref float x, int stride, int inputs, int panels, float[] packed, float[] bias, ref float y, int yStride, bool relu)
    {
        ref float w = ref MemoryMarshal.GetArrayDataReference(packed);
        ref float b = ref MemoryMarshal.GetArrayDataReference(bias);
        ref float x0 = ref x;
        ref float x1 = ref Unsafe.Add(ref x, stride);
        ref float x2 = ref Unsafe.Add(ref x, 2 * stride);
        ref float x3 = ref Unsafe.Add(ref x, 3 * stride);
        for (int q = 0; q < panels; q += 2)
        {
            bool pair = q + 1 < panels;
            ref float wa = ref Unsafe.Add(ref w, q * inputs * Lanes);
            ref float wb = ref pair ? ref Unsafe.Add(ref wa, inputs * Lanes) : ref wa;
            Vector256<float> ba = Vector256.LoadUnsafe(ref b, (nuint)(q * Lanes));
            Vector256<float> bb = pair ? Vector256.LoadUnsafe(ref b, (nuint)(q * Lanes + Lanes)) : ba;
            Vector256<float> a0 = ba, a1 = ba, a2 = ba, a3 = ba, c0 = bb, c1 = bb, c2 = bb, c3 = bb;
            for (int i = 0; i < inputs; i++)
            {
                Vector256<float> va = Vector256.LoadUnsafe(ref wa, (nuint)(i * Lanes));
                Vector256<float> vb = Vector256.LoadUnsafe(ref wb, (nuint)(i * Lanes));
                Vector256<float> s = Vector256.Create(Unsafe.Add(ref x0, i));
                a0 = Vector256.FusedMultiplyAdd(va, s, a0); c0 = Vector256.FusedMultiplyAdd(vb, s, c0);
                s = Vector256.Create(Unsafe.Add(ref x1, i));
                a1 = Vector256.FusedMultiplyAdd(va, s, a1); c1 = Vector256.FusedMultiplyAdd(vb, s, c1);
                s = Vector256.Create(Unsafe.Add(ref x2, i));
                a2 = Vector256.FusedMultiplyAdd(va, s, a2); c2 = Vector256.FusedMultiplyAdd(vb, s, c2);
                s = Vector256.Create(Unsafe.Add(ref x3, i));
                a3 = Vector256.FusedMultiplyAdd(va, s, a3); c3 = Vector256.FusedMultiplyAdd(vb, s, c3);
            }
            int o = q * Lanes;
            Store(a0, ref y, o, relu); Store(a1, ref y, yStride + o, relu);
            Store(a2, ref y, 2 * yStride + o, relu); Store(a3, ref y, 3 * yStride + o, relu);
            if (pair)
            {
                o += Lanes;
                Store(c0, ref y, o, relu); Store(c1, ref y, yStride + o, relu);
                Store(c2, ref y, 2 * yStride + o, relu); Store(c3, ref y, 3 * yStride + o, relu);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> z, ref float y, int offset, bool relu) =>
        Vector256.StoreUnsafe(relu ? Vector256.Max(z, Vector256<float>.Zero) : z, ref y, (nuint)offset);
}
