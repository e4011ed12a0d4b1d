using System;
using System.Runtime.ExceptionServices;
using System.Threading;

namespace NetCompiler;

/// <summary>
/// The calling thread plus <c>count − 1</c> persistent helper threads that run one job together: <see cref="Run"/>
/// calls <c>work(0)</c> on the calling thread and <c>work(i)</c> on helper i, and returns when all are done. Made for
/// jobs of tens to hundreds of microseconds (a training step), where starting tasks or a <c>Parallel.For</c> per job
/// would cost allocations and wake-up latency: an idle helper spins for <see cref="SpinMicroseconds"/> before it blocks,
/// so back-to-back jobs start within a microsecond or so, while a long pause (an evaluation between epochs) leaves
/// the helpers asleep on a monitor rather than burning a core. <see cref="Run"/> allocates nothing.
/// </summary>
/// <remarks>
/// Only one thread may call <see cref="Run"/> and <see cref="Dispose"/> (not concurrently). An exception in any
/// <c>work(i)</c> is caught where it happens; once every thread has finished, <see cref="Run"/> rethrows the one with the
/// lowest index (the calling thread's first), with its original stack trace; the others are dropped.
/// </remarks>
internal sealed class WorkerGroup : IDisposable
{
    /// <summary>
    /// How long an idle thread polls for the next job (or for the helpers to finish) before it blocks: longer than the
    /// hand-offs inside a training step when each thread has a core (a few microseconds), short enough to bound what a
    /// thread burns while its partner is descheduled on a busy machine (docs/design/training.md).
    /// </summary>
    internal const int SpinMicroseconds = 50;

    private readonly Action<int> _work;
    private readonly Thread[] _threads;
    private readonly Exception?[] _errors;
    private readonly long[] _allocatedBytes;
    private readonly object _gate = new();
    private long _generation;   // bumped by Run (and Dispose): a helper starts a job when it sees a new value
    private int _pending;       // helpers still running the current job
    private int _sleepers;      // threads blocked (or about to block) on _gate
    private volatile bool _stopping;

    /// <summary>Starts <paramref name="count"/> − 1 helper threads (background threads named "NetCompiler worker i").</summary>
    public WorkerGroup(int count, Action<int> work)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        _work = work;
        _threads = new Thread[count - 1];
        _errors = new Exception?[count];
        _allocatedBytes = new long[count];
        for (int i = 0; i < _threads.Length; i++)
        {
            _threads[i] = new Thread(Loop) { IsBackground = true, Name = $"NetCompiler worker {i + 1}" };
            _threads[i].Start(i + 1);
        }
    }

    /// <summary>Threads that run each job, the caller included.</summary>
    public int Count => _threads.Length + 1;

    /// <summary>Whether <see cref="Dispose"/> has run and every helper thread has ended.</summary>
    public bool IsStopped => _stopping && Array.TrueForAll(_threads, t => !t.IsAlive);

    /// <summary>
    /// Bytes the helper threads had allocated over their lives at the end of their last job
    /// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>, summed): lets a test prove a job allocates nothing on them.
    /// </summary>
    public long HelperAllocatedBytes
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < _allocatedBytes.Length; i++) sum += Volatile.Read(ref _allocatedBytes[i]);
            return sum;
        }
    }

    /// <summary>Runs the job on every thread and waits for all of them; rethrows the first exception (see remarks).</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        Volatile.Write(ref _pending, _threads.Length);
        Interlocked.Increment(ref _generation);          // a full fence: _pending is visible before the new job
        if (Volatile.Read(ref _sleepers) > 0) Wake();

        try { _work(0); }
        catch (Exception e) { _errors[0] = e; }

        WaitForHelpers();
        for (int i = 0; i < _errors.Length; i++)
        {
            if (_errors[i] is not { } error) continue;
            Array.Clear(_errors);
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Stops the helpers and waits for them to end. Idempotent.</summary>
    public void Dispose()
    {
        if (_stopping) return;
        _stopping = true;
        Interlocked.Increment(ref _generation);
        Wake();
        foreach (Thread t in _threads) t.Join();
    }

    private void Wake()
    {
        lock (_gate) Monitor.PulseAll(_gate);
    }

    private void Loop(object? state)
    {
        int index = (int)state!;
        long seen = 0;
        while (true)
        {
            seen = WaitForJob(seen);
            if (_stopping) return;
            try { _work(index); }
            catch (Exception e) { _errors[index] = e; }
            Volatile.Write(ref _allocatedBytes[index], GC.GetAllocatedBytesForCurrentThread());
            // The last helper to finish wakes the caller if it has stopped spinning. Decrement and the read of
            // _sleepers are ordered by the full fence of the Interlocked operation; the caller does the mirror image.
            if (Interlocked.Decrement(ref _pending) == 0 && Volatile.Read(ref _sleepers) > 0) Wake();
        }
    }

    /// <summary>Spins, then blocks, until <see cref="_generation"/> moves past <paramref name="seen"/>; returns the new value.</summary>
    private long WaitForJob(long seen)
    {
        SpinThenBlock.Wait(new JobAfter(this, seen), _gate, ref _sleepers);
        return Volatile.Read(ref _generation);   // Run cannot move it again before this helper has run the job
    }

    private void WaitForHelpers() => SpinThenBlock.Wait(new HelpersDone(this), _gate, ref _sleepers);

    /// <summary>A job after generation <c>seen</c> has been posted.</summary>
    private readonly struct JobAfter(WorkerGroup group, long seen) : IWaitCondition
    {
        public bool IsMet => Volatile.Read(ref group._generation) != seen;
    }

    /// <summary>Every helper has finished the current job.</summary>
    private readonly struct HelpersDone(WorkerGroup group) : IWaitCondition
    {
        public bool IsMet => Volatile.Read(ref group._pending) == 0;
    }
}
