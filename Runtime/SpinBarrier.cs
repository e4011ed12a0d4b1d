using System;
using System.Threading;

namespace NetCompiler;

/// <summary>
/// A barrier for a fixed number of threads that meet often and briefly (the parts of one training step, see
/// <see cref="IPartitionedTraining"/>): <see cref="SignalAndWait"/> spins, yielding the core after a few rounds so that
/// a descheduled partner can run, and never blocks on a kernel object. Allocation-free. Reusable: a thread may call
/// <see cref="SignalAndWait"/> again as soon as it returns.
/// </summary>
public sealed class SpinBarrier
{
    private readonly int _participants;
    private int _remaining;
    private long _generation;

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

    /// <summary>Waits until all <see cref="Participants"/> threads have called this method (in the current round).</summary>
    public void SignalAndWait()
    {
        // Read the round before arriving: the last thread to arrive resets the count, then starts the next round,
        // so a thread that leaves and arrives again at once counts towards the next round.
        long generation = Volatile.Read(ref _generation);
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            Volatile.Write(ref _remaining, _participants);
            Interlocked.Increment(ref _generation);
            return;
        }
        var spinner = new SpinWait();
        while (Volatile.Read(ref _generation) == generation) spinner.SpinOnce(sleep1Threshold: -1);
    }
}
