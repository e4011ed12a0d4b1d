using System;
using System.Threading;

namespace NetCompiler;

/// <summary>
/// A barrier for a fixed number of threads that meet often and briefly (the parts of one training step, see
/// <see cref="IPartitionedTraining"/>): <see cref="SignalAndWait"/> spins for up to 50 µs, which covers the waits
/// within a step when every thread has a core, then blocks on a monitor, so that on a busy machine a thread whose
/// partner has been descheduled gives its core up instead of spinning through its time slice. Allocation-free.
/// Reusable: a thread may call <see cref="SignalAndWait"/> again as soon as it returns. A thread that fails calls
/// <see cref="Break"/>, so that the others stop waiting for it (they throw) instead of waiting for ever.
/// </summary>
public sealed class SpinBarrier
{
    private readonly int _participants;
    private readonly object _gate = new();
    private int _remaining;
    private long _generation;
    private int _sleepers;   // threads blocked (or about to block) on _gate
    private volatile bool _broken;

    /// <summary>A barrier for <paramref name="participants"/> threads.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="participants"/> is not positive.</exception>
    public SpinBarrier(int participants)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(participants, 1);
        _participants = participants;
        _remaining = participants;
    }

    /// <summary>The number of threads that meet at this barrier.</summary>
    public int Participants => _participants;

    /// <summary>Whether <see cref="Break"/> has been called: the barrier is then of no further use.</summary>
    public bool IsBroken => _broken;

    /// <summary>Breaks the barrier: every thread waiting at it, and every later call, throws. For a participant that fails.</summary>
    public void Break()
    {
        _broken = true;
        lock (_gate) Monitor.PulseAll(_gate);
    }

    /// <summary>Waits until all <see cref="Participants"/> threads have called this method (in the current round).</summary>
    /// <exception cref="InvalidOperationException">The barrier is broken (<see cref="Break"/>), before or while waiting.</exception>
    public void SignalAndWait()
    {
        if (_broken) throw BrokenError();
        // Read the round before arriving: the last thread to arrive resets the count, then starts the next round,
        // so a thread that leaves and arrives again at once counts towards the next round.
        long generation = Volatile.Read(ref _generation);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Volatile.Write(ref _remaining, _participants);
            // A full fence, then the sleepers: a thread about to block either is counted here or sees the new round.
            Interlocked.Increment(ref _generation);
            if (Volatile.Read(ref _sleepers) > 0)
                lock (_gate) Monitor.PulseAll(_gate);
            return;
        }
        SpinThenBlock.Wait(new RoundOver(this, generation), _gate, ref _sleepers);
        if (Volatile.Read(ref _generation) == generation) throw BrokenError();   // woken by Break, not by the round's end
    }

    /// <summary>The round that started at <c>generation</c> is over, or the barrier is broken.</summary>
    private readonly struct RoundOver(SpinBarrier barrier, long generation) : IWaitCondition
    {
        public bool IsMet => Volatile.Read(ref barrier._generation) != generation || barrier._broken;
    }

    private static InvalidOperationException BrokenError()
        => new("Another participant broke this SpinBarrier (it failed); the threads meeting here cannot go on.");
}
