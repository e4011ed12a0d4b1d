using System;
using System.Diagnostics;
using System.Threading;

namespace NetCompiler;

/// <summary>A condition a thread waits for in <see cref="SpinThenBlock.Wait{TCondition}"/>.</summary>
internal interface IWaitCondition
{
    /// <summary>Whether the wait is over (read with the memory ordering the owner's fields need).</summary>
    bool IsMet { get; }
}

/// <summary>
/// The wait <see cref="WorkerGroup"/> and <see cref="SpinBarrier"/> share: spin for
/// <see cref="WorkerGroup.SpinMicroseconds"/>, then block on a monitor. The thread that makes the condition true
/// publishes it with a full fence (an <c>Interlocked</c> operation) and then, if the sleeper count is positive, pulses
/// the gate under its lock; a waiter counts itself as a sleeper (also a full fence) before its last look, so either the
/// waker sees the sleeper or the sleeper sees the condition, and no pulse is missed.
/// </summary>
internal static class SpinThenBlock
{
    private static readonly long SpinTicks = Math.Max(1, Stopwatch.Frequency * WorkerGroup.SpinMicroseconds / 1_000_000);

    /// <summary>Returns once <paramref name="condition"/> is met, counting this thread in <paramref name="sleepers"/> while it blocks on <paramref name="gate"/>.</summary>
    internal static void Wait<TCondition>(TCondition condition, object gate, ref int sleepers) where TCondition : struct, IWaitCondition
    {
        if (condition.IsMet) return;
        long start = Stopwatch.GetTimestamp();
        var spinner = new SpinWait();
        while (!condition.IsMet)
        {
            if (Stopwatch.GetTimestamp() - start < SpinTicks)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
                continue;
            }
            lock (gate)
            {
                Interlocked.Increment(ref sleepers);
                while (!condition.IsMet) Monitor.Wait(gate);
                Interlocked.Decrement(ref sleepers);
            }
        }
    }
}
