using System;
using System.Runtime.CompilerServices;

namespace NetCompiler.Support;

public static partial class DenseKernels
{
    /// <summary>Samples per register tile of the input gradient with 16 vector registers (3 samples × 3 vectors = 9 sums, 3 of W).</summary>
    private const int BackwardSamples = 3;

    /// <summary>
    /// Rows of W per pass of the input gradient when a layer has more outputs than this. A block of inputs reads a slice
    /// of every row of W once per tile of samples; rows of 1,024 floats are 4 KB apart, so a slice of 1,024 rows falls into
    /// a sixteenth of L2's sets, does not stay there, and is fetched again from L3 by every tile, a new page per row (no
    /// hardware prefetch). A pass over 128 rows keeps its slice (128 × 3 lines) in L2 for all the tiles.
    /// </summary>
    private const int BackwardRowBlock = 128;

    /// <summary>
    /// Samples per register tile of the input gradient: 3, or 8 on AVX-512 (8 × 3 = 24 sums, 3 of W and a broadcast in
    /// its 32 registers), so that each load of W serves 8 samples instead of 3: a wide layer's slice of W (every row of 3
    /// vectors of inputs: 192 KB for 1,024 rows) does not stay in L1 and streams from L2 once per tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BackwardTileSamples<TPath, TVector>() where TPath : struct, IVectorPath<TVector> where TVector : struct
        => Wide<TPath, TVector>() ? WideTile : BackwardSamples;

