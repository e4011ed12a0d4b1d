using System;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace NetCompiler.Benchmarks;

/// <summary>
/// Two clocks for the quick mode: wall time, and the CPU time of the calling thread (Linux
/// <c>CLOCK_THREAD_CPUTIME_ID</c>). On a shared, loaded machine a thread is often descheduled in the middle of a
/// measurement; its CPU time leaves those gaps out (but not the cache misses that other processes cause), so it is the
/// steadier figure. Every peer here computes on the calling thread (ONNX Runtime and LibTorch are set to one thread),
/// so thread CPU time counts all of their work.
/// </summary>
public static partial class Clock
{
    private const int ClockThreadCpuTime = 3;
    private const int ClockProcessCpuTime = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>Whether <see cref="ThreadCpuNs"/> reads the thread's CPU time (else it falls back to wall time).</summary>
    public static readonly bool HasThreadCpuTime = OperatingSystem.IsLinux() && Probe();

    private static bool Probe()
    {
        try { return ClockGetTime(ClockThreadCpuTime, out _) == 0; }
        catch (Exception) { return false; }
    }

    public static long WallNs() => (long)(Stopwatch.GetTimestamp() * (1e9 / Stopwatch.Frequency));

    /// <summary>CPU time of every thread of the process (Linux <c>CLOCK_PROCESS_CPUTIME_ID</c>); wall time where unavailable.</summary>
    public static long ProcessCpuNs()
    {
        if (!HasThreadCpuTime) return WallNs();
        ClockGetTime(ClockProcessCpuTime, out TimeSpec t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }

    public static long ThreadCpuNs()
    {
        if (!HasThreadCpuTime) return WallNs();
        ClockGetTime(ClockThreadCpuTime, out TimeSpec t);
        return t.Seconds * 1_000_000_000 + t.Nanoseconds;
    }
}
