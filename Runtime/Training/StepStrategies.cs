using System;

namespace NetCompiler;

/// <summary>
/// How the trainer makes one optimisation step: on one thread, by slices of the batch on T threads, or by parts of a
/// partitioned network on T threads.
/// </summary>
internal interface IStepStrategy
{
    /// <summary>
    /// Computes the gradient of the batch at <paramref name="indices"/> at the current parameters and, when the loss and
    /// every gradient entry are finite, steps the optimizer on it. Returns false, with the parameters and the optimizer
    /// untouched, when they are not (the training has diverged). <paramref name="loss"/> is the batch's mean loss.
    /// </summary>
    bool TryStep(Dataset data, ReadOnlySpan<int> indices, out float loss);
}

/// <summary>The step on the calling thread: one gradient buffer, then the optimizer's update.</summary>
internal sealed class OneThreadStep<TNet>(TNet net, BatchBuffers<TNet> batch, Optimizer optimizer, int seed) : IStepStrategy
    where TNet : class, INetwork<TNet>
{
    private readonly float[] _gradients = new float[TNet.ParameterCount];
    private readonly float[] _state = new float[net is ITrainingModeNetwork stateful ? stateful.StateCount : 0];

    public bool TryStep(Dataset data, ReadOnlySpan<int> indices, out float loss)
    {
        loss = batch.ComputeGradients(data, indices, 0, _gradients, new TrainingStep(seed, optimizer.StepCount), _state);
        if (!float.IsFinite(loss) || !SampleLoss.AllFinite(_gradients)) return false;
        optimizer.Step(net.Parameters, _gradients);   // in place: the network's own parameters
        // The running statistics the step leads to, applied with the parameters' update (the step itself writes nothing).
        if (_state.Length > 0) _state.CopyTo(((ITrainingModeNetwork)net).State);
        return true;
    }
}

/// <summary>
/// The step with T &gt; 1 threads by slices of the batch: slice t's gradient on thread t into its own buffer, then
/// Σ (nₜ/n)·gₜ fused with the optimizer's update, each thread on its range of parameters (cut at multiples of 16 floats,
/// so that no two threads write one cache line). On the helper threads when Fit has started them, else everything on
/// the calling thread in the same order with the same numbers.
/// </summary>
/// <remarks>
/// A network whose samples change each other's results (<see cref="ITrainingModeNetwork.CouplesBatch"/>: batch
/// normalisation) takes its slices synchronized: they run at once, on the helper threads only, each a part of one step
/// (<see cref="ITrainingModeNetwork.ComputeGradientsPart"/>) that meets the others at a barrier wherever a layer needs
/// the whole batch's sums, and writes its share of the batch's gradient, so the update is Σ gₜ. Part 0 writes the
/// running statistics, applied with the update. A batch of fewer samples than threads goes to the one-thread step.
/// </remarks>
internal sealed class SlicedStep<TNet> : IStepStrategy, IThreadWork where TNet : class, INetwork<TNet>
{
    private readonly TNet _net;
    private readonly BatchBuffers<TNet> _batch;
    private readonly Optimizer _optimizer;
    private readonly ThreadTeam _team;
    private readonly BatchSlices _slices;
    private readonly float[][] _sliceGradients;
    private readonly float[] _sliceLosses;
    private readonly bool[] _sliceFinite;
    private readonly int[] _rangeStart, _rangeLength;
    private Dataset? _data;
    private bool _updating;
    private int _activeSlices;

    private readonly int _seed;
    private TrainingStep _step;

    // Synchronized slices only.
    private readonly ITrainingModeNetwork? _synchronized;
    private readonly IStepStrategy? _oneThread;
    private readonly float[] _ones = [];
    private readonly double[] _shared = [];
    private readonly float[] _state = [];
    private SpinBarrier? _barrier;   // replaced after a part fails and breaks it

    /// <summary>A step by slices; synchronized slices when <paramref name="synchronized"/> (the network) is given, with the one-thread step for small batches.</summary>
    public SlicedStep(TNet net, BatchBuffers<TNet> batch, Optimizer optimizer, ThreadTeam team, int batchSize, int seed,
        ITrainingModeNetwork? synchronized = null, IStepStrategy? oneThread = null)
    {
        _seed = seed;
        _net = net;
        _batch = batch;
        _optimizer = optimizer;
        _team = team;
        int threads = team.Count, count = TNet.ParameterCount;
        _slices = new BatchSlices(threads, batchSize);
        _sliceGradients = new float[threads][];
        for (int t = 0; t < threads; t++) _sliceGradients[t] = new float[count];
        _sliceLosses = new float[threads];
        _sliceFinite = new bool[threads];
        (_rangeStart, _rangeLength) = BatchSlices.ParameterRanges(count, threads);
        if (synchronized is null) return;
        _synchronized = synchronized;
        _oneThread = oneThread;
        _ones = new float[threads];
        Array.Fill(_ones, 1f);
        _shared = new double[(long)threads * synchronized.SharedPerPart];
        _state = new float[synchronized.StateCount];
        _barrier = new SpinBarrier(threads);
    }

