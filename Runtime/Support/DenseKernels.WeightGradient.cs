using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetCompiler.Support;

public static partial class DenseKernels
{
    /// <summary>Vectors of outputs summed together by the bias gradient: independent sums, so the adds do not wait on each other.</summary>
    private const int BiasVectors = 4;

    /// <summary>
    /// Rows of ∂E/∂W per register tile: 4, or 8 on AVX-512 (8 × 3 vectors = 24 sums, 3 of x and a broadcast in its 32
    /// registers), so that each load of x serves 8 rows: when rows of x are a multiple of 4 KB apart (1,024 inputs) the
    /// batch's slice of x maps to a few L1 sets and comes from L2 again for every tile. Parts of a layer trained by parts
    /// start at multiples of 16 rows, so no tile crosses one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GradientTileRows<TPath, TVector>() where TPath : struct, IVectorPath<TVector> where TVector : struct
        => Wide<TPath, TVector>() ? WideTile : 4;

    /// <summary>
    /// Whether the weight gradient copies each column block's slice of x (the batch's rows) to a contiguous buffer first:
    /// when rows of x are a multiple of 1 KB apart (a multiple of 256 inputs), which puts the slices of 64 rows on at most
    /// 4 of L1's 64 sets, and enough rows of W (32: 4 tiles of 8 on AVX-512) reuse the copy. Without it such slices come
    /// from L2 again for every tile of rows; for rows that do not alias (784 inputs: 49 lines apart) the copy only
    /// costs, so they keep x in place. The products and sums are the same either way, so are the bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool PacksInput<TPath, TVector, TLayer>()
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
        => TLayer.Outputs >= 32 && TLayer.Inputs % 256 == 0 && TLayer.Inputs > ColumnVectors * TPath.Count;

