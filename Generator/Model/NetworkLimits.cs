using System.Globalization;

namespace NetCompiler.Generator.Model;

/// <summary>
/// What .NET and the JIT can take, as the parser checks every derived size of a model against it. Sizes are counted
/// in floats and computed in 64-bit arithmetic; a model past a limit is an NC diagnostic that names the limit and
/// the size, so the emitters only ever see sizes that fit an <c>int</c> with room to spare (the generator is built
/// with overflow checking on: an emitter size that wrapped would throw rather than generate wrong code).
/// </summary>
internal static class NetworkLimits
{
    /// <summary>The longest array .NET allocates (<c>Array.MaxLength</c>).</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;

    /// <summary>The parameters live in one array, with 15 floats of slack to put a layer on a 64-byte boundary.</summary>
    public const long MaxParameters = MaxArrayLength - 15;

    /// <summary>Each workspace is one array per thread, with 16 floats of slack for alignment.</summary>
    public const long MaxWorkspace = MaxArrayLength - 16;

    /// <summary>
    /// Layers per network. Training and prediction chain every layer in one method each; past a few hundred layers
    /// those methods pass the size up to which the JIT optimises (≈ 60 KB of IL, a few thousand locals).
    /// </summary>
    public const int MaxLayers = 256;

    /// <summary>
    /// The widest convolution kernel: the kernels unroll each row of taps into straight-line code, and a method past
    /// the JIT's optimisation limits runs unoptimised.
    /// </summary>
    public const int MaxKernelWidth = 64;

    /// <summary>The generated source of one network, in characters; LeNet-5's is under 1 MB.</summary>
    public const long MaxSourceLength = 16L << 20;

    /// <summary>A count with thousands separators, as the diagnostics print sizes.</summary>
    /// <summary>The product of <paramref name="factors"/> (each at least 0), or <see cref="long.MaxValue"/> where it
    /// would not fit: sizes from user attributes can multiply past 64 bits, and every limit is far below that.</summary>
    public static long Product(params long[] factors)
    {
        long product = 1;
        foreach (long f in factors)
        {
            if (f == 0) return 0;
            product = product > long.MaxValue / f ? long.MaxValue : product * f;
        }
        return product;
    }

    public static string Format(long value) =>
        value == long.MaxValue ? "more than 9.2 × 10^18" : value.ToString("N0", CultureInfo.InvariantCulture);
}
