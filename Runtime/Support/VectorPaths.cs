using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler.Support;

/// <summary>
/// One instruction-set path of the runtime's kernels: the operations they need on vectors of floats, as static members
/// of a struct. A kernel generic over a path is compiled once per path it runs on, each member inlined, so that its code
/// is the path's instructions and nothing else. Generated code picks the path under the conditions it emits
/// (<c>Vector512.IsHardwareAccelerated</c> and the like, constants to the JIT) and passes it as a type argument.
/// </summary>
/// <typeparam name="TVector">The path's vector of floats.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IVectorPath<TVector> where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    /// <summary>Whether <see cref="SumFour"/> is the kernels' way to finish four dot products (the x86 paths).</summary>
    static abstract bool FoldsFourSums { get; }

    /// <summary>The vector of zeros.</summary>
    static abstract TVector Zero { get; }

    /// <summary>The vector of ones.</summary>
    static abstract TVector One { get; }

    /// <summary>The vector at <paramref name="source"/> + <paramref name="offset"/> floats.</summary>
    /// <param name="source">The first float of the array.</param>
    /// <param name="offset">The offset in floats.</param>
    /// <returns>The vector read.</returns>
    static abstract TVector Load(ref float source, nuint offset);

    /// <summary>Writes <paramref name="value"/> at <paramref name="destination"/> + <paramref name="offset"/> floats.</summary>
    /// <param name="value">The vector to write.</param>
    /// <param name="destination">The first float of the array.</param>
    /// <param name="offset">The offset in floats.</param>
    static abstract void Store(TVector value, ref float destination, nuint offset);

    /// <summary><paramref name="value"/> in every element.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The vector.</returns>
    static abstract TVector Create(float value);

    /// <summary>a·b + c: fused (one rounding) on the x86 paths, the platform's multiply-add on the portable one.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <param name="c">The addend.</param>
    /// <returns>The sum.</returns>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector c);

    /// <summary>a + b.</summary>
    /// <param name="a">The first term.</param>
    /// <param name="b">The second term.</param>
    /// <returns>The sum.</returns>
    static abstract TVector Add(TVector a, TVector b);

    /// <summary>a − b.</summary>
    /// <param name="a">The minuend.</param>
    /// <param name="b">The subtrahend.</param>
    /// <returns>The difference.</returns>
    static abstract TVector Subtract(TVector a, TVector b);

    /// <summary>a·b.</summary>
    /// <param name="a">The first factor.</param>
    /// <param name="b">The second factor.</param>
    /// <returns>The product.</returns>
    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>The elements of <paramref name="d"/> where <paramref name="y"/> is positive, zero elsewhere (ReLU's derivative times d).</summary>
    /// <param name="y">The activations.</param>
    /// <param name="d">The derivatives to pass.</param>
    /// <returns>The masked derivatives.</returns>
    static abstract TVector WherePositive(TVector y, TVector d);

    /// <summary>The sum of the elements, as the BCL's <c>Sum</c> of the path's vector type computes it.</summary>
    /// <param name="value">The vector.</param>
    /// <returns>The sum.</returns>
    static abstract float Sum(TVector value);

    /// <summary>
    /// The sums of four vectors as one 128-bit vector, for paths with <see cref="FoldsFourSums"/>: 512-bit halves added
    /// (AVX-512), pairwise horizontal adds, then the two 128-bit halves added.
    /// </summary>
    /// <param name="a">The first vector.</param>
    /// <param name="b">The second vector.</param>
    /// <param name="c">The third vector.</param>
    /// <param name="d">The fourth vector.</param>
    /// <returns>[Σa, Σb, Σc, Σd].</returns>
    static abstract Vector128<float> SumFour(TVector a, TVector b, TVector c, TVector d);
}

/// <summary>The AVX-512 path: 16-float vectors, fused multiply-adds, 32 vector registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Avx512Path : IVectorPath<Vector512<float>>
{
    /// <inheritdoc/>
    public static int Count => 16;

    /// <inheritdoc/>
    public static bool FoldsFourSums => true;

    /// <inheritdoc/>
    public static Vector512<float> Zero => Vector512<float>.Zero;

    /// <inheritdoc/>
    public static Vector512<float> One => Vector512<float>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nuint offset) => Vector512.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nuint offset) => Vector512.StoreUnsafe(value, ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> WherePositive(Vector512<float> y, Vector512<float> d)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(y, Vector512<float>.Zero), d, Vector512<float>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector512<float> value) => Vector512.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumFour(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
        => Avx2Path.SumFour(
            Vector512.GetLower(a) + Vector512.GetUpper(a), Vector512.GetLower(b) + Vector512.GetUpper(b),
            Vector512.GetLower(c) + Vector512.GetUpper(c), Vector512.GetLower(d) + Vector512.GetUpper(d));
}

/// <summary>The AVX2 path: 8-float vectors, fused multiply-adds, 16 vector registers.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Avx2Path : IVectorPath<Vector256<float>>
{
    /// <inheritdoc/>
    public static int Count => 8;

    /// <inheritdoc/>
    public static bool FoldsFourSums => true;

    /// <inheritdoc/>
    public static Vector256<float> Zero => Vector256<float>.Zero;

    /// <inheritdoc/>
    public static Vector256<float> One => Vector256<float>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nuint offset) => Vector256.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nuint offset) => Vector256.StoreUnsafe(value, ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> WherePositive(Vector256<float> y, Vector256<float> d)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(y, Vector256<float>.Zero), d, Vector256<float>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector256<float> value) => Vector256.Sum(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SumFour(Vector256<float> a, Vector256<float> b, Vector256<float> c, Vector256<float> d)
    {
        var h = Avx.HorizontalAdd(Avx.HorizontalAdd(a, b), Avx.HorizontalAdd(c, d));
        return Vector256.GetLower(h) + Vector256.GetUpper(h);
    }
}

/// <summary>The portable path: 128-bit vectors (SSE, NEON, or the BCL's software vectors), the platform's multiply-add.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct PortablePath : IVectorPath<Vector128<float>>
{
    /// <inheritdoc/>
    public static int Count => 4;

    /// <inheritdoc/>
    public static bool FoldsFourSums => false;

    /// <inheritdoc/>
    public static Vector128<float> Zero => Vector128<float>.Zero;

    /// <inheritdoc/>
    public static Vector128<float> One => Vector128<float>.One;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nuint offset) => Vector128.LoadUnsafe(ref source, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nuint offset) => Vector128.StoreUnsafe(value, ref destination, offset);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.MultiplyAddEstimate(a, b, c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> WherePositive(Vector128<float> y, Vector128<float> d)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(y, Vector128<float>.Zero), d, Vector128<float>.Zero);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> value) => Vector128.Sum(value);

    /// <inheritdoc/>
    /// <remarks>Not the portable path's way: its kernels sum each vector with <see cref="Sum"/>.</remarks>
    public static Vector128<float> SumFour(Vector128<float> a, Vector128<float> b, Vector128<float> c, Vector128<float> d)
        => Vector128.Create(Sum(a), Sum(b), Sum(c), Sum(d));
}
