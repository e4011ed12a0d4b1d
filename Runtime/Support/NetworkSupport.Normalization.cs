using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Support;

// The per-channel passes of batch normalisation. A channel's values are addressed in a buffer of count samples of
// `size` floats each, in blocks of `lanes` samples (sample s, feature f at (s / lanes) · lanes · size + f · lanes +
// s % lanes; lanes = 1 is row-major); the channel is the `positions` features from `start`. Where the two buffers of a
// pass share their layout, each block holds the channel as one contiguous run of positions · lanes floats, which the
// passes read with vectors; the unused lanes of a last, partial block are left out of every sum.
public static partial class NetworkSupport
{
    /// <summary>
    /// The sum of one partial sum of every part of a training step cut into parts, in part order, so that every part
    /// gets the same value: element <paramref name="offset"/> of each part's <paramref name="stride"/> doubles.
    /// </summary>
    /// <param name="sync">The parts' shared workspace.</param>
    /// <param name="offset">The partial sum's place in a part's share.</param>
    /// <param name="parts">The parts.</param>
    /// <param name="stride">Doubles per part.</param>
    /// <returns>The sum.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double SumOfParts(ref double sync, int offset, int parts, int stride)
    {
        double sum = 0;
        for (int p = 0; p < parts; p++) sum += Unsafe.Add(ref sync, p * stride + offset);
        return sum;
    }

    /// <summary>Σ x over one channel's values of every sample, in double.</summary>
    /// <param name="x">The buffer.</param>
    /// <param name="count">Samples.</param>
    /// <param name="lanes">Samples per block (1: row-major).</param>
    /// <param name="size">Floats per sample.</param>
    /// <param name="start">The channel's first feature.</param>
    /// <param name="positions">The channel's features.</param>
    /// <returns>The sum.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ChannelSum(ref float x, int count, int lanes, int size, int start, int positions)
        => ChannelReduce(ref x, count, lanes, size, start, positions, squares: false, 0);

    /// <summary>Σ (x − <paramref name="mean"/>)² over one channel's values of every sample, in double.</summary>
    /// <param name="x">The buffer.</param>
    /// <param name="count">Samples.</param>
    /// <param name="lanes">Samples per block (1: row-major).</param>
    /// <param name="size">Floats per sample.</param>
    /// <param name="start">The channel's first feature.</param>
    /// <param name="positions">The channel's features.</param>
    /// <param name="mean">The mean to square about.</param>
    /// <returns>The sum.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double ChannelSquares(ref float x, int count, int lanes, int size, int start, int positions, double mean)
        => ChannelReduce(ref x, count, lanes, size, start, positions, squares: true, mean);

    /// <summary>Σ x, or Σ (x − mean)², over one channel's values of every sample, in double.</summary>
    private static double ChannelReduce(ref float x, int count, int lanes, int size, int start, int positions, bool squares, double mean)
    {
        double sum = 0;
        for (int first = 0; first < count; first += lanes)
        {
            ref float run = ref At(ref x, ChannelStart(first, lanes, size, start));
            int valid = Math.Min(lanes, count - first);
            if (valid == lanes)
            {
                sum += squares ? SumOfSquares(ref run, positions * lanes, mean) : Sum(ref run, positions * lanes);
                continue;
            }
            for (int q = 0; q < positions; q++)
            {
                for (int l = 0; l < valid; l++)
                {
                    double v = At(ref run, q * lanes + l);
                    sum += squares ? (v - mean) * (v - mean) : v;
                }
            }
        }
        return sum;
    }

