using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NetCompiler.Benchmarks;

/// <summary>
/// Small kernels that measure what one core of this machine can do at best, to judge the workloads against:
/// peak FMA throughput (12 independent accumulator chains, so the FMA latency is hidden behind the pipes) and read
/// bandwidth from L2 (a ~400 KB buffer, about the size of the Fashion MLP's weights, summed over and over) and from memory
/// (a 256 MB buffer). The sums are returned so the JIT cannot drop the work.
/// </summary>
public static unsafe class Floors
{
    public const int FmaChains = 12;
    public const int L2Bytes = 400 * 1024;
    public const int MemoryBytes = 256 * 1024 * 1024;

    /// <summary>FLOPs done by <see cref="Fma256"/>(iterations): chains × 8 lanes × 2.</summary>
    public static long Fma256Flops(long iterations) => iterations * FmaChains * 8 * 2;

    public static long Fma512Flops(long iterations) => iterations * FmaChains * 16 * 2;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Fma256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.9999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    /// <summary>As <see cref="Fma256"/> with 512-bit vectors; only meaningful where <see cref="Vector512.IsHardwareAccelerated"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Fma512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.9999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                         a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    /// <summary>Sums <paramref name="floats"/> floats at <paramref name="p"/> (a multiple of 64), <paramref name="passes"/> times, with 256-bit loads.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static float Read256(float* p, long floats, int passes)
    {
        // 8 independent sums, so the add latency never limits the loads.
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (long i = 0; i < floats; i += 64)
            {
                s0 += Vector256.Load(p + i);
                s1 += Vector256.Load(p + i + 8);
                s2 += Vector256.Load(p + i + 16);
                s3 += Vector256.Load(p + i + 24);
                s4 += Vector256.Load(p + i + 32);
                s5 += Vector256.Load(p + i + 40);
                s6 += Vector256.Load(p + i + 48);
                s7 += Vector256.Load(p + i + 56);
            }
        }
        return Vector256.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
    }

    /// <summary>A 64-byte-aligned native buffer of small floats (so the sums stay finite), never freed: the floors run once per process.</summary>
    public static float* Buffer(long bytes)
    {
        float* p = (float*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        long n = bytes / 4;
        for (long i = 0; i < n; i++) p[i] = (i % 7) * 1e-9f;
        return p;
    }

    /// <summary>The floors measured in one go: the best of several short runs timed by thread CPU time (noise only ever slows a run down).</summary>
    public sealed record Measured(double Fma256GFlops, double? Fma512GFlops, double L2GBps, double MemoryGBps)
    {
        /// <summary>The best FMA throughput this machine offers (512-bit where accelerated, else 256-bit).</summary>
        public double PeakGFlops => Math.Max(Fma256GFlops, Fma512GFlops ?? 0);
    }

    public static Measured Measure(int repetitions = 7)
    {
        const long fmaIterations = 20_000_000;
        Fma256(1000);
        double fma256 = Best(repetitions, () => Fma256(fmaIterations), Fma256Flops(fmaIterations));
        double? fma512 = null;
        if (Vector512.IsHardwareAccelerated)
        {
            Fma512(1000);
            fma512 = Best(repetitions, () => Fma512(fmaIterations), Fma512Flops(fmaIterations));
        }

        float* l2 = Buffer(L2Bytes);
        const int l2Passes = 2000;
        Read256(l2, L2Bytes / 4, 10);
        double l2Bandwidth = Best(repetitions, () => Read256(l2, L2Bytes / 4, l2Passes), (double)L2Bytes * l2Passes);

        float* memory = Buffer(MemoryBytes);
        Read256(memory, MemoryBytes / 4, 1);
        double memoryBandwidth = Best(Math.Max(3, repetitions / 2), () => Read256(memory, MemoryBytes / 4, 1), MemoryBytes);
        return new Measured(fma256, fma512, l2Bandwidth, memoryBandwidth);
    }

    /// <summary>
    /// <see cref="Fma256"/> on two threads at once, timed by the wall clock from a common start to the later finish:
    /// (best, median) over <paramref name="repetitions"/> runs of the two threads' GFLOP/s together. What two-thread
    /// training can hope for on this machine: two free cores give twice <see cref="Measured.Fma256GFlops"/>; vCPUs
    /// whose host is shared give less, and it varies from run to run.
    /// </summary>
    public static (double Best, double Median) TwoThreadFma256(int repetitions = 15)
    {
        const long iterations = 10_000_000;
        Fma256(1000);
        var rates = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            using var go = new System.Threading.ManualResetEventSlim();
            var threads = new System.Threading.Thread[2];
            for (int t = 0; t < 2; t++)
            {
                threads[t] = new System.Threading.Thread(() => { go.Wait(); Fma256(iterations); });
                threads[t].Start();
            }
            System.Threading.Thread.Sleep(5); // both waiting
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            go.Set();
            foreach (var t in threads) t.Join();
            double ns = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds;
            rates[r] = 2.0 * Fma256Flops(iterations) / ns;
        }
        Array.Sort(rates);
        return (rates[^1], rates[repetitions / 2]);
    }

    /// <summary>The best over <paramref name="repetitions"/> runs of <paramref name="work"/> units per nanosecond of thread CPU time (GFLOP/s or GB/s).</summary>
    private static double Best(int repetitions, Func<float> run, double work)
    {
        var rates = new double[repetitions];
        float sink = 0;
        for (int r = 0; r < repetitions; r++)
        {
            long start = Clock.ThreadCpuNs();
            sink += run();
            double ns = Clock.ThreadCpuNs() - start;
            rates[r] = work / ns;
        }
        if (float.IsNaN(sink)) Console.WriteLine("(floor kernel produced NaN)");
        Array.Sort(rates);
        return rates[^1];
    }
}