    public bool TryStep(Dataset data, ReadOnlySpan<int> indices, out float loss)
    {
        int n = indices.Length;
        if (_synchronized is not null && n < _team.Count) return _oneThread!.TryStep(data, indices, out loss);
        if (_barrier is { IsBroken: true }) _barrier = new SpinBarrier(_team.Count);   // a part failed in an earlier step
        _slices.Cut(indices);
        _activeSlices = Math.Min(n, _team.Count);   // the non-empty slices are the first ones
        _data = data;
        _step = new TrainingStep(_seed, _optimizer.StepCount);
        try
        {
            _updating = false;
            _team.Run(this);
            double sum = 0;
            bool finite = true;
            for (int t = 0; t < _activeSlices; t++)
            {
                // A synchronized slice's loss is already its share of the batch's.
                sum += _synchronized is null ? (double)_slices.Count[t] / n * _sliceLosses[t] : _sliceLosses[t];
                finite &= _sliceFinite[t];
            }
            loss = (float)sum;
            if (!finite || !float.IsFinite(loss)) return false;
            _updating = true;
            _team.Run(this);
        }
        finally
        {
            _data = null;
        }
        _optimizer.CountStep();
        // The running statistics the step leads to, applied with the parameters' update (the step itself writes nothing).
        if (_state.Length > 0) _state.CopyTo(_synchronized!.State);
        return true;
    }

    public void Work(int t)
    {
        if (_updating)
        {
            _optimizer.StepRange(_net.Parameters, _sliceGradients, _synchronized is null ? _slices.Weights : _ones, _activeSlices, _rangeStart[t], _rangeLength[t]);
            return;
        }
        int count = _slices.Count[t];
        if (count == 0) return;
        int first = _slices.Start[t];
        float[] gradients = _sliceGradients[t];
        if (_synchronized is not null)
        {
            WorkSynchronized(t, count, first, gradients);
            return;
        }
        // Slice t starts at sample `first` of the batch: its dropout masks are the ones the whole batch would draw.
        _sliceLosses[t] = _batch.ComputeGradients(_data!, _slices.Indices.AsSpan(first, count), first, gradients, _step, default);
        _sliceFinite[t] = SampleLoss.AllFinite(gradients);
    }

    /// <summary>
    /// Part t of a synchronized step. A part that fails breaks the barrier, so the others stop waiting for it and return;
    /// its exception is the one Fit reports, and no parameter has changed.
    /// </summary>
    private void WorkSynchronized(int t, int count, int first, float[] gradients)
    {
        SpinBarrier barrier = _barrier!;
        try
        {
            int n = _slices.Start[_team.Count - 1] + _slices.Count[_team.Count - 1];   // the batch: every slice is non-empty
            _sliceLosses[t] = _batch.ComputeGradientsPart(_synchronized!, _data!, _slices.Indices.AsSpan(first, count), first, gradients,
                _step, t, _team.Count, n, t == 0 ? _state : default, _shared, barrier);
            _sliceFinite[t] = SampleLoss.AllFinite(gradients);
        }
        catch (Exception) when (barrier.IsBroken)
        {
            // Another part failed first and broke the barrier: that part's exception surfaces from Fit.
            _sliceFinite[t] = false;
        }
        catch (Exception)
        {
            barrier.Break();
            throw;
        }
    }
}

/// <summary>
/// The step of a network that implements <see cref="IPartitionedTraining"/>, on the helper threads: thread t gathers
/// slice t of the batch, then (after a barrier) computes part t of the gradient and, once every part has found its
/// gradient finite, updates the parameters part t owns. The parts write the bits the one-thread step writes, so the
/// result is the one-thread result.
/// </summary>
internal sealed class PartitionedStep<TNet> : IStepStrategy, IThreadWork where TNet : class, INetwork<TNet>
{
    private readonly TNet _net;
    private readonly IPartitionedTraining _partitioned;
    private readonly BatchBuffers<TNet> _batch;
    private readonly Optimizer _optimizer;
    private readonly ThreadTeam _team;
    private readonly BatchSlices _slices;
    private readonly float[] _gradients = new float[TNet.ParameterCount];
    private readonly float[] _shared;
    private readonly int _sharedStart;   // the first float of _shared on a 64-byte boundary (the array is pinned)
    private SpinBarrier _barrier;   // replaced after a part fails and breaks it
    private readonly int[][] _ownedStarts, _ownedLengths;
    private readonly int[] _ownedCount;
    private readonly bool[] _partFinite;
    private float _loss;
    private bool _updated;
    private int _batchCount;
    private Dataset? _data;

