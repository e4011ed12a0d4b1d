using System;

namespace NetCompiler;

/// <summary>A job the trainer's threads run together: <see cref="Work"/>(t) on thread t.</summary>
internal interface IThreadWork
{
    /// <summary>Thread <paramref name="thread"/>'s share of the job.</summary>
    void Work(int thread);
}

/// <summary>
/// The trainer's T threads: the calling thread and, while started (during Fit), T − 1 helper threads of a
/// <see cref="WorkerGroup"/>. <see cref="Run"/> runs a job on all of them, or all its shares in turn on the calling
/// thread when the helpers are not started (the same work in the same order, hence the same numbers).
/// </summary>
internal sealed class ThreadTeam(int threads)
{
    private WorkerGroup? _workers;
    private IThreadWork? _job;
    private Action<int>? _work;

    /// <summary>Number of threads (shares of a job).</summary>
    public int Count => threads;

    /// <summary>Whether the helper threads are running.</summary>
    public bool Started => _workers is not null;

    /// <summary>The helper threads started last (for tests: they must be stopped when Fit returns).</summary>
    public WorkerGroup? Last { get; private set; }

    /// <summary>Starts the helper threads (stopping any running ones first).</summary>
    public WorkerGroup Start()
    {
        if (threads < 2) throw new InvalidOperationException("options.Threads is 1: there is nothing to start.");
        Stop();
        _work ??= t => _job!.Work(t);
        _workers = new WorkerGroup(threads, _work);
        Last = _workers;
        return _workers;
    }

    /// <summary>Stops the helper threads, if running, and waits for them to end.</summary>
    public void Stop()
    {
        _workers?.Dispose();
        _workers = null;
    }

    /// <summary>Runs <paramref name="job"/> on every thread and returns when all are done (rethrowing a share's exception).</summary>
    public void Run(IThreadWork job)
    {
        if (_workers is { } workers)
        {
            _job = job;
            try { workers.Run(); }
            finally { _job = null; }
            return;
        }
        for (int t = 0; t < threads; t++) job.Work(t);
    }
}