    /// <summary>
    /// y = (x − <paramref name="mean"/>) · <paramref name="scale"/> + <paramref name="shift"/>, then ReLU if
    /// <paramref name="relu"/>, over one channel's values of every sample, from <paramref name="x"/> (in blocks of
    /// <paramref name="xLanes"/>) into <paramref name="y"/> (in blocks of <paramref name="yLanes"/>). With equal layouts the
    /// unused lanes of a partial block are computed too; the caller clears them.
    /// </summary>
    /// <param name="x">The input buffer.</param>
    /// <param name="xLanes">Its samples per block.</param>
    /// <param name="y">The output buffer.</param>
    /// <param name="yLanes">Its samples per block.</param>
    /// <param name="count">Samples.</param>
    /// <param name="size">Floats per sample.</param>
    /// <param name="start">The channel's first feature.</param>
    /// <param name="positions">The channel's features.</param>
    /// <param name="mean">The mean subtracted.</param>
    /// <param name="scale">The factor: γ / √(var + ε).</param>
    /// <param name="shift">β.</param>
    /// <param name="relu">Whether ReLU follows.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelNormalize(ref float x, int xLanes, ref float y, int yLanes, int count, int size, int start, int positions,
        float mean, float scale, float shift, bool relu)
    {
        if (xLanes == yLanes)
        {
            for (int first = 0; first < count; first += xLanes)
            {
                int at = ChannelStart(first, xLanes, size, start);
                Normalize(ref At(ref x, at), ref At(ref y, at), positions * xLanes, mean, scale, shift, relu);
            }
            return;
        }
        for (int s = 0; s < count; s++)
        {
            ref float xs = ref At(ref x, ChannelStart(s, xLanes, size, start));
            ref float ys = ref At(ref y, ChannelStart(s, yLanes, size, start));
            for (int q = 0; q < positions; q++)
            {
                float v = (At(ref xs, q * xLanes) - mean) * scale + shift;
                At(ref ys, q * yLanes) = relu ? Math.Max(v, 0f) : v;
            }
        }
    }

    /// <summary>
    /// The sums of batch normalisation's backward pass over one channel: Σ dy and Σ dy · x̂ with x̂ = (x − mean) · invStd,
    /// x in blocks of <paramref name="xLanes"/> and dy in blocks of <paramref name="dzLanes"/>.
    /// </summary>
    /// <param name="x">The layer's input.</param>
    /// <param name="xLanes">Its samples per block.</param>
    /// <param name="dz">∂E/∂z of the layer's output.</param>
    /// <param name="dzLanes">Its samples per block.</param>
    /// <param name="count">Samples.</param>
    /// <param name="size">Floats per sample.</param>
    /// <param name="start">The channel's first feature.</param>
    /// <param name="positions">The channel's features.</param>
    /// <param name="mean">The batch's mean.</param>
    /// <param name="invStd">1 / √(var + ε) of the batch.</param>
    /// <param name="sumDy">Σ dy.</param>
    /// <param name="sumDyXhat">Σ dy · x̂.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelGradientSums(ref float x, int xLanes, ref float dz, int dzLanes, int count, int size, int start, int positions,
        float mean, float invStd, out double sumDy, out double sumDyXhat)
    {
        double dy = 0, dyXhat = 0;
        for (int s = 0; s < count;)
        {
            if (xLanes == dzLanes && s % xLanes == 0 && count - s >= xLanes)
            {
                // A whole block (or, row-major, one sample): the channel is one contiguous run in both buffers.
                int at = ChannelStart(s, xLanes, size, start);
                RunGradientSums(ref At(ref x, at), ref At(ref dz, at), positions * xLanes, mean, invStd, ref dy, ref dyXhat);
                s += xLanes;
                continue;
            }
            ref float xs = ref At(ref x, ChannelStart(s, xLanes, size, start));
            ref float ds = ref At(ref dz, ChannelStart(s, dzLanes, size, start));
            for (int q = 0; q < positions; q++)
            {
                float d = At(ref ds, q * dzLanes);
                float xhat = (At(ref xs, q * xLanes) - mean) * invStd;
                dy += d;
                dyXhat += d * xhat;
            }
            s++;
        }
        sumDy = dy;
        sumDyXhat = dyXhat;
    }

    /// <summary>
    /// ∂E/∂x of batch normalisation over one channel, for an identity activation below:
    /// <paramref name="scale"/> · (dy − meanDy − x̂ · meanDyXhat), written into <paramref name="dzBelow"/> in the layout of x.
    /// Only the samples' own lanes are written.
    /// </summary>
    /// <param name="x">The layer's input.</param>
    /// <param name="xLanes">Its samples per block, and those of <paramref name="dzBelow"/>.</param>
    /// <param name="dz">∂E/∂z of the layer's output.</param>
    /// <param name="dzLanes">Its samples per block.</param>
    /// <param name="dzBelow">∂E/∂z of the layer below (its output, this layer's input).</param>
    /// <param name="count">Samples.</param>
    /// <param name="size">Floats per sample.</param>
    /// <param name="start">The channel's first feature.</param>
    /// <param name="positions">The channel's features.</param>
    /// <param name="mean">The batch's mean.</param>
    /// <param name="invStd">1 / √(var + ε) of the batch.</param>
    /// <param name="scale">γ · invStd.</param>
    /// <param name="meanDy">Σ dy / n.</param>
    /// <param name="meanDyXhat">Σ dy · x̂ / n.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ChannelInputGradient(ref float x, int xLanes, ref float dz, int dzLanes, ref float dzBelow, int count, int size, int start, int positions,
        float mean, float invStd, float scale, float meanDy, float meanDyXhat)
    {
        for (int s = 0; s < count;)
        {
            if (xLanes == dzLanes && s % xLanes == 0 && count - s >= xLanes)
            {
                int at = ChannelStart(s, xLanes, size, start);
                RunInputGradient(ref At(ref x, at), ref At(ref dz, at), ref At(ref dzBelow, at), positions * xLanes, mean, invStd, scale, meanDy, meanDyXhat);
                s += xLanes;
                continue;
            }
            int xAt = ChannelStart(s, xLanes, size, start);
            ref float ds = ref At(ref dz, ChannelStart(s, dzLanes, size, start));
            for (int q = 0; q < positions; q++)
            {
                float xv = At(ref x, xAt + q * xLanes);
                At(ref dzBelow, xAt + q * xLanes) = scale * (At(ref ds, q * dzLanes) - meanDy - (xv - mean) * invStd * meanDyXhat);
            }
            s++;
        }
    }

    /// <summary>Where sample s's value of feature <paramref name="start"/> is, in blocks of <paramref name="lanes"/> samples.</summary>
    private static int ChannelStart(int s, int lanes, int size, int start) => s / lanes * lanes * size + s % lanes + start * lanes;

    /// <summary>Σ of n contiguous floats, in double.</summary>
    private static double Sum(ref float x, int n)
    {
        double sum = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> a = default, b = default;
            for (; i + 8 <= n; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                a += lo;
                b += hi;
            }
            sum = Vector256.Sum(a + b);
        }
        for (; i < n; i++) sum += At(ref x, i);
        return sum;
    }

    /// <summary>Σ (x − mean)² of n contiguous floats, in double.</summary>
    private static double SumOfSquares(ref float x, int n, double mean)
    {
        double sum = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<double> a = default, b = default, m = Vector256.Create(mean);
            for (; i + 8 <= n; i += 8)
            {
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(Vector256.LoadUnsafe(ref x, (nuint)i));
                lo -= m;
                hi -= m;
                a += lo * lo;
                b += hi * hi;
            }
            sum = Vector256.Sum(a + b);
        }
        for (; i < n; i++)
        {
            double d = At(ref x, i) - mean;
            sum += d * d;
        }
        return sum;
    }

    /// <summary>y = (x − mean) · scale + shift, then ReLU if asked, over n contiguous floats (every path rounds alike).</summary>
    private static void Normalize(ref float x, ref float y, int n, float mean, float scale, float shift, bool relu)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<float> m = Vector512.Create(mean), k = Vector512.Create(scale), t = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16)
            {
                var v = (Vector512.LoadUnsafe(ref x, (nuint)i) - m) * k + t;
                (relu ? Vector512.Max(v, Vector512<float>.Zero) : v).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> m = Vector256.Create(mean), k = Vector256.Create(scale), t = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8)
            {
                var v = (Vector256.LoadUnsafe(ref x, (nuint)i) - m) * k + t;
                (relu ? Vector256.Max(v, Vector256<float>.Zero) : v).StoreUnsafe(ref y, (nuint)i);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            Vector128<float> m = Vector128.Create(mean), k = Vector128.Create(scale), t = Vector128.Create(shift);
            for (; i + 4 <= n; i += 4)
            {
                var v = (Vector128.LoadUnsafe(ref x, (nuint)i) - m) * k + t;
                (relu ? Vector128.Max(v, Vector128<float>.Zero) : v).StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float v = (At(ref x, i) - mean) * scale + shift;
            At(ref y, i) = relu ? Math.Max(v, 0f) : v;
        }
    }

    /// <summary>Σ dy and Σ dy · x̂ over n contiguous floats of x and dy, added to the running sums.</summary>
    private static void RunGradientSums(ref float x, ref float dz, int n, float mean, float invStd, ref double sumDy, ref double sumDyXhat)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            Vector256<float> m = Vector256.Create(mean), k = Vector256.Create(invStd);
            Vector256<double> a = default, b = default, c = default, d = default;
            for (; i + 8 <= n; i += 8)
            {
                var dy = Vector256.LoadUnsafe(ref dz, (nuint)i);
                var xhat = (Vector256.LoadUnsafe(ref x, (nuint)i) - m) * k;
                (Vector256<double> lo, Vector256<double> hi) = Vector256.Widen(dy);
                a += lo;
                b += hi;
                (lo, hi) = Vector256.Widen(dy * xhat);
                c += lo;
                d += hi;
            }
            sumDy += Vector256.Sum(a + b);
            sumDyXhat += Vector256.Sum(c + d);
        }
        for (; i < n; i++)
        {
            float dy = At(ref dz, i);
            float xhat = (At(ref x, i) - mean) * invStd;
            sumDy += dy;
            sumDyXhat += dy * xhat;
        }
    }

    /// <summary>dzBelow = scale · (dy − meanDy − (x − mean) · invStd · meanDyXhat) over n contiguous floats.</summary>
    private static void RunInputGradient(ref float x, ref float dz, ref float dzBelow, int n, float mean, float invStd, float scale, float meanDy, float meanDyXhat)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<float> m = Vector256.Create(mean), k = Vector256.Create(invStd), g = Vector256.Create(scale),
                my = Vector256.Create(meanDy), mx = Vector256.Create(meanDyXhat);
            for (; i + 8 <= n; i += 8)
            {
                var xhat = (Vector256.LoadUnsafe(ref x, (nuint)i) - m) * k;
                (g * (Vector256.LoadUnsafe(ref dz, (nuint)i) - my - xhat * mx)).StoreUnsafe(ref dzBelow, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float xhat = (At(ref x, i) - mean) * invStd;
            At(ref dzBelow, i) = scale * (At(ref dz, i) - meanDy - xhat * meanDyXhat);
        }
    }
}
