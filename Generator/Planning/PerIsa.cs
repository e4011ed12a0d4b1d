using System;
using NetCompiler.Generator.Emit;

namespace NetCompiler.Generator.Planning;

/// <summary>
/// An instruction-set path of the generated kernels, as a plan names it (the emitters' <see cref="Isa"/> holds the code
/// each path is written with). The values follow <see cref="Isa.All"/>: the widest first.
/// </summary>
internal enum IsaPath
{
    Avx512 = 0,
    Avx2 = 1,
    Portable = 2,
}

/// <summary>The bridge between a plan's <see cref="IsaPath"/> and the emitters' <see cref="Isa"/>.</summary>
internal static class IsaPaths
{
    public static Isa ToIsa(this IsaPath path) => Isa.All[(int)path];

    public static IsaPath ToPath(this Isa isa) => (IsaPath)Array.IndexOf(Isa.All, isa);
}

/// <summary>
/// One decision per instruction-set path: the branch of a kernel the JIT keeps on an AVX-512 machine, on an AVX2 + FMA
/// one, and everywhere else (a value-equal record, so plans compare by content).
/// </summary>
internal sealed record PerIsa<T>(T Avx512, T Avx2, T Portable)
{
    public T this[IsaPath path] => path switch
    {
        IsaPath.Avx512 => Avx512,
        IsaPath.Avx2 => Avx2,
        _ => Portable,
    };

    public T this[Isa isa] => this[isa.ToPath()];

    /// <summary>The decision <paramref name="rule"/> takes on each path.</summary>
    public static PerIsa<T> From(Func<Isa, T> rule) => new(rule(Isa.Avx512), rule(Isa.Avx2), rule(Isa.Portable));

    /// <summary>Whether every path takes the same decision.</summary>
    public bool Uniform => Equals(Avx512, Avx2) && Equals(Avx2, Portable);

    private static bool Equals(T a, T b) => System.Collections.Generic.EqualityComparer<T>.Default.Equals(a, b);
}
