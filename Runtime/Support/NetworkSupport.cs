using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler.Support;

/// <summary>
/// The parts of a generated network that do not depend on its shape: argument checks, element access, alignment, and the
/// transpositions and copies of the batch kernels. Generated code calls them; they are not meant to be called directly.
/// Nothing here checks bounds: every reference and index is in range by construction of the generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class NetworkSupport
{
    /// <summary>Element <paramref name="i"/> of the array that starts at <paramref name="r"/>.</summary>
    /// <param name="r">The first element.</param>
    /// <param name="i">The index, in range by construction.</param>
    /// <returns>A reference to the element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float At(ref float r, int i) => ref Unsafe.Add(ref r, i);

    /// <summary>The first float at or after <paramref name="r"/> on a 64-byte boundary (r is on the stack or in a pinned array, so it stays there).</summary>
    /// <param name="r">A float on the stack or in a pinned array.</param>
    /// <returns>A reference 0–15 floats after <paramref name="r"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Aligned(ref float r)
    {
        nint address = Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref r);
        return ref Unsafe.Add(ref r, (int)((-address & 63) >> 2));
    }

    /// <summary>Row <paramref name="index"/> of a row-major matrix with rows of <paramref name="width"/> floats.</summary>
    /// <param name="first">The matrix's first element.</param>
    /// <param name="index">The row.</param>
    /// <param name="width">Floats per row.</param>
    /// <returns>A reference to the row's first element.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Row(ref float first, int index, int width) => ref Unsafe.Add(ref first, index * width);

    /// <summary>Throws unless a span holds exactly the number of elements expected.</summary>
    /// <param name="actual">The span's length.</param>
    /// <param name="expected">The length required.</param>
    /// <param name="parameter">The argument's name, for the exception.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // called from the entry points, which are optimised from the first call: no tier-up of these later
    public static void CheckLength(int actual, int expected, string parameter)
    {
        if (actual != expected) throw new ArgumentException($"Expected {expected} elements in '{parameter}', but it has {actual}.", parameter);
    }

    /// <summary>Throws if two spans share memory: the kernels read their input while they write their output.</summary>
    /// <param name="input">The input.</param>
    /// <param name="output">The output.</param>
    /// <param name="parameter">The output argument's name, for the exception.</param>
    /// <exception cref="ArgumentException">The spans overlap.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // called from the entry points, which are optimised from the first call: no tier-up of these later
    public static void CheckNoOverlap(ReadOnlySpan<float> input, ReadOnlySpan<float> output, string parameter)
    {
        if (MemoryExtensions.Overlaps(input, output)) throw new ArgumentException($"'{parameter}' must not overlap the input.", parameter);
    }

    /// <summary>The number of samples in a row-major batch of inputs.</summary>
    /// <param name="length">The batch's length in floats.</param>
    /// <param name="inputSize">Floats per sample.</param>
    /// <param name="allowEmpty">Whether an empty batch is valid.</param>
    /// <param name="parameter">The argument's name, for the exception.</param>
    /// <returns><paramref name="length"/> / <paramref name="inputSize"/>.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of the sample size, or is zero where that is not allowed.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // called from the entry points, which are optimised from the first call: no tier-up of these later
    public static int BatchSize(int length, int inputSize, bool allowEmpty, string parameter)
    {
        if (length % inputSize != 0 || (length == 0 && !allowEmpty))
            throw new ArgumentException($"Expected a {(allowEmpty ? "" : "positive ")}multiple of {inputSize} elements in '{parameter}' (one row of {inputSize} per sample), but it has {length}.", parameter);
        return length / inputSize;
    }

    /// <summary>Throws unless every label is a class in [0, <paramref name="classes"/>).</summary>
    /// <param name="labels">The labels.</param>
    /// <param name="classes">The number of classes.</param>
    /// <param name="parameter">The argument's name, for the exception.</param>
    /// <exception cref="ArgumentOutOfRangeException">A label is out of range.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // called from the entry points, which are optimised from the first call: no tier-up of these later
    public static void CheckLabels(ReadOnlySpan<int> labels, int classes, string parameter)
    {
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(parameter, labels[i], $"Label {labels[i]} at index {i} is not a class: labels must be in [0, {classes}).");
    }

    /// <summary>Copies a [channels, height, width] input into the middle of a buffer with <paramref name="padding"/> zeros on every side.</summary>
    /// <param name="x">The input.</param>
    /// <param name="xp">The padded buffer, [channels, height + 2·padding, width + 2·padding].</param>
    /// <param name="channels">Channels of the input.</param>
    /// <param name="height">Rows of the input.</param>
    /// <param name="width">Columns of the input.</param>
    /// <param name="padding">Zeros on every side.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Pad(ref float x, ref float xp, int channels, int height, int width, int padding)
    {
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        MemoryMarshal.CreateSpan(ref xp, channels * paddedHeight * paddedWidth).Clear();
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < height; r++)
                MemoryMarshal.CreateReadOnlySpan(ref At(ref x, (c * height + r) * width), width)
                    .CopyTo(MemoryMarshal.CreateSpan(ref At(ref xp, (c * paddedHeight + r + padding) * paddedWidth + padding), width));
    }

    /// <summary>
    /// Samples first … first + lanes − 1 of a row-major batch of [channels, height, width] samples as a block (sample
    /// first + j in lane j, zeros for samples at or past count), in the middle of a border of padding (left as it is: zero).
    /// </summary>
    /// <param name="x">The batch, row-major.</param>
    /// <param name="first">The block's first sample.</param>
    /// <param name="count">Samples in the batch.</param>
    /// <param name="lanes">Samples per block.</param>
    /// <param name="block">The block, [channels, height + 2·padding, width + 2·padding, lanes].</param>
    /// <param name="channels">Channels of a sample.</param>
    /// <param name="height">Rows of a sample.</param>
    /// <param name="width">Columns of a sample.</param>
    /// <param name="padding">The border left around each channel.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToBlock(ref float x, int first, int count, int lanes, ref float block, int channels, int height, int width, int padding)
    {
        int size = channels * height * width;
        // Without padding a sample is one contiguous row in the block as in the batch.
        if (padding == 0) (channels, height, width) = (1, 1, size);
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        if (Avx.IsSupported && lanes % 8 == 0 && count - first >= lanes && width >= 8)
        {
            // Whole blocks: 8 × 8 transposes of eight samples' rows, eight positions at a time (a row's last eight overlap the
            // group before them where the width is not a multiple of eight).
            for (int g = 0; g < lanes; g += 8)
            {
                ref float samples = ref At(ref x, (first + g) * size);
                for (int c = 0; c < channels; c++)
                    for (int r = 0; r < height; r++)
                    {
                        ref float source = ref At(ref samples, (c * height + r) * width);
                        ref float target = ref At(ref block, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes + g);
                        Transpose8xN(ref source, size, ref target, lanes, width);
                    }
            }
            return;
        }
        for (int j = 0; j < lanes; j++)
        {
            bool real = first + j < count;
            ref float sample = ref At(ref x, real ? (first + j) * size : 0);
            for (int c = 0; c < channels; c++)
                for (int r = 0; r < height; r++)
                {
                    ref float source = ref At(ref sample, (c * height + r) * width);
                    ref float target = ref At(ref block, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes + j);
                    for (int i = 0; i < width; i++) At(ref target, i * lanes) = real ? At(ref source, i) : 0f;
                }
        }
    }

    /// <summary>
    /// Eight rows of eight floats, <paramref name="from"/> floats apart, written as eight columns <paramref name="to"/> floats apart:
    /// target[k·to + j] = source[j·from + k] (unpack pairs, shuffle quadruples, swap 128-bit halves). Needs AVX.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8(ref float source, int from, ref float target, int to)
    {
        nuint f = (nuint)from, t = (nuint)to;
        var r0 = Vector256.LoadUnsafe(ref source);
        var r1 = Vector256.LoadUnsafe(ref source, f);
        var r2 = Vector256.LoadUnsafe(ref source, 2 * f);
        var r3 = Vector256.LoadUnsafe(ref source, 3 * f);
        var r4 = Vector256.LoadUnsafe(ref source, 4 * f);
        var r5 = Vector256.LoadUnsafe(ref source, 5 * f);
        var r6 = Vector256.LoadUnsafe(ref source, 6 * f);
        var r7 = Vector256.LoadUnsafe(ref source, 7 * f);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44);
        var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44);
        var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44);
        var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44);
        var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x20), ref target);
        Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x20), ref target, t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x20), ref target, 2 * t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x20), ref target, 3 * t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x31), ref target, 4 * t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x31), ref target, 5 * t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x31), ref target, 6 * t);
        Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x31), ref target, 7 * t);
    }

    /// <summary>
    /// Eight rows of n ≥ 8 floats, <paramref name="from"/> floats apart, written as n rows of eight floats, <paramref name="to"/>
    /// floats apart: target[k·to + j] = source[j·from + k], by 8 × 8 transposes along the rows, the last one overlapping
    /// the one before it when n is not a multiple of eight (it writes the same values again).
    /// </summary>
    /// <param name="source">The first source row.</param>
    /// <param name="from">Floats between source rows.</param>
    /// <param name="target">The first target row.</param>
    /// <param name="to">Floats between target rows.</param>
    /// <param name="n">Floats per source row (at least 8).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose8xN(ref float source, int from, ref float target, int to, int n)
    {
        for (int k = 0; k < n - 8; k += 8) Transpose8(ref At(ref source, k), from, ref At(ref target, k * to), to);
        Transpose8(ref At(ref source, n - 8), from, ref At(ref target, (n - 8) * to), to);
    }

    /// <summary>The other way round: n ≥ 8 rows of eight floats written as eight rows of n floats, target[j·to + k] = source[k·from + j].</summary>
    /// <param name="source">The first source row.</param>
    /// <param name="from">Floats between source rows.</param>
    /// <param name="target">The first target row.</param>
    /// <param name="to">Floats between target rows.</param>
    /// <param name="n">Source rows (at least 8).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void TransposeNx8(ref float source, int from, ref float target, int to, int n)
    {
        for (int k = 0; k < n - 8; k += 8) Transpose8(ref At(ref source, k * from), from, ref At(ref target, k), to);
        Transpose8(ref At(ref source, (n - 8) * from), from, ref At(ref target, n - 8), to);
    }

    /// <summary>Copies a block of [channels, height, width] into the middle of a padded block whose border is already zero.</summary>
    /// <param name="block">The block, [channels, height, width, lanes].</param>
    /// <param name="padded">The padded block, [channels, height + 2·padding, width + 2·padding, lanes].</param>
    /// <param name="channels">Channels.</param>
    /// <param name="height">Rows of the block.</param>
    /// <param name="width">Columns of the block.</param>
    /// <param name="padding">The border.</param>
    /// <param name="lanes">Samples per block.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PadBlock(ref float block, ref float padded, int channels, int height, int width, int padding, int lanes)
    {
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < height; r++)
                MemoryMarshal.CreateReadOnlySpan(ref At(ref block, (c * height + r) * width * lanes), width * lanes)
                    .CopyTo(MemoryMarshal.CreateSpan(ref At(ref padded, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes), width * lanes));
    }

    /// <summary>
    /// Spreads a block of ∂E/∂z, [channels, height, width], over a zeroed [channels, dilatedHeight, dilatedWidth] block:
    /// position (i, j) goes to (top + i·stride, left + j·stride); every other position stays zero.
    /// </summary>
    /// <param name="dz">The block of ∂E/∂z.</param>
    /// <param name="dilated">The zeroed target block.</param>
    /// <param name="channels">Channels.</param>
    /// <param name="height">Rows of <paramref name="dz"/>.</param>
    /// <param name="width">Columns of <paramref name="dz"/>.</param>
    /// <param name="stride">Distance between the positions written.</param>
    /// <param name="dilatedHeight">Rows of the target.</param>
    /// <param name="dilatedWidth">Columns of the target.</param>
    /// <param name="top">Row of the first position written.</param>
    /// <param name="left">Column of the first position written.</param>
    /// <param name="lanes">Samples per block.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dilate(ref float dz, ref float dilated, int channels, int height, int width, int stride, int dilatedHeight, int dilatedWidth, int top, int left, int lanes)
    {
        for (int c = 0; c < channels; c++)
        {
            for (int r = 0; r < height; r++)
            {
                ref float source = ref At(ref dz, (c * height + r) * width * lanes);
                ref float target = ref At(ref dilated, ((c * dilatedHeight + top + r * stride) * dilatedWidth + left) * lanes);
                if (stride == 1)
                    MemoryMarshal.CreateReadOnlySpan(ref source, width * lanes).CopyTo(MemoryMarshal.CreateSpan(ref target, width * lanes));
                else
                    for (int i = 0; i < width; i++)
                        for (int j = 0; j < lanes; j++) At(ref target, i * stride * lanes + j) = At(ref source, i * lanes + j);
            }
        }
    }

    /// <summary>Rows first … of a row-major batch of samples of <paramref name="size"/> floats from a block (lane j → sample first + j, up to count).</summary>
    /// <param name="block">The block, [size, lanes].</param>
    /// <param name="first">The block's first sample.</param>
    /// <param name="count">Samples in the batch.</param>
    /// <param name="lanes">Samples per block.</param>
    /// <param name="y">The batch, row-major.</param>
    /// <param name="size">Floats per sample.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromBlock(ref float block, int first, int count, int lanes, ref float y, int size)
    {
        int samples = Math.Min(lanes, count - first);
        if (Avx.IsSupported && lanes % 8 == 0 && samples == lanes && size >= 8)
        {
            // Whole blocks: 8 × 8 transposes, eight positions of eight lanes at a time (the last eight may overlap).
            for (int g = 0; g < lanes; g += 8)
            {
                TransposeNx8(ref At(ref block, g), lanes, ref At(ref y, (first + g) * size), size, size);
            }
            return;
        }
        for (int j = 0; j < samples; j++)
        {
            ref float row = ref At(ref y, (first + j) * size);
            for (int i = 0; i < size; i++) At(ref row, i) = At(ref block, i * lanes + j);
        }
    }

    /// <summary>The first pairs of floats of each 128-bit quarter of a and b, interleaved (vunpcklpd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairsLow(Vector512<float> a, Vector512<float> b) => Vector512.AsSingle(Avx512F.UnpackLow(Vector512.AsDouble(a), Vector512.AsDouble(b)));

    /// <summary>The second pairs of floats of each 128-bit quarter of a and b, interleaved (vunpckhpd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairsHigh(Vector512<float> a, Vector512<float> b) => Vector512.AsSingle(Avx512F.UnpackHigh(Vector512.AsDouble(a), Vector512.AsDouble(b)));

    /// <summary>
    /// The 16 × 16 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> floats apart) transposed into
    /// <paramref name="target"/> (rows <paramref name="targetStride"/> apart): 16 loads, four rounds of 16 shuffles, 16 stores.
    /// Needs AVX-512F.
    /// </summary>
    /// <param name="source">The block's first element.</param>
    /// <param name="sourceStride">Floats between its rows.</param>
    /// <param name="target">The transposed block's first element.</param>
    /// <param name="targetStride">Floats between its rows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Transpose16(ref float source, nuint sourceStride, ref float target, nuint targetStride)
    {
        var r0 = Vector512.LoadUnsafe(ref source, 0);
        var r1 = Vector512.LoadUnsafe(ref source, sourceStride);
        var r2 = Vector512.LoadUnsafe(ref source, 2 * sourceStride);
        var r3 = Vector512.LoadUnsafe(ref source, 3 * sourceStride);
        var r4 = Vector512.LoadUnsafe(ref source, 4 * sourceStride);
        var r5 = Vector512.LoadUnsafe(ref source, 5 * sourceStride);
        var r6 = Vector512.LoadUnsafe(ref source, 6 * sourceStride);
        var r7 = Vector512.LoadUnsafe(ref source, 7 * sourceStride);
        var r8 = Vector512.LoadUnsafe(ref source, 8 * sourceStride);
        var r9 = Vector512.LoadUnsafe(ref source, 9 * sourceStride);
        var ra = Vector512.LoadUnsafe(ref source, 10 * sourceStride);
        var rb = Vector512.LoadUnsafe(ref source, 11 * sourceStride);
        var rc = Vector512.LoadUnsafe(ref source, 12 * sourceStride);
        var rd = Vector512.LoadUnsafe(ref source, 13 * sourceStride);
        var re = Vector512.LoadUnsafe(ref source, 14 * sourceStride);
        var rf = Vector512.LoadUnsafe(ref source, 15 * sourceStride);
        // Floats of rows 2j and 2j + 1 interleaved, within each 128-bit quarter.
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1);
        var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5);
        var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9);
        var ta = Avx512F.UnpackLow(ra, rb); var tb = Avx512F.UnpackHigh(ra, rb);
        var tc = Avx512F.UnpackLow(rc, rd); var td = Avx512F.UnpackHigh(rc, rd);
        var te = Avx512F.UnpackLow(re, rf); var tf = Avx512F.UnpackHigh(re, rf);
        // Pairs of floats of rows 4g … 4g + 3 interleaved: each quarter now holds one column of four rows.
        var u0 = PairsLow(t0, t2); var u1 = PairsHigh(t0, t2);
        var u2 = PairsLow(t1, t3); var u3 = PairsHigh(t1, t3);
        var u4 = PairsLow(t4, t6); var u5 = PairsHigh(t4, t6);
        var u6 = PairsLow(t5, t7); var u7 = PairsHigh(t5, t7);
        var u8 = PairsLow(t8, ta); var u9 = PairsHigh(t8, ta);
        var ua = PairsLow(t9, tb); var ub = PairsHigh(t9, tb);
        var uc = PairsLow(tc, te); var ud = PairsHigh(tc, te);
        var ue = PairsLow(td, tf); var uf = PairsHigh(td, tf);
        // Quarters of row quads 0 and 1, 2 and 3 combined: each vector holds two quarters' columns of eight rows.
        var v0 = Avx512F.Shuffle4x128(u0, u4, 0x88); var v4 = Avx512F.Shuffle4x128(u0, u4, 0xDD);
        var v1 = Avx512F.Shuffle4x128(u1, u5, 0x88); var v5 = Avx512F.Shuffle4x128(u1, u5, 0xDD);
        var v2 = Avx512F.Shuffle4x128(u2, u6, 0x88); var v6 = Avx512F.Shuffle4x128(u2, u6, 0xDD);
        var v3 = Avx512F.Shuffle4x128(u3, u7, 0x88); var v7 = Avx512F.Shuffle4x128(u3, u7, 0xDD);
        var v8 = Avx512F.Shuffle4x128(u8, uc, 0x88); var vc = Avx512F.Shuffle4x128(u8, uc, 0xDD);
        var v9 = Avx512F.Shuffle4x128(u9, ud, 0x88); var vd = Avx512F.Shuffle4x128(u9, ud, 0xDD);
        var va = Avx512F.Shuffle4x128(ua, ue, 0x88); var ve = Avx512F.Shuffle4x128(ua, ue, 0xDD);
        var vb = Avx512F.Shuffle4x128(ub, uf, 0x88); var vf = Avx512F.Shuffle4x128(ub, uf, 0xDD);
        // Rows 0–7 and 8–15 combined: column k of all 16 rows, stored as row k of the target.
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v0, v8, 0x88), ref target, 0);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v0, v8, 0xDD), ref target, 8 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v1, v9, 0x88), ref target, targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v1, v9, 0xDD), ref target, 9 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v2, va, 0x88), ref target, 2 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v2, va, 0xDD), ref target, 10 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v3, vb, 0x88), ref target, 3 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v3, vb, 0xDD), ref target, 11 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v4, vc, 0x88), ref target, 4 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v4, vc, 0xDD), ref target, 12 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v5, vd, 0x88), ref target, 5 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v5, vd, 0xDD), ref target, 13 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v6, ve, 0x88), ref target, 6 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v6, ve, 0xDD), ref target, 14 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v7, vf, 0x88), ref target, 7 * targetStride);
        Vector512.StoreUnsafe(Avx512F.Shuffle4x128(v7, vf, 0xDD), ref target, 15 * targetStride);
    }
}