    /// <summary>
    /// ∂E/∂z of the layer below = f′(x)·Wᵀ·dz for <paramref name="batch"/> samples, where x is this layer's input (the
    /// output of the layer below, whose activation is <see cref="IDenseLayer.Below"/>): the derivative applied in the same
    /// pass. Blocks of 3 vectors of inputs are the outer loop (that slice of W, every row, stays in L1 while the whole
    /// batch passes, or L2 for wide layers), then tiles of samples; for each row o of W a tile loads its vectors once and
    /// multiplies them by each sample's dz[o]. Layers with more than 128 outputs run that in passes over blocks of 128 rows
    /// of W, the sums carried from one pass to the next in dzBelow (stored and reloaded as the same floats) and f′ applied
    /// by the last pass. Per sample and input the sum over o runs in the same order as one sample alone would.
    /// </summary>
    /// <typeparam name="TPath">The instruction-set path (the widest whose vectors fit the inputs).</typeparam>
    /// <typeparam name="TVector">The path's vector of floats.</typeparam>
    /// <typeparam name="TLayer">The layer's shape.</typeparam>
    /// <param name="w">W, [outputs, inputs] row-major.</param>
    /// <param name="x">The layer's inputs, [batch, inputs].</param>
    /// <param name="dz">∂E/∂z of this layer, [batch, outputs].</param>
    /// <param name="dzBelow">∂E/∂z of the layer below, [batch, inputs], written.</param>
    /// <param name="batch">Samples, 1 or more.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient<TPath, TVector, TLayer>(ref float w, ref float x, ref float dz, ref float dzBelow, int batch)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count;
        int full = inputs / width * width;
        if (outputs > BackwardRowBlock)
        {
            // Passes over rows [rowFrom, rowFrom + rows) of W: the first starts every sum at zero, the last applies f′.
            for (int rowFrom = 0; rowFrom < outputs; rowFrom += BackwardRowBlock)
            {
                int rows = Math.Min(BackwardRowBlock, outputs - rowFrom);
                InputGradientColumns<TPath, TVector, TLayer>(ref w, ref x, ref dz, ref dzBelow, batch, rowFrom, rows,
                    rowFrom == 0, rowFrom + BackwardRowBlock >= outputs);
            }
        }
        else InputGradientColumns<TPath, TVector, TLayer>(ref w, ref x, ref dz, ref dzBelow, batch, 0, outputs, true, true);
        // The scalar tail: the last inputs.
        for (int sample = 0; sample < batch; sample++)
            for (int i = full; i < inputs; i++)
            {
                float d = 0f;
                for (int o = 0; o < outputs; o++) d += Unsafe.Add(ref w, o * inputs + i) * Unsafe.Add(ref dz, sample * outputs + o);
                Unsafe.Add(ref dzBelow, sample * inputs + i) = DerivativeTimes(TLayer.Below, Unsafe.Add(ref x, sample * inputs + i), d);
            }
    }

    /// <summary>Every block of vectors of inputs, for one pass over rows of W.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputGradientColumns<TPath, TVector, TLayer>(ref float w, ref float x, ref float dz, ref float dzBelow,
        int batch, int rowFrom, int rows, bool first, bool last)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        int inputs = TLayer.Inputs, width = TPath.Count;
        int full = inputs / width * width, step = ColumnVectors * width, whole = full / step * step;
        for (int i = 0; i < whole; i += step)
            BackwardSamplesOf<TPath, TVector, TLayer, Count3>(ref w, ref x, ref dz, ref dzBelow, batch, rowFrom, rows, first, last, i);
        // The remaining one or two full vectors of inputs, as one block.
        if (full - whole == width)
            BackwardSamplesOf<TPath, TVector, TLayer, Count1>(ref w, ref x, ref dz, ref dzBelow, batch, rowFrom, rows, first, last, whole);
        else if (full - whole == 2 * width)
            BackwardSamplesOf<TPath, TVector, TLayer, Count2>(ref w, ref x, ref dz, ref dzBelow, batch, rowFrom, rows, first, last, whole);
    }

    /// <summary>One block of <typeparamref name="TVectors"/> vectors of inputs from input <paramref name="i"/>, every sample.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void BackwardSamplesOf<TPath, TVector, TLayer, TVectors>(ref float w, ref float x, ref float dz, ref float dzBelow,
        int batch, int rowFrom, int rows, bool first, bool last, int i)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer where TVectors : struct, ICount
    {
        // Each tile shape is a method the JIT compiles on its first call: none is called that has no tile to compute.
        int sample = 0;
        if (BackwardTileSamples<TPath, TVector>() == WideTile && batch >= WideTile)
            sample = BackwardTiles<TPath, TVector, TLayer, Count8, TVectors>(ref w, ref x, ref dz, ref dzBelow, 0, batch, rowFrom, rows, first, last, i);
        if (batch - sample >= 3)
            sample = BackwardTiles<TPath, TVector, TLayer, Count3, TVectors>(ref w, ref x, ref dz, ref dzBelow, sample, batch, rowFrom, rows, first, last, i);
        if (sample < batch)
            BackwardTiles<TPath, TVector, TLayer, Count1, TVectors>(ref w, ref x, ref dz, ref dzBelow, sample, batch, rowFrom, rows, first, last, i);
    }

    /// <summary>
    /// Tiles of <typeparamref name="TSamples"/> samples × <typeparamref name="TVectors"/> vectors of inputs from input
    /// <paramref name="i"/>, from <paramref name="sample"/> while a whole tile fits before <paramref name="end"/>: sums over
    /// rows <paramref name="rowFrom"/> … + <paramref name="rows"/> − 1 of W, starting from zero when <paramref name="first"/>
    /// (else from what the pass before left in dzBelow) and applying f′ only when <paramref name="last"/>.
    /// </summary>
    /// <returns>The first sample not computed.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int BackwardTiles<TPath, TVector, TLayer, TSamples, TVectors>(ref float w, ref float x, ref float dz, ref float dzBelow,
        int sample, int end, int rowFrom, int rows, bool first, bool last, int i)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
        where TSamples : struct, ICount where TVectors : struct, ICount
    {
        int inputs = TLayer.Inputs, outputs = TLayer.Outputs, width = TPath.Count, samples = TSamples.Value, vectors = TVectors.Value;
        bool rowBlocks = outputs > BackwardRowBlock;
        // Without passes, the rows are all of W: a constant.
        int count = rowBlocks ? rows : outputs;
        bool resume = rowBlocks && !first;
        bool derivative = TLayer.Below != Activation.Identity;
        nuint k1 = (nuint)width, k2 = (nuint)(2 * width);
        for (; sample + samples <= end; sample += samples)
        {
            ref float b0 = ref Unsafe.Add(ref dzBelow, sample * inputs + i);
            ref float b1 = ref Ahead(samples > 1, ref b0, inputs);
            ref float b2 = ref Ahead(samples > 2, ref b0, 2 * inputs);
            ref float b3 = ref Ahead(samples > 3, ref b0, 3 * inputs);
            ref float b4 = ref Ahead(samples > 4, ref b0, 4 * inputs);
            ref float b5 = ref Ahead(samples > 5, ref b0, 5 * inputs);
            ref float b6 = ref Ahead(samples > 6, ref b0, 6 * inputs);
            ref float b7 = ref Ahead(samples > 7, ref b0, 7 * inputs);
            // A later pass resumes the sums the pass before left in dzBelow.
            var a00 = resume ? TPath.Load(ref b0, 0) : TPath.Zero;
            var a01 = vectors > 1 && resume ? TPath.Load(ref b0, k1) : TPath.Zero;
            var a02 = vectors > 2 && resume ? TPath.Load(ref b0, k2) : TPath.Zero;
            var a10 = samples > 1 && resume ? TPath.Load(ref b1, 0) : TPath.Zero;
            var a11 = samples > 1 && vectors > 1 && resume ? TPath.Load(ref b1, k1) : TPath.Zero;
            var a12 = samples > 1 && vectors > 2 && resume ? TPath.Load(ref b1, k2) : TPath.Zero;
            var a20 = samples > 2 && resume ? TPath.Load(ref b2, 0) : TPath.Zero;
            var a21 = samples > 2 && vectors > 1 && resume ? TPath.Load(ref b2, k1) : TPath.Zero;
            var a22 = samples > 2 && vectors > 2 && resume ? TPath.Load(ref b2, k2) : TPath.Zero;
            var a30 = samples > 3 && resume ? TPath.Load(ref b3, 0) : TPath.Zero;
            var a31 = samples > 3 && vectors > 1 && resume ? TPath.Load(ref b3, k1) : TPath.Zero;
            var a32 = samples > 3 && vectors > 2 && resume ? TPath.Load(ref b3, k2) : TPath.Zero;
            var a40 = samples > 4 && resume ? TPath.Load(ref b4, 0) : TPath.Zero;
            var a41 = samples > 4 && vectors > 1 && resume ? TPath.Load(ref b4, k1) : TPath.Zero;
            var a42 = samples > 4 && vectors > 2 && resume ? TPath.Load(ref b4, k2) : TPath.Zero;
            var a50 = samples > 5 && resume ? TPath.Load(ref b5, 0) : TPath.Zero;
            var a51 = samples > 5 && vectors > 1 && resume ? TPath.Load(ref b5, k1) : TPath.Zero;
            var a52 = samples > 5 && vectors > 2 && resume ? TPath.Load(ref b5, k2) : TPath.Zero;
            var a60 = samples > 6 && resume ? TPath.Load(ref b6, 0) : TPath.Zero;
            var a61 = samples > 6 && vectors > 1 && resume ? TPath.Load(ref b6, k1) : TPath.Zero;
            var a62 = samples > 6 && vectors > 2 && resume ? TPath.Load(ref b6, k2) : TPath.Zero;
            var a70 = samples > 7 && resume ? TPath.Load(ref b7, 0) : TPath.Zero;
            var a71 = samples > 7 && vectors > 1 && resume ? TPath.Load(ref b7, k1) : TPath.Zero;
            var a72 = samples > 7 && vectors > 2 && resume ? TPath.Load(ref b7, k2) : TPath.Zero;
            // wo walks down W's rows and dzo along the samples' dz, so every load is a constant offset from them.
            ref float wo = ref Unsafe.Add(ref w, rowFrom * inputs + i);
            ref float dzo = ref Unsafe.Add(ref dz, sample * outputs + rowFrom);
            for (int o = 0; o < count; o++)
            {
                var w0 = TPath.Load(ref wo, 0);
                var w1 = vectors > 1 ? TPath.Load(ref wo, k1) : TPath.Zero;
                var w2 = vectors > 2 ? TPath.Load(ref wo, k2) : TPath.Zero;
                var d = TPath.Create(dzo);
                a00 = TPath.MultiplyAdd(w0, d, a00);
                if (vectors > 1) a01 = TPath.MultiplyAdd(w1, d, a01);
                if (vectors > 2) a02 = TPath.MultiplyAdd(w2, d, a02);
                if (samples > 1)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, outputs));
                    a10 = TPath.MultiplyAdd(w0, d, a10);
                    if (vectors > 1) a11 = TPath.MultiplyAdd(w1, d, a11);
                    if (vectors > 2) a12 = TPath.MultiplyAdd(w2, d, a12);
                }
                if (samples > 2)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 2 * outputs));
                    a20 = TPath.MultiplyAdd(w0, d, a20);
                    if (vectors > 1) a21 = TPath.MultiplyAdd(w1, d, a21);
                    if (vectors > 2) a22 = TPath.MultiplyAdd(w2, d, a22);
                }
                if (samples > 3)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 3 * outputs));
                    a30 = TPath.MultiplyAdd(w0, d, a30);
                    if (vectors > 1) a31 = TPath.MultiplyAdd(w1, d, a31);
                    if (vectors > 2) a32 = TPath.MultiplyAdd(w2, d, a32);
                }
                if (samples > 4)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 4 * outputs));
                    a40 = TPath.MultiplyAdd(w0, d, a40);
                    if (vectors > 1) a41 = TPath.MultiplyAdd(w1, d, a41);
                    if (vectors > 2) a42 = TPath.MultiplyAdd(w2, d, a42);
                }
                if (samples > 5)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 5 * outputs));
                    a50 = TPath.MultiplyAdd(w0, d, a50);
                    if (vectors > 1) a51 = TPath.MultiplyAdd(w1, d, a51);
                    if (vectors > 2) a52 = TPath.MultiplyAdd(w2, d, a52);
                }
                if (samples > 6)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 6 * outputs));
                    a60 = TPath.MultiplyAdd(w0, d, a60);
                    if (vectors > 1) a61 = TPath.MultiplyAdd(w1, d, a61);
                    if (vectors > 2) a62 = TPath.MultiplyAdd(w2, d, a62);
                }
                if (samples > 7)
                {
                    d = TPath.Create(Unsafe.Add(ref dzo, 7 * outputs));
                    a70 = TPath.MultiplyAdd(w0, d, a70);
                    if (vectors > 1) a71 = TPath.MultiplyAdd(w1, d, a71);
                    if (vectors > 2) a72 = TPath.MultiplyAdd(w2, d, a72);
                }
                wo = ref Unsafe.Add(ref wo, inputs);
                dzo = ref Unsafe.Add(ref dzo, 1);
            }
            if (rowBlocks && derivative && !last)
            {
                // Not the last pass: the sums go back to dzBelow as they stand, for the next pass to resume.
                StoreRow<TPath, TVector, TVectors>(a00, a01, a02, ref b0, 0, k1, k2);
                if (samples > 1) StoreRow<TPath, TVector, TVectors>(a10, a11, a12, ref b1, 0, k1, k2);
                if (samples > 2) StoreRow<TPath, TVector, TVectors>(a20, a21, a22, ref b2, 0, k1, k2);
                if (samples > 3) StoreRow<TPath, TVector, TVectors>(a30, a31, a32, ref b3, 0, k1, k2);
                if (samples > 4) StoreRow<TPath, TVector, TVectors>(a40, a41, a42, ref b4, 0, k1, k2);
                if (samples > 5) StoreRow<TPath, TVector, TVectors>(a50, a51, a52, ref b5, 0, k1, k2);
                if (samples > 6) StoreRow<TPath, TVector, TVectors>(a60, a61, a62, ref b6, 0, k1, k2);
                if (samples > 7) StoreRow<TPath, TVector, TVectors>(a70, a71, a72, ref b7, 0, k1, k2);
                continue;
            }
            ref float x0 = ref Unsafe.Add(ref x, sample * inputs + i);
            StoreDerivative<TPath, TVector, TLayer, TVectors>(a00, a01, a02, ref x0, ref b0);
            if (samples > 1) StoreDerivative<TPath, TVector, TLayer, TVectors>(a10, a11, a12, ref Unsafe.Add(ref x0, inputs), ref b1);
            if (samples > 2) StoreDerivative<TPath, TVector, TLayer, TVectors>(a20, a21, a22, ref Unsafe.Add(ref x0, 2 * inputs), ref b2);
            if (samples > 3) StoreDerivative<TPath, TVector, TLayer, TVectors>(a30, a31, a32, ref Unsafe.Add(ref x0, 3 * inputs), ref b3);
            if (samples > 4) StoreDerivative<TPath, TVector, TLayer, TVectors>(a40, a41, a42, ref Unsafe.Add(ref x0, 4 * inputs), ref b4);
            if (samples > 5) StoreDerivative<TPath, TVector, TLayer, TVectors>(a50, a51, a52, ref Unsafe.Add(ref x0, 5 * inputs), ref b5);
            if (samples > 6) StoreDerivative<TPath, TVector, TLayer, TVectors>(a60, a61, a62, ref Unsafe.Add(ref x0, 6 * inputs), ref b6);
            if (samples > 7) StoreDerivative<TPath, TVector, TLayer, TVectors>(a70, a71, a72, ref Unsafe.Add(ref x0, 7 * inputs), ref b7);
        }
        return sample;
    }

    /// <summary>f′ of the layer below (from its output <paramref name="xr"/>) times each sum, to <paramref name="br"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDerivative<TPath, TVector, TLayer, TVectors>(TVector a0, TVector a1, TVector a2, ref float xr, ref float br)
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer where TVectors : struct, ICount
    {
        nuint k1 = (nuint)TPath.Count, k2 = (nuint)(2 * TPath.Count);
        var below = TLayer.Below;
        if (below == Activation.Identity)
        {
            StoreRow<TPath, TVector, TVectors>(a0, a1, a2, ref br, 0, k1, k2);
            return;
        }
        TPath.Store(DerivativeTimes<TPath, TVector>(below, TPath.Load(ref xr, 0), a0), ref br, 0);
        if (TVectors.Value > 1) TPath.Store(DerivativeTimes<TPath, TVector>(below, TPath.Load(ref xr, k1), a1), ref br, k1);
        if (TVectors.Value > 2) TPath.Store(DerivativeTimes<TPath, TVector>(below, TPath.Load(ref xr, k2), a2), ref br, k2);
    }
}
