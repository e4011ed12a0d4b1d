using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Support;

public static partial class DenseKernels
{
    /// <summary>
    /// Rows of W per register tile of the batched forward pass: 4 with 16 vector registers (AVX2, 128-bit), 8 with
    /// AVX-512's 32, where the 24 sums of 8 rows × 3 samples, the 3 vectors of x and one of W fit, and each load of x
    /// from L2 serves twice as many rows (the whole batch's x passes once per tile of rows). Rows with a scalar tail
    /// keep 4: the tail's scalar code for 24 dot products is more than the tile gains.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ForwardTileRows<TPath, TVector, TLayer>()
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
        => Wide<TPath, TVector>() && TLayer.Inputs % TPath.Count == 0 ? WideTile : 4;

    /// <summary>
    /// y = f(W·x + b) for <paramref name="batch"/> samples, outputs <paramref name="rowFrom"/> … <paramref name="rowTo"/> − 1
    /// (the whole layer: 0 and <see cref="IDenseLayer.Outputs"/>; a part of a layer trained by parts starts at a multiple
    /// of 8 and ends at one or at the layer's width). Blocks of rows of W are the outer loop (they stay in L1 while the
    /// batch passes); the inner loop takes 3 samples at a time, then 2 (one sample alone keeps too few dot products in
    /// flight to cover the multiply-add latency, so a remainder of one takes the last four samples as two tiles of two).
    /// </summary>
    /// <typeparam name="TPath">The instruction-set path.</typeparam>
    /// <typeparam name="TVector">The path's vector of floats.</typeparam>
    /// <typeparam name="TLayer">The layer's shape.</typeparam>
    /// <param name="w">W, [outputs, inputs] row-major.</param>
    /// <param name="b">b, when the layer has one (any reference otherwise).</param>
    /// <param name="x">The inputs, [batch, inputs].</param>
    /// <param name="y">The outputs, [batch, outputs].</param>
    /// <param name="batch">Samples, 1 or more.</param>
    /// <param name="rowFrom">The first output to compute.</param>
    /// <param name="rowTo">The output after the last to compute.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardBatch<TPath, TVector, TLayer>(ref float w, ref float b, ref float x, ref float y, int batch, int rowFrom, int rowTo)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int outputs = TLayer.Outputs, tileRows = ForwardTileRows<TPath, TVector, TLayer>();
        int blocked = outputs / tileRows * tileRows;
        for (int o = rowFrom, oEnd = Math.Min(rowTo, blocked); o < oEnd; o += tileRows)
        {
            if (tileRows == WideTile) ForwardSamples<TPath, TVector, TLayer, Count8>(ref w, ref b, ref x, ref y, o, batch);
            else ForwardSamples<TPath, TVector, TLayer, Count4>(ref w, ref b, ref x, ref y, o, batch);
        }
        // The last rows of W, fewer than a tile, as one block of their own.
        if (blocked == outputs || rowTo != outputs) return;
        switch (outputs - blocked)
        {
            case 1: ForwardSamples<TPath, TVector, TLayer, Count1>(ref w, ref b, ref x, ref y, blocked, batch); break;
            case 2: ForwardSamples<TPath, TVector, TLayer, Count2>(ref w, ref b, ref x, ref y, blocked, batch); break;
            case 3: ForwardSamples<TPath, TVector, TLayer, Count3>(ref w, ref b, ref x, ref y, blocked, batch); break;
            case 4: ForwardSamples<TPath, TVector, TLayer, Count4>(ref w, ref b, ref x, ref y, blocked, batch); break;
            case 5: ForwardSamples<TPath, TVector, TLayer, Count5>(ref w, ref b, ref x, ref y, blocked, batch); break;
            case 6: ForwardSamples<TPath, TVector, TLayer, Count6>(ref w, ref b, ref x, ref y, blocked, batch); break;
            default: ForwardSamples<TPath, TVector, TLayer, Count7>(ref w, ref b, ref x, ref y, blocked, batch); break;
        }
    }

    /// <summary>One block of <typeparamref name="TRows"/> rows of W starting at row <paramref name="o"/>, for every sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardSamples<TPath, TVector, TLayer, TRows>(ref float w, ref float b, ref float x, ref float y, int o, int batch)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer where TRows : struct, ICount
    {
        // Each tile shape is a method the JIT compiles on its first call: none is called that has no tile to compute.
        int tiled = batch % 3 == 1 && batch > 3 ? batch - 4 : batch, sample = 0;
        if (tiled >= 3) sample = ForwardTiles<TPath, TVector, TLayer, TRows, Count3>(ref w, ref b, ref x, ref y, o, 0, tiled);
        if (batch - sample >= 2) sample = ForwardTiles<TPath, TVector, TLayer, TRows, Count2>(ref w, ref b, ref x, ref y, o, sample, batch);
        if (sample < batch) ForwardTiles<TPath, TVector, TLayer, TRows, Count1>(ref w, ref b, ref x, ref y, o, sample, batch);
    }

    /// <summary>
    /// Tiles of <typeparamref name="TRows"/> rows of W (from row <paramref name="o"/>) × <typeparamref name="TSamples"/>
    /// samples, from <paramref name="sample"/> while a whole tile fits before <paramref name="end"/>. Each step of the dot
    /// products loads one vector of each sample's x and of each row of W for rows × samples multiply-adds. Without a
    /// scalar tail, each four rows' sums are folded into one vector (<see cref="IVectorPath{TVector}.SumFour"/>) for one
    /// add of the bias, f and one store; the other rows are summed one by one.
    /// </summary>
    /// <returns>The first sample not computed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ForwardTiles<TPath, TVector, TLayer, TRows, TSamples>(ref float w, ref float b, ref float x, ref float y, int o, int sample, int end)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
        where TRows : struct, ICount where TSamples : struct, ICount
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count;
        int rows = TRows.Value, samples = TSamples.Value;
        int full = inputs / width * width;
        // Rows whose sums are folded four at a time (no scalar tail, x86 paths).
        int grouped = full > 0 && full == inputs && TPath.FoldsFourSums ? rows / 4 * 4 : 0;
        ref float w0 = ref Unsafe.Add(ref w, o * inputs);
        ref float w1 = ref Ahead(rows > 1, ref w0, inputs);
        ref float w2 = ref Ahead(rows > 2, ref w0, 2 * inputs);
        ref float w3 = ref Ahead(rows > 3, ref w0, 3 * inputs);
        ref float w4 = ref Ahead(rows > 4, ref w0, 4 * inputs);
        ref float w5 = ref Ahead(rows > 5, ref w0, 5 * inputs);
        ref float w6 = ref Ahead(rows > 6, ref w0, 6 * inputs);
        ref float w7 = ref Ahead(rows > 7, ref w0, 7 * inputs);
        for (; sample + samples <= end; sample += samples)
        {
            ref float xa = ref Unsafe.Add(ref x, sample * inputs);
            ref float xb = ref Ahead(samples > 1, ref xa, inputs);
            ref float xc = ref Ahead(samples > 2, ref xa, 2 * inputs);
            ref float ya = ref Unsafe.Add(ref y, sample * outputs);
            ref float yb = ref Ahead(samples > 1, ref ya, outputs);
            ref float yc = ref Ahead(samples > 2, ref ya, 2 * outputs);
            TVector s0a = TPath.Zero, s0b = TPath.Zero, s0c = TPath.Zero, s1a = TPath.Zero, s1b = TPath.Zero, s1c = TPath.Zero;
            TVector s2a = TPath.Zero, s2b = TPath.Zero, s2c = TPath.Zero, s3a = TPath.Zero, s3b = TPath.Zero, s3c = TPath.Zero;
            TVector s4a = TPath.Zero, s4b = TPath.Zero, s4c = TPath.Zero, s5a = TPath.Zero, s5b = TPath.Zero, s5c = TPath.Zero;
            TVector s6a = TPath.Zero, s6b = TPath.Zero, s6c = TPath.Zero, s7a = TPath.Zero, s7b = TPath.Zero, s7c = TPath.Zero;
            // A native-sized index: the loads use it as it is, without a sign extension each.
            for (nuint i = 0; i < (nuint)full; i += (nuint)width)
            {
                var xai = TPath.Load(ref xa, i);
                var xbi = samples > 1 ? TPath.Load(ref xb, i) : TPath.Zero;
                var xci = samples > 2 ? TPath.Load(ref xc, i) : TPath.Zero;
                var wi = TPath.Load(ref w0, i);
                s0a = TPath.MultiplyAdd(wi, xai, s0a);
                if (samples > 1) s0b = TPath.MultiplyAdd(wi, xbi, s0b);
                if (samples > 2) s0c = TPath.MultiplyAdd(wi, xci, s0c);
                if (rows > 1)
                {
                    wi = TPath.Load(ref w1, i);
                    s1a = TPath.MultiplyAdd(wi, xai, s1a);
                    if (samples > 1) s1b = TPath.MultiplyAdd(wi, xbi, s1b);
                    if (samples > 2) s1c = TPath.MultiplyAdd(wi, xci, s1c);
                }
                if (rows > 2)
                {
                    wi = TPath.Load(ref w2, i);
                    s2a = TPath.MultiplyAdd(wi, xai, s2a);
                    if (samples > 1) s2b = TPath.MultiplyAdd(wi, xbi, s2b);
                    if (samples > 2) s2c = TPath.MultiplyAdd(wi, xci, s2c);
                }
                if (rows > 3)
                {
                    wi = TPath.Load(ref w3, i);
                    s3a = TPath.MultiplyAdd(wi, xai, s3a);
                    if (samples > 1) s3b = TPath.MultiplyAdd(wi, xbi, s3b);
                    if (samples > 2) s3c = TPath.MultiplyAdd(wi, xci, s3c);
                }
                if (rows > 4)
                {
                    wi = TPath.Load(ref w4, i);
                    s4a = TPath.MultiplyAdd(wi, xai, s4a);
                    if (samples > 1) s4b = TPath.MultiplyAdd(wi, xbi, s4b);
                    if (samples > 2) s4c = TPath.MultiplyAdd(wi, xci, s4c);
                }
                if (rows > 5)
                {
                    wi = TPath.Load(ref w5, i);
                    s5a = TPath.MultiplyAdd(wi, xai, s5a);
                    if (samples > 1) s5b = TPath.MultiplyAdd(wi, xbi, s5b);
                    if (samples > 2) s5c = TPath.MultiplyAdd(wi, xci, s5c);
                }
                if (rows > 6)
                {
                    wi = TPath.Load(ref w6, i);
                    s6a = TPath.MultiplyAdd(wi, xai, s6a);
                    if (samples > 1) s6b = TPath.MultiplyAdd(wi, xbi, s6b);
                    if (samples > 2) s6c = TPath.MultiplyAdd(wi, xci, s6c);
                }
                if (rows > 7)
                {
                    wi = TPath.Load(ref w7, i);
                    s7a = TPath.MultiplyAdd(wi, xai, s7a);
                    if (samples > 1) s7b = TPath.MultiplyAdd(wi, xbi, s7b);
                    if (samples > 2) s7c = TPath.MultiplyAdd(wi, xci, s7c);
                }
            }
            if (grouped >= 4)
            {
                FinishFour<TPath, TVector, TLayer>(s0a, s1a, s2a, s3a, ref b, ref ya, o);
                if (samples > 1) FinishFour<TPath, TVector, TLayer>(s0b, s1b, s2b, s3b, ref b, ref yb, o);
                if (samples > 2) FinishFour<TPath, TVector, TLayer>(s0c, s1c, s2c, s3c, ref b, ref yc, o);
            }
            if (grouped >= 8)
            {
                FinishFour<TPath, TVector, TLayer>(s4a, s5a, s6a, s7a, ref b, ref ya, o + 4);
                if (samples > 1) FinishFour<TPath, TVector, TLayer>(s4b, s5b, s6b, s7b, ref b, ref yb, o + 4);
                if (samples > 2) FinishFour<TPath, TVector, TLayer>(s4c, s5c, s6c, s7c, ref b, ref yc, o + 4);
            }
            if (grouped == rows) continue;
            if (grouped <= 0) FinishRow<TPath, TVector, TLayer, TSamples>(s0a, s0b, s0c, ref w0, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o);
            if (grouped <= 1 && rows > 1) FinishRow<TPath, TVector, TLayer, TSamples>(s1a, s1b, s1c, ref w1, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 1);
            if (grouped <= 2 && rows > 2) FinishRow<TPath, TVector, TLayer, TSamples>(s2a, s2b, s2c, ref w2, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 2);
            if (grouped <= 3 && rows > 3) FinishRow<TPath, TVector, TLayer, TSamples>(s3a, s3b, s3c, ref w3, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 3);
            if (grouped <= 4 && rows > 4) FinishRow<TPath, TVector, TLayer, TSamples>(s4a, s4b, s4c, ref w4, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 4);
            if (grouped <= 5 && rows > 5) FinishRow<TPath, TVector, TLayer, TSamples>(s5a, s5b, s5c, ref w5, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 5);
            if (grouped <= 6 && rows > 6) FinishRow<TPath, TVector, TLayer, TSamples>(s6a, s6b, s6c, ref w6, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 6);
            if (grouped <= 7 && rows > 7) FinishRow<TPath, TVector, TLayer, TSamples>(s7a, s7b, s7c, ref w7, ref xa, ref xb, ref xc, ref b, ref ya, ref yb, ref yc, o + 7);
        }
        return sample;
    }

    /// <summary>Outputs <paramref name="o"/> … o + 3 of one sample from their four sums: folded into one vector, bias, f, one store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishFour<TPath, TVector, TLayer>(TVector s0, TVector s1, TVector s2, TVector s3, ref float b, ref float y, int o)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        var z = TPath.SumFour(s0, s1, s2, s3);
        if (TLayer.Bias) z += Vector128.LoadUnsafe(ref b, (nuint)o);
        if (TLayer.Activation == Activation.ReLU) z = Vector128.MaxNative(Vector128<float>.Zero, z);
        Vector128.StoreUnsafe(z, ref y, (nuint)o);
        if (TLayer.Activation is Activation.Tanh or Activation.Sigmoid)
            for (int r = 0; r < 4; r++) Unsafe.Add(ref y, o + r) = Apply(TLayer.Activation, Unsafe.Add(ref y, o + r));
    }

    /// <summary>
    /// Output <paramref name="o"/> (row <paramref name="wr"/> of W) of each sample of a tile: its vector sum, then the
    /// scalar tail of the row, bias and f.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishRow<TPath, TVector, TLayer, TSamples>(TVector sa, TVector sb, TVector sc, ref float wr,
        ref float xa, ref float xb, ref float xc, ref float b, ref float ya, ref float yb, ref float yc, int o)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer where TSamples : struct, ICount
    {
        FinishOne<TPath, TVector, TLayer>(sa, ref wr, ref xa, ref b, ref ya, o);
        if (TSamples.Value > 1) FinishOne<TPath, TVector, TLayer>(sb, ref wr, ref xb, ref b, ref yb, o);
        if (TSamples.Value > 2) FinishOne<TPath, TVector, TLayer>(sc, ref wr, ref xc, ref b, ref yc, o);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishOne<TPath, TVector, TLayer>(TVector s, ref float wr, ref float xs, ref float b, ref float y, int o)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int inputs = TLayer.Inputs, full = inputs / TPath.Count * TPath.Count;
        float z = full > 0 ? TPath.Sum(s) : 0f;
        for (int i = full; i < inputs; i++) z += Unsafe.Add(ref wr, i) * Unsafe.Add(ref xs, i);
        if (TLayer.Bias) z += Unsafe.Add(ref b, o);
        Unsafe.Add(ref y, o) = Apply(TLayer.Activation, z);
    }
}