    /// <summary>
    /// ∂E/∂b = Σ_s dz[s] over <paramref name="batch"/> samples for outputs <paramref name="from"/> … <paramref name="to"/> − 1,
    /// added to <paramref name="gb"/> with <paramref name="accumulate"/>, written over it without: 4 vectors of outputs
    /// at a time, then one, then single outputs. Each output is summed over the samples in order whichever way it is
    /// reached, so a range gets the same bits as the whole layer.
    /// </summary>
    /// <typeparam name="TPath">The instruction-set path (the widest whose vectors fit the outputs).</typeparam>
    /// <typeparam name="TVector">The path's vector of floats.</typeparam>
    /// <typeparam name="TLayer">The layer's shape.</typeparam>
    /// <param name="gb">∂E/∂b.</param>
    /// <param name="dz">∂E/∂z, [batch, outputs].</param>
    /// <param name="batch">Samples, 1 or more.</param>
    /// <param name="accumulate">Add to gb rather than write over it.</param>
    /// <param name="from">The first output.</param>
    /// <param name="to">The output after the last.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BiasGradient<TPath, TVector, TLayer>(ref float gb, ref float dz, int batch, bool accumulate, int from, int to)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int outputs = TLayer.Outputs, width = TPath.Count;
        int ob = from;
        for (; ob + BiasVectors * width <= to; ob += BiasVectors * width)
        {
            var b0 = accumulate ? TPath.Load(ref gb, (nuint)ob) : TPath.Zero;
            var b1 = accumulate ? TPath.Load(ref gb, (nuint)(ob + width)) : TPath.Zero;
            var b2 = accumulate ? TPath.Load(ref gb, (nuint)(ob + 2 * width)) : TPath.Zero;
            var b3 = accumulate ? TPath.Load(ref gb, (nuint)(ob + 3 * width)) : TPath.Zero;
            ref float ds = ref Unsafe.Add(ref dz, ob);
            for (int sample = 0; sample < batch; sample++)
            {
                b0 = TPath.Add(b0, TPath.Load(ref ds, 0));
                b1 = TPath.Add(b1, TPath.Load(ref ds, (nuint)width));
                b2 = TPath.Add(b2, TPath.Load(ref ds, (nuint)(2 * width)));
                b3 = TPath.Add(b3, TPath.Load(ref ds, (nuint)(3 * width)));
                ds = ref Unsafe.Add(ref ds, outputs);
            }
            TPath.Store(b0, ref gb, (nuint)ob);
            TPath.Store(b1, ref gb, (nuint)(ob + width));
            TPath.Store(b2, ref gb, (nuint)(ob + 2 * width));
            TPath.Store(b3, ref gb, (nuint)(ob + 3 * width));
        }
        for (; ob + width <= to; ob += width)
        {
            var b0 = accumulate ? TPath.Load(ref gb, (nuint)ob) : TPath.Zero;
            ref float ds = ref Unsafe.Add(ref dz, ob);
            for (int sample = 0; sample < batch; sample++)
            {
                b0 = TPath.Add(b0, TPath.Load(ref ds, 0));
                ds = ref Unsafe.Add(ref ds, outputs);
            }
            TPath.Store(b0, ref gb, (nuint)ob);
        }
        for (; ob < to; ob++)
        {
            float t = accumulate ? Unsafe.Add(ref gb, ob) : 0f;
            for (int sample = 0; sample < batch; sample++) t += Unsafe.Add(ref dz, sample * outputs + ob);
            Unsafe.Add(ref gb, ob) = t;
        }
    }

    /// <summary>
    /// ∂E/∂W = Σ_s dz[s]·x[s]ᵀ over <paramref name="batch"/> samples for rows <paramref name="rowFrom"/> … <paramref name="rowTo"/> − 1,
    /// added to <paramref name="gw"/> with <paramref name="accumulate"/>, written over it without (a batch's first chunk:
    /// the tiles then start from zero instead of loading gw, loads that would miss the caches and stall every tile).
    /// A tile of rows × 3 vectors of columns stays in registers while the whole batch is added into it, so the gradient
    /// is read and written once per batch. Column blocks are the outer loop: the batch's slice of x for one block stays
    /// in L1 while every row block uses it.
    /// </summary>
    /// <typeparam name="TPath">The instruction-set path (the widest whose vectors fit the inputs).</typeparam>
    /// <typeparam name="TVector">The path's vector of floats.</typeparam>
    /// <typeparam name="TLayer">The layer's shape.</typeparam>
    /// <param name="gw">∂E/∂W, [outputs, inputs].</param>
    /// <param name="x">The inputs, [batch, inputs].</param>
    /// <param name="dz">∂E/∂z, [batch, outputs].</param>
    /// <param name="batch">Samples, 1 or more.</param>
    /// <param name="accumulate">Add to gw rather than write over it.</param>
    /// <param name="rowFrom">The first row (0, or a multiple of 16).</param>
    /// <param name="rowTo">The row after the last (a multiple of 16, or the layer's outputs).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightGradient<TPath, TVector, TLayer>(ref float gw, ref float x, ref float dz, int batch, bool accumulate, int rowFrom, int rowTo)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        if (!PacksInput<TPath, TVector, TLayer>() || batch <= MaxBatch)
        {
            WeightGradientChunk<TPath, TVector, TLayer>(ref gw, ref x, ref dz, batch, accumulate, rowFrom, rowTo);
            return;
        }
        // The packed slice holds MaxBatch samples: a larger batch (a whole-batch training step) goes in chunks, each
        // after the first adding to the sums the one before stored, which are the same floats: the same bits.
        for (int first = 0; first < batch; first += MaxBatch)
            WeightGradientChunk<TPath, TVector, TLayer>(ref gw, ref Unsafe.Add(ref x, first * TLayer.Inputs), ref Unsafe.Add(ref dz, first * TLayer.Outputs),
                Math.Min(MaxBatch, batch - first), accumulate || first > 0, rowFrom, rowTo);
    }

    /// <summary><see cref="WeightGradient"/> for at most <see cref="MaxBatch"/> samples when the kernel packs x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradientChunk<TPath, TVector, TLayer>(ref float gw, ref float x, ref float dz, int batch, bool accumulate, int rowFrom, int rowTo)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count;
        int full = inputs / width * width, step = ColumnVectors * width, whole = full / step * step;
        bool pack = PacksInput<TPath, TVector, TLayer>();
        // The packed slice: at most MaxBatch samples × 3 vectors, from a 64-byte boundary (not cleared: every float read is written first).
        Span<float> buffer = pack ? stackalloc float[MaxBatch * ColumnVectors * width + 16] : default;
        ref float xp = ref pack ? ref NetworkSupport.Aligned(ref MemoryMarshal.GetReference(buffer)) : ref x;
        for (int i = 0; i < whole; i += step)
            GradientColumns<TPath, TVector, TLayer, Count3>(ref gw, ref x, ref xp, ref dz, batch, accumulate, rowFrom, rowTo, i);
        // The remaining one or two full vectors of columns, as one block.
        if (full - whole == width)
            GradientColumns<TPath, TVector, TLayer, Count1>(ref gw, ref x, ref xp, ref dz, batch, accumulate, rowFrom, rowTo, whole);
        else if (full - whole == 2 * width)
            GradientColumns<TPath, TVector, TLayer, Count2>(ref gw, ref x, ref xp, ref dz, batch, accumulate, rowFrom, rowTo, whole);
        // The scalar tail: the last columns.
        for (int i = full; i < inputs; i++)
            for (int o = rowFrom; o < rowTo; o++)
            {
                float t = 0f;
                for (int sample = 0; sample < batch; sample++) t += Unsafe.Add(ref dz, sample * outputs + o) * Unsafe.Add(ref x, sample * inputs + i);
                ref float g = ref Unsafe.Add(ref gw, o * inputs + i);
                g = accumulate ? g + t : t;
            }
    }

    /// <summary>One block of <typeparamref name="TVectors"/> vectors of columns from column <paramref name="i"/>, every row of the range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GradientColumns<TPath, TVector, TLayer, TVectors>(ref float gw, ref float x, ref float xp, ref float dz,
        int batch, bool accumulate, int rowFrom, int rowTo, int i)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer where TVectors : struct, ICount
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count, vectors = TVectors.Value;
        int tileRows = GradientTileRows<TPath, TVector>(), blockedRows = outputs / tileRows * tileRows;
        bool pack = PacksInput<TPath, TVector, TLayer>();
        if (pack)
        {
            // This block's columns of every sample, side by side.
            for (int sample = 0; sample < batch; sample++)
            {
                ref float xr = ref Unsafe.Add(ref x, sample * inputs + i);
                ref float xq = ref Unsafe.Add(ref xp, sample * vectors * width);
                TPath.Store(TPath.Load(ref xr, 0), ref xq, 0);
                if (vectors > 1) TPath.Store(TPath.Load(ref xr, (nuint)width), ref xq, (nuint)width);
                if (vectors > 2) TPath.Store(TPath.Load(ref xr, (nuint)(2 * width)), ref xq, (nuint)(2 * width));
            }
        }
        ref float xs = ref pack ? ref xp : ref Unsafe.Add(ref x, i);
        int end = Math.Min(rowTo, blockedRows);
        if (rowFrom >= end) { }
        else if (tileRows == WideTile) GradientTiles<TPath, TVector, TLayer, Count8, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, rowFrom, end, i);
        else GradientTiles<TPath, TVector, TLayer, Count4, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, rowFrom, end, i);
        // The last rows, fewer than a tile, as one tile of their own.
        if (blockedRows == outputs || rowTo != outputs) return;
        switch (outputs - blockedRows)
        {
            case 1: GradientTiles<TPath, TVector, TLayer, Count1, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            case 2: GradientTiles<TPath, TVector, TLayer, Count2, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            case 3: GradientTiles<TPath, TVector, TLayer, Count3, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            case 4: GradientTiles<TPath, TVector, TLayer, Count4, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            case 5: GradientTiles<TPath, TVector, TLayer, Count5, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            case 6: GradientTiles<TPath, TVector, TLayer, Count6, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
            default: GradientTiles<TPath, TVector, TLayer, Count7, TVectors>(ref gw, ref xs, ref dz, batch, accumulate, blockedRows, outputs, i); break;
        }
    }

    /// <summary>
    /// Tiles of <typeparamref name="TRows"/> rows × <typeparamref name="TVectors"/> vectors of ∂E/∂W, rows
    /// <paramref name="o"/> … <paramref name="end"/> − 1 at column <paramref name="i"/>: for each sample, one load per
    /// vector of x and one broadcast per row of dz for rows × vectors multiply-adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientTiles<TPath, TVector, TLayer, TRows, TVectors>(ref float gw, ref float xs0, ref float dz,
        int batch, bool accumulate, int o, int end, int i)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
        where TRows : struct, ICount where TVectors : struct, ICount
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count, rows = TRows.Value, vectors = TVectors.Value;
        // Samples are rows of x, or rows of the packed slice.
        int xStride = PacksInput<TPath, TVector, TLayer>() ? vectors * width : inputs;
        nuint c0 = (nuint)i, c1 = (nuint)(i + width), c2 = (nuint)(i + 2 * width);
        for (; o < end; o += rows)
        {
            ref float g0 = ref Unsafe.Add(ref gw, o * inputs);
            ref float g1 = ref Ahead(rows > 1, ref g0, inputs);
            ref float g2 = ref Ahead(rows > 2, ref g0, 2 * inputs);
            ref float g3 = ref Ahead(rows > 3, ref g0, 3 * inputs);
            ref float g4 = ref Ahead(rows > 4, ref g0, 4 * inputs);
            ref float g5 = ref Ahead(rows > 5, ref g0, 5 * inputs);
            ref float g6 = ref Ahead(rows > 6, ref g0, 6 * inputs);
            ref float g7 = ref Ahead(rows > 7, ref g0, 7 * inputs);
            var a00 = accumulate ? TPath.Load(ref g0, c0) : TPath.Zero;
            var a01 = vectors > 1 && accumulate ? TPath.Load(ref g0, c1) : TPath.Zero;
            var a02 = vectors > 2 && accumulate ? TPath.Load(ref g0, c2) : TPath.Zero;
            var a10 = rows > 1 && accumulate ? TPath.Load(ref g1, c0) : TPath.Zero;
            var a11 = rows > 1 && vectors > 1 && accumulate ? TPath.Load(ref g1, c1) : TPath.Zero;
            var a12 = rows > 1 && vectors > 2 && accumulate ? TPath.Load(ref g1, c2) : TPath.Zero;
            var a20 = rows > 2 && accumulate ? TPath.Load(ref g2, c0) : TPath.Zero;
            var a21 = rows > 2 && vectors > 1 && accumulate ? TPath.Load(ref g2, c1) : TPath.Zero;
            var a22 = rows > 2 && vectors > 2 && accumulate ? TPath.Load(ref g2, c2) : TPath.Zero;
            var a30 = rows > 3 && accumulate ? TPath.Load(ref g3, c0) : TPath.Zero;
            var a31 = rows > 3 && vectors > 1 && accumulate ? TPath.Load(ref g3, c1) : TPath.Zero;
            var a32 = rows > 3 && vectors > 2 && accumulate ? TPath.Load(ref g3, c2) : TPath.Zero;
            var a40 = rows > 4 && accumulate ? TPath.Load(ref g4, c0) : TPath.Zero;
            var a41 = rows > 4 && vectors > 1 && accumulate ? TPath.Load(ref g4, c1) : TPath.Zero;
            var a42 = rows > 4 && vectors > 2 && accumulate ? TPath.Load(ref g4, c2) : TPath.Zero;
            var a50 = rows > 5 && accumulate ? TPath.Load(ref g5, c0) : TPath.Zero;
            var a51 = rows > 5 && vectors > 1 && accumulate ? TPath.Load(ref g5, c1) : TPath.Zero;
            var a52 = rows > 5 && vectors > 2 && accumulate ? TPath.Load(ref g5, c2) : TPath.Zero;
            var a60 = rows > 6 && accumulate ? TPath.Load(ref g6, c0) : TPath.Zero;
            var a61 = rows > 6 && vectors > 1 && accumulate ? TPath.Load(ref g6, c1) : TPath.Zero;
            var a62 = rows > 6 && vectors > 2 && accumulate ? TPath.Load(ref g6, c2) : TPath.Zero;
            var a70 = rows > 7 && accumulate ? TPath.Load(ref g7, c0) : TPath.Zero;
            var a71 = rows > 7 && vectors > 1 && accumulate ? TPath.Load(ref g7, c1) : TPath.Zero;
            var a72 = rows > 7 && vectors > 2 && accumulate ? TPath.Load(ref g7, c2) : TPath.Zero;
            // xs and ds step from sample to sample, so the loads are constant offsets from them.
            ref float xs = ref xs0;
            ref float ds = ref Unsafe.Add(ref dz, o);
            for (int sample = 0; sample < batch; sample++)
            {
                var x0 = TPath.Load(ref xs, 0);
                var x1 = vectors > 1 ? TPath.Load(ref xs, (nuint)width) : TPath.Zero;
                var x2 = vectors > 2 ? TPath.Load(ref xs, (nuint)(2 * width)) : TPath.Zero;
                var d = TPath.Create(ds);
                a00 = TPath.MultiplyAdd(d, x0, a00);
                if (vectors > 1) a01 = TPath.MultiplyAdd(d, x1, a01);
                if (vectors > 2) a02 = TPath.MultiplyAdd(d, x2, a02);
                if (rows > 1)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 1));
                    a10 = TPath.MultiplyAdd(d, x0, a10);
                    if (vectors > 1) a11 = TPath.MultiplyAdd(d, x1, a11);
                    if (vectors > 2) a12 = TPath.MultiplyAdd(d, x2, a12);
                }
                if (rows > 2)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 2));
                    a20 = TPath.MultiplyAdd(d, x0, a20);
                    if (vectors > 1) a21 = TPath.MultiplyAdd(d, x1, a21);
                    if (vectors > 2) a22 = TPath.MultiplyAdd(d, x2, a22);
                }
                if (rows > 3)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 3));
                    a30 = TPath.MultiplyAdd(d, x0, a30);
                    if (vectors > 1) a31 = TPath.MultiplyAdd(d, x1, a31);
                    if (vectors > 2) a32 = TPath.MultiplyAdd(d, x2, a32);
                }
                if (rows > 4)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 4));
                    a40 = TPath.MultiplyAdd(d, x0, a40);
                    if (vectors > 1) a41 = TPath.MultiplyAdd(d, x1, a41);
                    if (vectors > 2) a42 = TPath.MultiplyAdd(d, x2, a42);
                }
                if (rows > 5)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 5));
                    a50 = TPath.MultiplyAdd(d, x0, a50);
                    if (vectors > 1) a51 = TPath.MultiplyAdd(d, x1, a51);
                    if (vectors > 2) a52 = TPath.MultiplyAdd(d, x2, a52);
                }
                if (rows > 6)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 6));
                    a60 = TPath.MultiplyAdd(d, x0, a60);
                    if (vectors > 1) a61 = TPath.MultiplyAdd(d, x1, a61);
                    if (vectors > 2) a62 = TPath.MultiplyAdd(d, x2, a62);
                }
                if (rows > 7)
                {
                    d = TPath.Create(Unsafe.Add(ref ds, 7));
                    a70 = TPath.MultiplyAdd(d, x0, a70);
                    if (vectors > 1) a71 = TPath.MultiplyAdd(d, x1, a71);
                    if (vectors > 2) a72 = TPath.MultiplyAdd(d, x2, a72);
                }
                xs = ref Unsafe.Add(ref xs, xStride);
                ds = ref Unsafe.Add(ref ds, outputs);
            }
            StoreRow<TPath, TVector, TVectors>(a00, a01, a02, ref g0, c0, c1, c2);
            if (rows > 1) StoreRow<TPath, TVector, TVectors>(a10, a11, a12, ref g1, c0, c1, c2);
            if (rows > 2) StoreRow<TPath, TVector, TVectors>(a20, a21, a22, ref g2, c0, c1, c2);
            if (rows > 3) StoreRow<TPath, TVector, TVectors>(a30, a31, a32, ref g3, c0, c1, c2);
            if (rows > 4) StoreRow<TPath, TVector, TVectors>(a40, a41, a42, ref g4, c0, c1, c2);
            if (rows > 5) StoreRow<TPath, TVector, TVectors>(a50, a51, a52, ref g5, c0, c1, c2);
            if (rows > 6) StoreRow<TPath, TVector, TVectors>(a60, a61, a62, ref g6, c0, c1, c2);
            if (rows > 7) StoreRow<TPath, TVector, TVectors>(a70, a71, a72, ref g7, c0, c1, c2);
        }
    }

    /// <summary>The first <typeparamref name="TVectors"/> of three vectors, to r at offsets c0, c1, c2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TPath, TVector, TVectors>(TVector v0, TVector v1, TVector v2, ref float r, nuint c0, nuint c1, nuint c2)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TVectors : struct, ICount
    {
        TPath.Store(v0, ref r, c0);
        if (TVectors.Value > 1) TPath.Store(v1, ref r, c1);
        if (TVectors.Value > 2) TPath.Store(v2, ref r, c2);
    }
}
