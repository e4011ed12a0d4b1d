using System;

namespace NetCompiler;

/// <summary>
/// Deterministic weight initialisation used by generated networks: the same seed gives the same weights on every
/// machine and .NET version (the generator is SplitMix64, fully specified here, not <see cref="Random"/>).
/// Each layer draws from its own stream, derived from the seed and the layer's index.
/// </summary>
public static class ParameterInitializer
{
    /// <summary>The seed used by a generated network's parameterless constructor.</summary>
    public const int DefaultSeed = 42;

    /// <summary>He (Kaiming) normal initialisation for ReLU layers: N(0, 2 / fanIn).</summary>
    public static void HeNormal(Span<float> weights, int fanIn, int seed, int layer)
    {
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "fanIn must be positive.");
        var rng = new SplitMix64(seed, layer);
        double std = Math.Sqrt(2.0 / fanIn);
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (float)(std * rng.NextGaussian());
    }

    /// <summary>Glorot (Xavier) uniform initialisation: U(−a, a) with a = √(6 / (fanIn + fanOut)).</summary>
    public static void GlorotUniform(Span<float> weights, int fanIn, int fanOut, int seed, int layer)
    {
        if (fanIn <= 0) throw new ArgumentOutOfRangeException(nameof(fanIn), fanIn, "fanIn must be positive.");
        if (fanOut <= 0) throw new ArgumentOutOfRangeException(nameof(fanOut), fanOut, "fanOut must be positive.");
        var rng = new SplitMix64(seed, layer);
        double a = Math.Sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < weights.Length; i++)
            weights[i] = (float)((2.0 * rng.NextDouble() - 1.0) * a);
    }
}

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): a small, fast, fully specified pseudo-random generator.</summary>
public struct SplitMix64
{
    private ulong _state;

    /// <summary>A generator whose first state is <paramref name="seed"/>.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>A stream for (seed, stream): distinct streams of one seed do not overlap in practice.</summary>
    public SplitMix64(int seed, int stream)
    {
        _state = (ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)stream + 1) * 0xD1B54A32D192ED03UL;
    }

    /// <summary>The next 64 uniformly distributed random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive), without modulo bias.</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive.");
        ulong bound = (ulong)maxExclusive;
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong r = NextUInt64();
            if (r >= threshold) return (int)(r % bound);
        }
    }

    /// <summary>Standard normal sample (Box–Muller).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