    public PartitionedStep(TNet net, IPartitionedTraining partitioned, BatchBuffers<TNet> batch, Optimizer optimizer, ThreadTeam team, int batchSize)
    {
        _net = net;
        _partitioned = partitioned;
        _batch = batch;
        _optimizer = optimizer;
        _team = team;
        int threads = team.Count;
        _slices = new BatchSlices(threads, batchSize);
        _shared = GC.AllocateArray<float>(partitioned.SharedWorkspaceSize + 16, pinned: true);
        _sharedStart = BatchBuffers<TNet>.AlignedStart(_shared);
        _barrier = new SpinBarrier(threads);
        _ownedStarts = new int[threads][];
        _ownedLengths = new int[threads][];
        _ownedCount = new int[threads];
        _partFinite = new bool[threads];
        for (int t = 0; t < threads; t++)
        {
            _ownedStarts[t] = new int[3];
            _ownedLengths[t] = new int[3];
            _ownedCount[t] = partitioned.OwnedRanges(t, threads, _ownedStarts[t], _ownedLengths[t]);
        }
    }

    public bool TryStep(Dataset data, ReadOnlySpan<int> indices, out float loss)
    {
        if (_barrier.IsBroken) _barrier = new SpinBarrier(_team.Count);   // a part failed in an earlier step
        _slices.Cut(indices);
        _batchCount = indices.Length;
        _data = data;
        _updated = false;
        try
        {
            _team.Run(this);
        }
        finally
        {
            _data = null;
        }
        loss = _loss;
        if (!_updated) return false;
        _optimizer.CountStep();
        return true;
    }

    /// <summary>
    /// Thread t's part. A part that fails breaks the barrier, so the others stop waiting for it and return; its
    /// exception is the one Fit reports. Every part updates its parameters only after its last barrier, which it passes
    /// only once every part has got there, so a part that fails before that leaves the parameters of the last completed
    /// step (generated networks check their arguments before the first barrier).
    /// </summary>
    public void Work(int t)
    {
        SpinBarrier barrier = _barrier;
        try
        {
            WorkCore(t, barrier);
        }
        catch (Exception) when (barrier.IsBroken)
        {
            // Another part failed first and broke the barrier: that part's exception surfaces from Fit.
        }
        catch (Exception)
        {
            barrier.Break();
            throw;
        }
    }

    private Span<float> Shared => _shared.AsSpan(_sharedStart, _partitioned.SharedWorkspaceSize);

    private void WorkCore(int t, SpinBarrier barrier)
    {
        int count = _slices.Count[t], first = _slices.Start[t], n = _batchCount, threads = _team.Count;
        Dataset data = _data!;
        if (count > 0) _batch.Gather(data, _slices.Indices.AsSpan(first, count), first);
        barrier.SignalAndWait();   // every slice gathered
        ReadOnlySpan<float> inputs = _batch.Inputs(0, n);
        float loss = _batch.LearnsFromLabels(data)
            ? _partitioned.ComputeGradientsPart(t, threads, inputs, default, _batch.Labels.AsSpan(0, n), _gradients, Shared, barrier)
            : _partitioned.ComputeGradientsPart(t, threads, inputs, _batch.Targets.AsSpan(0, n * TNet.OutputSize), default, _gradients, Shared, barrier);
        bool finite = float.IsFinite(loss);
        for (int r = 0; r < _ownedCount[t]; r++)
            finite &= SampleLoss.AllFinite(_gradients.AsSpan(_ownedStarts[t][r], _ownedLengths[t][r]));
        _partFinite[t] = finite;
        if (t == 0) _loss = loss;
        barrier.SignalAndWait();   // every part has checked its gradient
        for (int p = 0; p < threads; p++)
            if (!_partFinite[p]) return;
        // The parameters this part owns: no other part reads them any more in this step.
        for (int r = 0; r < _ownedCount[t]; r++)
            _optimizer.StepRange(_net.Parameters, _gradients, _ownedStarts[t][r], _ownedLengths[t][r]);
        if (t == 0) _updated = true;
    }
}

/// <summary>A batch's indices cut into T contiguous slices of ⌊n/T⌋ or ⌈n/T⌉ samples (the first n mod T one longer).</summary>
internal sealed class BatchSlices(int threads, int batchSize)
{
    /// <summary>
    /// The parameters cut into one range per thread for the update, at multiples of 16 floats so that no two threads
    /// write one cache line.
    /// </summary>
    public static (int[] Starts, int[] Lengths) ParameterRanges(int count, int threads)
    {
        var starts = new int[threads];
        var lengths = new int[threads];
        for (int t = 0; t < threads; t++)
        {
            int begin = t == 0 ? 0 : (int)((long)count * t / threads) & ~15;
            int end = t == threads - 1 ? count : (int)((long)count * (t + 1) / threads) & ~15;
            starts[t] = begin;
            lengths[t] = end - begin;
        }
        return (starts, lengths);
    }

    public readonly int[] Indices = new int[batchSize];
    public readonly int[] Start = new int[threads], Count = new int[threads];
    public readonly float[] Weights = new float[threads];

    public void Cut(ReadOnlySpan<int> indices)
    {
        int n = indices.Length;
        indices.CopyTo(Indices);
        int size = n / threads, extra = n % threads, first = 0;
        for (int t = 0; t < threads; t++)
        {
            int count = size + (t < extra ? 1 : 0);
            Start[t] = first;
            Count[t] = count;
            Weights[t] = (float)count / n;
            first += count;
        }
    }
}
