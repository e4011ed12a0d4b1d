using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Support;

/// <summary>
/// The batched kernels of dense layers, y = f(W·x + b) with W of shape [out, in] row-major, for a batch of samples
/// stored row-major: the forward pass, the weight and bias gradients, and the input gradient. Generated code calls them
/// with its path (<see cref="IVectorPath{TVector}"/>) and its layer's shape (<see cref="IDenseLayer"/>) as type arguments,
/// so the JIT compiles each for one path and one layer, every size a constant: the loops, register tiles and tails are
/// those of code written for that layer, and the tiles' unused rows and samples are not compiled at all.
/// </summary>
/// <remarks>
/// <para>
/// Each kernel is register-tiled: a tile keeps up to 24 sums in vector registers while it walks a row of W or the batch,
/// each load serving several of them. The tile shapes are this class's rules, each with its reason; every rule depends
/// only on the path and the layer's shape, so a layer's result does not depend on how its rows or samples are split into
/// tiles (training by parts relies on this), and every output is summed in the same order whichever tile computes it.
/// </para>
/// <para>
/// Nothing here checks bounds: every reference and count is in range by construction of the generated code. A batch may
/// have any number of samples; the generated passes give chunks of at most <see cref="MaxBatch"/>, and a whole-batch
/// training step (batch normalisation) the whole batch.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
[SkipLocalsInit]
public static partial class DenseKernels
{
    /// <summary>The samples of the generated passes' chunks, and of the weight gradient's packed slice of x.</summary>
    public const int MaxBatch = 64;

    /// <summary>Rows of W or samples per register tile on a path with 32 vector registers (AVX-512): 8 × 3 = 24 sums, 3 loads and a broadcast.</summary>
    private const int WideTile = 8;

    /// <summary>Vectors of inputs per tile of the two gradient kernels (each load of x or of W serves every row or sample of the tile).</summary>
    private const int ColumnVectors = 3;

    /// <summary>Whether a path has 32 vector registers (AVX-512) rather than 16, room for tiles of 24 sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Wide<TPath, TVector>() where TPath : struct, IVectorPath<TVector> where TVector : struct
        => TPath.Count == 16;

    // ---------------------------------------------------------------- scalar forms of the activations

    /// <summary>f(z); ReLU is <c>MaxNative(0, z)</c>, as the vector form, so every path and tail gives the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Apply(Activation activation, float z) => activation switch
    {
        Activation.ReLU => float.MaxNative(0f, z),
        Activation.Tanh => MathF.Tanh(z),
        Activation.Sigmoid => 1f / (1f + MathF.Exp(-z)),
        _ => z,
    };

    /// <summary>f′(z)·d given y = f(z) (ReLU: d where y &gt; 0; tanh: d·(1 − y²); logistic: d·y·(1 − y)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DerivativeTimes(Activation activation, float y, float d) => activation switch
    {
        Activation.ReLU => y > 0f ? d : 0f,
        Activation.Tanh => d * (1f - y * y),
        Activation.Sigmoid => d * y * (1f - y),
        _ => d,
    };

    /// <summary>f′(z)·d for vectors, given y = f(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector DerivativeTimes<TPath, TVector>(Activation activation, TVector y, TVector d)
        where TPath : struct, IVectorPath<TVector> where TVector : struct => activation switch
    {
        Activation.ReLU => TPath.WherePositive(y, d),
        Activation.Tanh => TPath.Multiply(d, TPath.Subtract(TPath.One, TPath.Multiply(y, y))),
        Activation.Sigmoid => TPath.Multiply(TPath.Multiply(d, y), TPath.Subtract(TPath.One, y)),
        _ => d,
    };

    /// <summary>The reference <paramref name="count"/> floats after <paramref name="r"/> when <paramref name="used"/>, else r itself (never a reference past an array's end).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Ahead(bool used, ref float r, int count) => ref used ? ref Unsafe.Add(ref r, count) : ref r;
}

/// <summary>A count as a type, so that a kernel compiled for it sees it as a constant (rows or samples of a tile).</summary>
internal interface ICount
{
    static abstract int Value { get; }
}

internal readonly struct Count1 : ICount { public static int Value => 1; }

internal readonly struct Count2 : ICount { public static int Value => 2; }

internal readonly struct Count3 : ICount { public static int Value => 3; }

internal readonly struct Count4 : ICount { public static int Value => 4; }

internal readonly struct Count5 : ICount { public static int Value => 5; }

internal readonly struct Count6 : ICount { public static int Value => 6; }

internal readonly struct Count7 : ICount { public static int Value => 7; }

internal readonly struct Count8 : ICount { public static int Value => 8; }
