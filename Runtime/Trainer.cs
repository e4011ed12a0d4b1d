using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace NetCompiler;

/// <summary>Loss and accuracy of a network over a dataset.</summary>
/// <param name="Loss">
/// Mean loss per sample: for <see cref="NetCompiler.Loss.SoftmaxCrossEntropy"/> −log p[label] (or −Σ t log p against targets),
/// with p clamped to ≥ 1e-12; for <see cref="NetCompiler.Loss.HalfSquaredError"/> ½ Σ (y − t)², against one-hot targets when the
/// data has labels (or t = label when the network has a single output). NaN for an empty dataset.
/// </param>
/// <param name="Accuracy">
/// Fraction of samples whose predicted class is right: argmax of the output against the label (or against the argmax of the
/// targets); for a single-output network with 0/1 labels, (y &gt; 0.5) against the label. NaN when not meaningful
/// (a single-output network with targets, or an empty dataset).
/// </param>
/// <param name="Count">Number of samples evaluated.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);

/// <summary>What happened in one training epoch; passed to <see cref="TrainerOptions.Progress"/> and kept in <see cref="TrainingResult.Epochs"/>.</summary>
/// <param name="Epoch">The epoch number, from 1.</param>
/// <param name="LearningRate">The learning rate used during the epoch.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch's samples (each batch's mean loss weighted by its size), measured while the parameters changed.</param>
/// <param name="Validation">Loss and accuracy on the validation set after the epoch, or null without one.</param>
/// <param name="Improved">Whether <see cref="Objective"/> improved on every earlier epoch (by more than <see cref="TrainerOptions.MinDelta"/>).</param>
/// <param name="Elapsed">Wall-clock time of the epoch, evaluation included.</param>
public sealed record EpochReport(int Epoch, float LearningRate, double TrainingLoss, EvaluationResult? Validation, bool Improved, TimeSpan Elapsed)
{
    /// <summary>The quantity early stopping watches: the validation loss, or the training loss without validation data.</summary>
    public double Objective => Validation?.Loss ?? TrainingLoss;
}

/// <summary>The outcome of <see cref="Trainer{TNet}.Fit"/>.</summary>
/// <param name="Epochs">One report per epoch run, in order.</param>
/// <param name="BestEpoch">The epoch (from 1) with the lowest <see cref="EpochReport.Objective"/>; 0 if every objective was NaN.</param>
/// <param name="BestObjective">That epoch's objective (NaN if none).</param>
/// <param name="StoppedEarly">Whether early stopping ended training before <see cref="TrainerOptions.Epochs"/>.</param>
/// <param name="RestoredBest">Whether the network's parameters were reset to those after <see cref="BestEpoch"/> (<see cref="TrainerOptions.RestoreBest"/>).</param>
public sealed record TrainingResult(IReadOnlyList<EpochReport> Epochs, int BestEpoch, double BestObjective, bool StoppedEarly, bool RestoredBest)
{
    /// <summary>The report of the last epoch run.</summary>
    public EpochReport Last => Epochs[^1];
}

/// <summary>Settings of a <see cref="Trainer{TNet}"/>; use <c>with</c> to derive variants.</summary>
public sealed record TrainerOptions
{
    /// <summary>Maximum number of passes over the training data; positive. Default 10.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Samples per mini-batch; positive. The last batch of an epoch may be smaller. Default 64.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Seed of the per-epoch shuffles (epoch e uses <c>new SplitMix64(Seed, e)</c>). Default <see cref="ParameterInitializer.DefaultSeed"/>.</summary>
    public int Seed { get; init; } = ParameterInitializer.DefaultSeed;

    /// <summary>Whether to shuffle the training samples every epoch (Fisher–Yates). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// Early stopping: stop after this many consecutive epochs without improvement of the objective (the validation loss,
    /// or the training loss when <see cref="Trainer{TNet}.Fit"/> gets no validation data). 0 (the default) disables it.
    /// </summary>
    public int Patience { get; init; }

    /// <summary>The objective must fall by more than this to count as an improvement; ≥ 0. Default 0.</summary>
    public double MinDelta { get; init; }

    /// <summary>
    /// At the end of training, reset the network to its parameters after the best epoch (the optimizer's momentum is not
    /// reset). Default false.
    /// </summary>
    public bool RestoreBest { get; init; }

    /// <summary>
    /// Optional learning-rate schedule: given the epoch (from 1) and the optimizer's learning rate when
    /// <see cref="Trainer{TNet}.Fit"/> started, returns the learning rate for that epoch. Fit restores the initial rate
    /// when it returns. See <see cref="StepDecay"/>.
    /// </summary>
    public Func<int, float, float>? LearningRateSchedule { get; init; }

    /// <summary>Called after every epoch with its report.</summary>
    public Action<EpochReport>? Progress { get; init; }

    /// <summary>
    /// Threads a training step runs on (data parallelism); in [1, <see cref="BatchSize"/>]. Default 1. With T &gt; 1 each
    /// batch of n samples is cut into T contiguous slices of ⌊n/T⌋ or ⌈n/T⌉ samples (the first n mod T slices take one
    /// more); during <see cref="Trainer{TNet}.Fit"/> the calling thread computes the first slice's gradient and T − 1
    /// helper threads, started by Fit and stopped when it returns, the others, each into its own buffer, on the one
    /// network instance (<see cref="INetwork.ComputeGradients"/> only reads the parameters). The batch gradient is then
    /// Σ (nᵢ/n)·gᵢ, summed in slice order and fused with the optimizer's update, which the T threads share by
    /// parameter range. Fit also evaluates the validation data on the T threads, each predicting a contiguous range of
    /// the batches one thread would (with the same result, bit for bit). Training results are deterministic for a given
    /// seed and thread count, but equal to those of one thread only up to float rounding: the per-sample contributions
    /// are summed in a different order. Memory: T − 1 more gradient buffers of <c>ParameterCount</c> floats.
    /// <para>
    /// Networks that implement <see cref="IPartitionedTraining"/> (dense networks whose first layer holds most of the
    /// weights), with T no more than its <see cref="IPartitionedTraining.MaxParts"/>, are trained by parts instead:
    /// during Fit, thread t gathers slice t of the batch, then computes the first layer's t-th range of rows (forward and
    /// gradient) for the whole batch and repeats the small layers above, and updates the parameters its part owns. No
    /// extra gradient buffer, no reduction, and the result is bit-identical to one thread's.
    /// </para>
    /// </summary>
    public int Threads { get; init; } = 1;

    /// <summary>A schedule multiplying the initial learning rate by <paramref name="factor"/> every <paramref name="stepEpochs"/> epochs (PyTorch's StepLR).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepEpochs"/> is not positive, or <paramref name="factor"/> is not finite and &gt; 0.</exception>
    public static Func<int, float, float> StepDecay(int stepEpochs, float factor)
    {
        if (stepEpochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepEpochs), stepEpochs, "The step must be a positive number of epochs.");
        if (!(factor > 0f) || !float.IsFinite(factor))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be finite and > 0.");
        return (epoch, initial) => (float)(initial * Math.Pow(factor, (epoch - 1) / stepEpochs));
    }
}

/// <summary>
/// Mini-batch training of a generated network with <see cref="Sgd"/>. Each epoch shuffles the sample order (seeded,
/// deterministic), gathers each batch's rows into preallocated buffers, computes gradients
/// (<see cref="IClassifier.ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/> for labelled data on a
/// classifier; otherwise targets, built as one-hot vectors from labels when needed) and steps the optimizer on the
/// network's own parameters in place (<see cref="INetwork.Parameters"/>: no copy in or out). A training step allocates
/// nothing.
/// </summary>
/// <remarks>
/// Not thread-safe (with <see cref="TrainerOptions.Threads"/> &gt; 1, Fit uses threads of its own). The optimizer's
/// momentum persists across <see cref="Fit"/> calls (call <see cref="Sgd.Reset"/> to forget it). Do not change the network's parameters from <see cref="TrainerOptions.Progress"/>.
/// </remarks>
public sealed class Trainer<TNet> where TNet : class, INetwork<TNet>
{
    private const float MinProbability = 1e-12f;

    private readonly TNet _net;
    private readonly IClassifier? _classifier;
    private readonly Sgd _optimizer;
    private readonly TrainerOptions _options;
    private readonly float[] _gradients;
    private readonly float[] _batchInputs;
    private readonly int _inputsStart;   // the first float of _batchInputs on a 64-byte boundary (the array is pinned)
    private readonly float[] _batchTargets;
    private readonly int[] _batchLabels;
    private readonly float[] _outputs;
    private float[]? _best;

    // Data parallelism (Threads > 1): slice t of a batch goes to thread t, parameter range t is updated by thread t.
    private readonly int _threads;
    private readonly float[][] _sliceGradients = [];   // [0] is _gradients
    private readonly int[] _stepIndices = [];
    private readonly int[] _sliceStart = [], _sliceCount = [];
    private readonly float[] _sliceWeights = [], _sliceLosses = [];
    private readonly int[] _rangeStart = [], _rangeLength = [];
    private readonly Action<int>? _work;
    private Dataset? _stepData;
    private int _activeSlices;
    private Phase _phase;
    private readonly float[][] _threadOutputs = [];   // [0] is _outputs
    private readonly long[] _evalCorrect = [];
    private double[] _evalLosses = [];
    private Dataset? _evalData;

    // Training by parts (a network that implements IPartitionedTraining, Threads ≤ its MaxParts): thread t gathers
    // slice t of the batch, then computes part t of the step and updates the parameters that part owns.
    private readonly IPartitionedTraining? _partitioned;
    private readonly float[] _shared = [];
    private readonly int _sharedStart;   // the first float of _shared on a 64-byte boundary (the array is pinned)
    private SpinBarrier? _barrier;   // replaced after a part fails and breaks it
    private readonly int[][] _ownedStarts = [], _ownedLengths = [];
    private readonly int[] _ownedCount = [];
    private float _partLoss;
    private int _batchCount;

    private enum Phase { Gradients, Update, Evaluate, Parts }
    private WorkerGroup? _workers;

    /// <summary>Creates a trainer for <paramref name="net"/>, which it updates in place.</summary>
    /// <param name="net">The network to train.</param>
    /// <param name="optimizer">The optimizer; its <see cref="Sgd.ParameterCount"/> must be <c>TNet.ParameterCount</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="ArgumentException">The optimizer's size does not match, or an option is out of range.</exception>
    public Trainer(TNet net, Sgd optimizer, TrainerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TrainerOptions();
        if (optimizer.ParameterCount != TNet.ParameterCount)
            throw new ArgumentException(
                $"The optimizer updates {optimizer.ParameterCount} parameters but {typeof(TNet).Name} has {TNet.ParameterCount}.", nameof(optimizer));
        if (options.Epochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Epochs, "options.Epochs must be positive.");
        if (options.BatchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "options.BatchSize must be positive.");
        if (options.Patience < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.Patience, "options.Patience must be ≥ 0 (0 disables early stopping).");
        if (!(options.MinDelta >= 0) || !double.IsFinite(options.MinDelta))
            throw new ArgumentOutOfRangeException(nameof(options), options.MinDelta, "options.MinDelta must be finite and ≥ 0.");
        if (options.Threads < 1 || options.Threads > options.BatchSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads,
                $"options.Threads must be in [1, options.BatchSize = {options.BatchSize}]: each thread takes a slice of at least one sample of a batch.");
        long inputFloats = (long)options.BatchSize * TNet.InputSize, outputFloats = (long)options.BatchSize * TNet.OutputSize;
        if (inputFloats > Array.MaxLength - 16 || outputFloats > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "options.BatchSize is too large for the network's input or output size.");

        _net = net;
        _classifier = TNet.Loss == Loss.SoftmaxCrossEntropy ? net as IClassifier : null;
        _optimizer = optimizer;
        _options = options;
        _gradients = new float[TNet.ParameterCount];
        // The generated kernels load the inputs as vectors: from a 64-byte boundary, rows of a multiple of 16 floats never
        // straddle cache lines.
        _batchInputs = GC.AllocateArray<float>((int)inputFloats + 16, pinned: true);
        _inputsStart = AlignedStart(_batchInputs);
        _batchTargets = new float[outputFloats];
        _batchLabels = new int[options.BatchSize];
        _outputs = new float[outputFloats];

        _threads = options.Threads;
        if (_threads > 1 && net is IPartitionedTraining partitioned && _threads <= partitioned.MaxParts)
        {
            _partitioned = partitioned;
            _shared = GC.AllocateArray<float>(partitioned.SharedWorkspaceSize + 16, pinned: true);
            _sharedStart = AlignedStart(_shared);
            _barrier = new SpinBarrier(_threads);
            _ownedStarts = new int[_threads][];
            _ownedLengths = new int[_threads][];
            _ownedCount = new int[_threads];
            for (int t = 0; t < _threads; t++)
            {
                _ownedStarts[t] = new int[3];
                _ownedLengths[t] = new int[3];
                _ownedCount[t] = partitioned.OwnedRanges(t, _threads, _ownedStarts[t], _ownedLengths[t]);
            }
        }
        if (_threads > 1)
        {
            _sliceGradients = new float[_threads][];
            _sliceGradients[0] = _gradients;
            if (_partitioned is null)
                for (int t = 1; t < _threads; t++) _sliceGradients[t] = new float[TNet.ParameterCount];
            _stepIndices = new int[options.BatchSize];
            _sliceStart = new int[_threads];
            _sliceCount = new int[_threads];
            _sliceWeights = new float[_threads];
            _sliceLosses = new float[_threads];
            // Parameter ranges for the update, cut at multiples of 16 floats (64-byte cache lines) so that no two
            // threads write the same line.
            _rangeStart = new int[_threads];
            _rangeLength = new int[_threads];
            int count = TNet.ParameterCount;
            for (int t = 0; t < _threads; t++)
            {
                int begin = t == 0 ? 0 : (int)((long)count * t / _threads) & ~15;
                int end = t == _threads - 1 ? count : (int)((long)count * (t + 1) / _threads) & ~15;
                _rangeStart[t] = begin;
                _rangeLength[t] = end - begin;
            }
            _threadOutputs = new float[_threads][];
            _threadOutputs[0] = _outputs;
            for (int t = 1; t < _threads; t++) _threadOutputs[t] = new float[outputFloats];
            _evalCorrect = new long[_threads];
            _work = Work;
        }
    }

    /// <summary>The network being trained.</summary>
    public TNet Network => _net;

    /// <summary>The optimizer.</summary>
    public Sgd Optimizer => _optimizer;

    /// <summary>The settings.</summary>
    public TrainerOptions Options => _options;

    /// <summary>
    /// Trains for up to <see cref="TrainerOptions.Epochs"/> epochs, evaluating on <paramref name="validation"/> after each
    /// epoch when given, with early stopping and restoring the best parameters as the options say.
    /// </summary>
    /// <exception cref="ArgumentException">A dataset is empty or does not fit the network (feature size, target size, label range).</exception>
    /// <exception cref="InvalidOperationException"><see cref="TrainerOptions.LearningRateSchedule"/> returned a negative or non-finite rate.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between batches); the network holds the parameters of the last completed step.</exception>
    public TrainingResult Fit(Dataset train, Dataset? validation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ValidateData(train, nameof(train));
        if (train.Count == 0) throw new ArgumentException("The training set is empty.", nameof(train));
        if (validation is not null)
        {
            ValidateData(validation, nameof(validation));
            if (validation.Count == 0) throw new ArgumentException("The validation set is empty.", nameof(validation));
        }

        TrainerOptions options = _options;
        float[]? best = options.RestoreBest ? (_best ??= new float[TNet.ParameterCount]) : null;
        var order = new int[train.Count];
        var reports = new List<EpochReport>(options.Epochs);
        float initialLearningRate = _optimizer.LearningRate;
        int bestEpoch = 0, epochsWithoutImprovement = 0;
        double bestObjective = double.NaN;
        bool stoppedEarly = false;
        if (_threads > 1)
        {
            if (validation is not null && _evalLosses.Length < validation.Count) _evalLosses = new double[validation.Count];
            StartWorkers();
        }
        try
        {
            for (int epoch = 1; epoch <= options.Epochs; epoch++)
            {
                long start = Stopwatch.GetTimestamp();
                if (options.LearningRateSchedule is { } schedule)
                {
                    float rate = schedule(epoch, initialLearningRate);
                    if (!(rate >= 0f) || !float.IsFinite(rate))
                        throw new InvalidOperationException(
                            $"options.LearningRateSchedule returned {rate} for epoch {epoch}; a learning rate must be finite and ≥ 0.");
                    _optimizer.LearningRate = rate;
                }

                for (int i = 0; i < order.Length; i++) order[i] = i;
                if (options.Shuffle)
                {
                    var rng = new SplitMix64(options.Seed, epoch);
                    for (int i = order.Length - 1; i > 0; i--)
                    {
                        int j = rng.NextInt(i + 1);
                        (order[i], order[j]) = (order[j], order[i]);
                    }
                }

                double lossSum = 0;
                for (int first = 0; first < order.Length; first += options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = Math.Min(options.BatchSize, order.Length - first);
                    lossSum += (double)StepCore(train, order.AsSpan(first, n)) * n;
                }
                double trainingLoss = lossSum / order.Length;

                EvaluationResult? validationResult = validation is null
                    ? null
                    : _workers is not null ? EvaluateOnAllThreads(validation) : EvaluateCore(_net, validation, _outputs, options.BatchSize);
                double objective = validationResult?.Loss ?? trainingLoss;
                bool improved = !double.IsNaN(objective) && (bestEpoch == 0 || objective < bestObjective - options.MinDelta);
                if (improved)
                {
                    bestEpoch = epoch;
                    bestObjective = objective;
                    epochsWithoutImprovement = 0;
                    if (best is not null) _net.Parameters.CopyTo(best);
                }
                else
                {
                    epochsWithoutImprovement++;
                }

                var report = new EpochReport(epoch, _optimizer.LearningRate, trainingLoss, validationResult, improved,
                    Stopwatch.GetElapsedTime(start));
                reports.Add(report);
                options.Progress?.Invoke(report);

                if (options.Patience > 0 && epochsWithoutImprovement >= options.Patience && epoch < options.Epochs)
                {
                    stoppedEarly = true;
                    break;
                }
            }
        }
        finally
        {
            StopWorkers();
            if (options.LearningRateSchedule is not null) _optimizer.LearningRate = initialLearningRate;
        }

        bool restored = false;
        if (best is not null && bestEpoch != 0 && bestEpoch != reports.Count)
        {
            _net.LoadParameters(best);
            restored = true;
        }
        return new TrainingResult(reports, bestEpoch, bestObjective, stoppedEarly, restored);
    }

    /// <summary>
    /// One optimisation step on the samples of <paramref name="data"/> at <paramref name="batchIndices"/>: computes the
    /// batch's gradients at the network's current parameters and steps the optimizer on them in place. Allocation-free.
    /// The same step as <see cref="Fit"/>'s.
    /// With <see cref="TrainerOptions.Threads"/> &gt; 1 this computes exactly the step Fit would (the same slices, the
    /// same reduction, hence the same numbers), but on the calling thread alone: only Fit runs helper threads.
    /// </summary>
    /// <returns>The batch's mean loss, before the step.</returns>
    /// <exception cref="ArgumentException">The batch is empty or larger than <see cref="TrainerOptions.BatchSize"/>, an index or label is out of range, or <paramref name="data"/> does not fit the network.</exception>
    public float TrainStep(Dataset data, ReadOnlySpan<int> batchIndices)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (batchIndices.Length == 0 || batchIndices.Length > _options.BatchSize)
            throw new ArgumentException(
                $"The batch must hold 1 to {_options.BatchSize} (options.BatchSize) indices, got {batchIndices.Length}.", nameof(batchIndices));
        CheckShape(data, nameof(data));
        for (int i = 0; i < batchIndices.Length; i++)
        {
            int index = batchIndices[i];
            if ((uint)index >= (uint)data.Count)
                throw new ArgumentOutOfRangeException(nameof(batchIndices), index, $"Batch index {i} is outside [0, {data.Count}).");
            if (data.Labels is { } labels && !IsValidLabel(labels[index]))
                throw new ArgumentException($"Label {labels[index]} of sample {index} is outside {LabelRange}.", nameof(data));
        }
        return StepCore(data, batchIndices);
    }

    /// <summary>Loss and accuracy of the network over <paramref name="data"/>, using the trainer's preallocated buffers.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not fit the network.</exception>
    public EvaluationResult Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ValidateData(data, nameof(data));
        return EvaluateCore(_net, data, _outputs, _options.BatchSize);
    }

    /// <summary>Loss and accuracy of <paramref name="net"/> over <paramref name="data"/>, predicting <paramref name="batchSize"/> samples at a time.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not fit the network.</exception>
    public static EvaluationResult Evaluate(TNet net, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        ValidateData(data, nameof(data));
        batchSize = Math.Min(batchSize, Math.Min(Math.Max(1, data.Count), Array.MaxLength / TNet.OutputSize));
        return EvaluateCore(net, data, new float[batchSize * TNet.OutputSize], batchSize);
    }

    private float StepCore(Dataset data, ReadOnlySpan<int> indices)
    {
        if (_partitioned is not null && _workers is not null) return StepParts(data, indices);
        // Without helper threads (Step outside Fit), a partitioned network's step is the one-thread step: same bits.
        if (_threads > 1 && _partitioned is null) return StepSliced(data, indices);
        float loss = SliceGradients(data, indices, 0, _gradients);
        _optimizer.Step(_net.Parameters, _gradients);   // in place: the network's own parameters
        return loss;
    }

    /// <summary>
    /// Gathers the samples at <paramref name="indices"/> into the batch buffers from sample <paramref name="offset"/> on
    /// and writes their mean loss's gradient to <paramref name="gradients"/>; returns the mean loss. Slices with
    /// distinct offsets touch distinct parts of the buffers, so they may run on different threads.
    /// </summary>
    private float SliceGradients(Dataset data, ReadOnlySpan<int> indices, int offset, Span<float> gradients)
    {
        Gather(data, indices, offset);
        int n = indices.Length;
        ReadOnlySpan<float> inputs = BatchInputs(offset, n);
        if (LearnsFromLabels(data)) return _classifier!.ComputeGradients(inputs, _batchLabels.AsSpan(offset, n), gradients);
        return _net.ComputeGradients(inputs, _batchTargets.AsSpan(offset * TNet.OutputSize, n * TNet.OutputSize), gradients);
    }

    /// <summary>The parts' shared workspace, from a 64-byte boundary.</summary>
    private Span<float> Shared => _shared.AsSpan(_sharedStart, _partitioned!.SharedWorkspaceSize);

    /// <summary>Samples [offset, offset + n) of the batch buffers' inputs.</summary>
    private ReadOnlySpan<float> BatchInputs(int offset, int n) => _batchInputs.AsSpan(_inputsStart + offset * TNet.InputSize, n * TNet.InputSize);

    /// <summary>Whether the network learns from <paramref name="data"/>'s labels (a classifier, labelled data) rather than from targets.</summary>
    private bool LearnsFromLabels(Dataset data) => _classifier is not null && data.Labels is not null;

    /// <summary>
    /// Copies the samples at <paramref name="indices"/> into the batch buffers from sample <paramref name="offset"/> on:
    /// the inputs, and the labels (<see cref="LearnsFromLabels"/>) or the targets (one-hot vectors built from labels when
    /// the network is not a classifier). Slices with distinct offsets touch distinct parts of the buffers, so they may
    /// be gathered on different threads.
    /// </summary>
    private void Gather(Dataset data, ReadOnlySpan<int> indices, int offset)
    {
        int n = indices.Length, inputSize = TNet.InputSize, outputSize = TNet.OutputSize;
        Span<float> inputs = _batchInputs.AsSpan(_inputsStart + offset * inputSize, n * inputSize);
        float[] features = data.Features;
        for (int i = 0; i < n; i++)
            features.AsSpan(indices[i] * inputSize, inputSize).CopyTo(inputs.Slice(i * inputSize, inputSize));

        if (data.Labels is { } labels)
        {
            if (LearnsFromLabels(data))
            {
                Span<int> batchLabels = _batchLabels.AsSpan(offset, n);
                for (int i = 0; i < n; i++) batchLabels[i] = labels[indices[i]];
                return;
            }
            Span<float> oneHot = _batchTargets.AsSpan(offset * outputSize, n * outputSize);
            if (outputSize == 1)
            {
                for (int i = 0; i < n; i++) oneHot[i] = labels[indices[i]];
            }
            else
            {
                oneHot.Clear();
                for (int i = 0; i < n; i++) oneHot[i * outputSize + labels[indices[i]]] = 1f;
            }
            return;
        }

        Span<float> targets = _batchTargets.AsSpan(offset * outputSize, n * outputSize);
        float[] allTargets = data.Targets!;
        for (int i = 0; i < n; i++)
            allTargets.AsSpan(indices[i] * outputSize, outputSize).CopyTo(targets.Slice(i * outputSize, outputSize));
    }

    /// <summary>
    /// The step of a partitioned network on the helper threads: thread t gathers slice t of the batch, then (after a
    /// barrier) computes part t of the gradient and updates the parameters part t owns. The parts write the bits the
    /// one-thread step writes, so the result is the one-thread result.
    /// </summary>
    private float StepParts(Dataset data, ReadOnlySpan<int> indices)
    {
        if (_barrier!.IsBroken) _barrier = new SpinBarrier(_threads);   // a part failed in an earlier step
        CutIntoSlices(indices);
        _batchCount = indices.Length;
        _stepData = data;
        try
        {
            _phase = Phase.Parts;
            RunOnAllThreads();
        }
        finally
        {
            _stepData = null;
        }
        _optimizer.CountStep();
        return _partLoss;
    }

    /// <summary>
    /// Thread t's share of <see cref="StepParts"/>. A part that fails breaks the barrier, so the others stop waiting
    /// for it and return; its exception is the one Fit reports. Every part updates its parameters only after its last
    /// barrier, which it passes only once every part has got there, so a part that fails before that leaves the
    /// parameters of the last completed step (generated networks check their arguments before the first barrier).
    /// </summary>
    private void WorkPart(int t)
    {
        SpinBarrier barrier = _barrier!;
        try
        {
            WorkPartCore(t, barrier);
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

    private void WorkPartCore(int t, SpinBarrier barrier)
    {
        int count = _sliceCount[t], first = _sliceStart[t], n = _batchCount;
        Dataset data = _stepData!;
        if (count > 0) Gather(data, _stepIndices.AsSpan(first, count), first);
        barrier.SignalAndWait();   // every slice gathered
        ReadOnlySpan<float> inputs = BatchInputs(0, n);
        float loss = LearnsFromLabels(data)
            ? _partitioned!.ComputeGradientsPart(t, _threads, inputs, default, _batchLabels.AsSpan(0, n), _gradients, Shared, barrier)
            : _partitioned!.ComputeGradientsPart(t, _threads, inputs, _batchTargets.AsSpan(0, n * TNet.OutputSize), default, _gradients, Shared, barrier);
        if (t == 0) _partLoss = loss;
        // The parameters this part owns: no other part reads them any more in this step.
        for (int r = 0; r < _ownedCount[t]; r++)
            _optimizer.StepRange(_net.Parameters, _gradients, _ownedStarts[t][r], _ownedLengths[t][r]);
    }

    /// <summary>
    /// The step with <see cref="TrainerOptions.Threads"/> = T &gt; 1: slice t's gradient on thread t into its own buffer,
    /// then Σ (nₜ/n)·gₜ fused with the optimizer's update, each thread on its range of parameters; on the helper threads
    /// when Fit has started them, else everything on the calling thread in the same order with the same numbers.
    /// </summary>
    private float StepSliced(Dataset data, ReadOnlySpan<int> indices)
    {
        int n = indices.Length, threads = _threads;
        CutIntoSlices(indices);
        _activeSlices = Math.Min(n, threads);   // the non-empty slices are the first ones
        _stepData = data;
        try
        {
            _phase = Phase.Gradients;
            RunOnAllThreads();
            _phase = Phase.Update;
            RunOnAllThreads();
        }
        finally
        {
            _stepData = null;
        }
        _optimizer.CountStep();

        double loss = 0;
        for (int t = 0; t < _activeSlices; t++) loss += (double)_sliceCount[t] / n * _sliceLosses[t];
        return (float)loss;
    }

    /// <summary>Copies the batch's indices and cuts them into <c>Threads</c> contiguous slices (the first n mod T one longer).</summary>
    private void CutIntoSlices(ReadOnlySpan<int> indices)
    {
        int n = indices.Length, threads = _threads;
        indices.CopyTo(_stepIndices);
        int size = n / threads, extra = n % threads, first = 0;
        for (int t = 0; t < threads; t++)
        {
            int count = size + (t < extra ? 1 : 0);
            _sliceStart[t] = first;
            _sliceCount[t] = count;
            _sliceWeights[t] = (float)count / n;
            first += count;
        }
    }

    private void RunOnAllThreads()
    {
        if (_workers is { } workers)
        {
            workers.Run();
            return;
        }
        for (int t = 0; t < _threads; t++) Work(t);
    }

    /// <summary>
    /// Evaluation during Fit with helper threads: thread t predicts a contiguous range of the same batches
    /// <see cref="EvaluateCore"/> would (so every prediction is bit-identical) and stores each sample's loss; the losses
    /// are then summed in sample order, so the result is bit-identical to <see cref="EvaluateCore"/>'s.
    /// </summary>
    private EvaluationResult EvaluateOnAllThreads(Dataset data)
    {
        _evalData = data;
        try
        {
            _phase = Phase.Evaluate;
            RunOnAllThreads();
        }
        finally
        {
            _evalData = null;
        }
        double lossSum = 0;
        foreach (double loss in _evalLosses.AsSpan(0, data.Count)) lossSum += loss;
        long correct = 0;
        foreach (long c in _evalCorrect) correct += c;
        return Result(data, lossSum, correct);
    }

    /// <summary>Thread <paramref name="t"/>'s share of the current phase (see <see cref="StepSliced"/> and <see cref="EvaluateOnAllThreads"/>).</summary>
    private void Work(int t)
    {
        switch (_phase)
        {
            case Phase.Gradients:
                int count = _sliceCount[t];
                if (count == 0) return;
                int first = _sliceStart[t];
                _sliceLosses[t] = SliceGradients(_stepData!, _stepIndices.AsSpan(first, count), first, _sliceGradients[t]);
                break;
            case Phase.Update:
                _optimizer.StepRange(_net.Parameters, _sliceGradients, _sliceWeights, _activeSlices, _rangeStart[t], _rangeLength[t]);
                break;
            case Phase.Parts:
                WorkPart(t);
                break;
            default:
                Dataset data = _evalData!;
                int size = _options.BatchSize, batches = (data.Count + size - 1) / size;
                int begin = (int)((long)batches * t / _threads) * size;
                int end = (int)Math.Min((long)batches * (t + 1) / _threads * size, data.Count);
                double unused = 0;
                _evalCorrect[t] = Score(_net, data, _threadOutputs[t], size, begin, end, _evalLosses.AsSpan(0, data.Count), ref unused);
                break;
        }
    }

    /// <summary>Index of the first element of a pinned array that lies on a 64-byte boundary (0 … 15).</summary>
    private static int AlignedStart(float[] pinned)
    {
        nint address = System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((-address & 63) >> 2);
    }

    /// <summary>Starts the helper threads that <see cref="StepSliced"/> then uses (Fit does this; tests may too).</summary>
    internal WorkerGroup StartWorkers()
    {
        if (_threads < 2) throw new InvalidOperationException("options.Threads is 1: there is nothing to start.");
        StopWorkers();
        _workers = new WorkerGroup(_threads, _work!);
        LastWorkers = _workers;
        return _workers;
    }

    /// <summary>Stops the helper threads, if running, and waits for them to end.</summary>
    internal void StopWorkers()
    {
        _workers?.Dispose();
        _workers = null;
    }

    /// <summary>Whether steps with helper threads run by parts (<see cref="IPartitionedTraining"/>) rather than by slices of the batch.</summary>
    internal bool TrainsByParts => _partitioned is not null;

    /// <summary>The helper threads started last (for tests: they must be stopped when Fit returns).</summary>
    internal WorkerGroup? LastWorkers { get; private set; }

    private static EvaluationResult EvaluateCore(TNet net, Dataset data, float[] outputBuffer, int batchSize)
    {
        int count = data.Count;
        if (count == 0) return new EvaluationResult(double.NaN, double.NaN, 0);
        double lossSum = 0;
        long correct = Score(net, data, outputBuffer, batchSize, 0, count, default, ref lossSum);
        return Result(data, lossSum, correct);
    }

    private static EvaluationResult Result(Dataset data, double lossSum, long correct)
    {
        bool accuracyMeaningful = data.Labels is not null || TNet.OutputSize > 1;
        return new EvaluationResult(lossSum / data.Count, accuracyMeaningful ? (double)correct / data.Count : double.NaN, data.Count);
    }

    /// <summary>
    /// Predicts samples [<paramref name="begin"/>, <paramref name="end"/>) in batches of <paramref name="batchSize"/>
    /// from <paramref name="begin"/> and returns how many are classified right. Each sample's loss is added to
    /// <paramref name="lossSum"/> in order, or, when <paramref name="losses"/> is not empty, stored at its index there.
    /// </summary>
    private static long Score(TNet net, Dataset data, float[] outputBuffer, int batchSize, int begin, int end, Span<double> losses, ref double lossSum)
    {
        int inputSize = TNet.InputSize, outputSize = TNet.OutputSize;
        bool softmax = TNet.Loss == Loss.SoftmaxCrossEntropy;
        int[]? labels = data.Labels;
        float[]? targets = data.Targets;
        long correct = 0;
        for (int first = begin; first < end; first += batchSize)
        {
            int n = Math.Min(batchSize, end - first);
            Span<float> outputs = outputBuffer.AsSpan(0, n * outputSize);
            net.PredictBatch(data.Features.AsSpan(first * inputSize, n * inputSize), outputs);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> y = outputs.Slice(i * outputSize, outputSize);
                double loss;
                if (labels is not null)
                {
                    int label = labels[first + i];
                    if (softmax)
                    {
                        loss = -Math.Log(Math.Max(y[label], MinProbability));
                    }
                    else if (outputSize == 1)
                    {
                        double d = y[0] - (double)label;
                        loss = 0.5 * d * d;
                    }
                    else
                    {
                        double sum = 0;
                        for (int k = 0; k < outputSize; k++)
                        {
                            double d = y[k] - (k == label ? 1.0 : 0.0);
                            sum += d * d;
                        }
                        loss = 0.5 * sum;
                    }
                    int predicted = outputSize == 1 && !softmax ? (y[0] > 0.5f ? 1 : 0) : ArgMax(y);
                    if (predicted == label) correct++;
                }
                else
                {
                    ReadOnlySpan<float> t = targets.AsSpan((first + i) * outputSize, outputSize);
                    double sum = 0;
                    if (softmax)
                    {
                        for (int k = 0; k < outputSize; k++)
                            if (t[k] != 0f) sum -= t[k] * Math.Log(Math.Max(y[k], MinProbability));
                        loss = sum;
                    }
                    else
                    {
                        for (int k = 0; k < outputSize; k++)
                        {
                            double d = y[k] - (double)t[k];
                            sum += d * d;
                        }
                        loss = 0.5 * sum;
                    }
                    if (outputSize > 1 && ArgMax(y) == ArgMax(t)) correct++;
                }
                if (losses.IsEmpty) lossSum += loss;
                else losses[first + i] = loss;
            }
        }
        return correct;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
            if (values[k] > values[best]) best = k;
        return best;
    }

    private static bool IsValidLabel(int label)
        => (uint)label < (uint)(TNet.OutputSize == 1 && TNet.Loss == Loss.HalfSquaredError ? 2 : TNet.OutputSize);

    private static string LabelRange
        => TNet.OutputSize == 1 && TNet.Loss == Loss.HalfSquaredError
            ? $"{{0, 1}} (a single-output {typeof(TNet).Name} learns 0/1 labels as targets)"
            : $"[0, {TNet.OutputSize}) ({typeof(TNet).Name}'s output size)";

    private static void CheckShape(Dataset data, string paramName)
    {
        if (data.FeatureSize != TNet.InputSize)
            throw new ArgumentException(
                $"The dataset has {data.FeatureSize} features per sample but {typeof(TNet).Name} takes {TNet.InputSize} inputs.", paramName);
        if (!data.HasLabels && data.TargetSize != TNet.OutputSize)
            throw new ArgumentException(
                $"The dataset has {data.TargetSize} targets per sample but {typeof(TNet).Name} has {TNet.OutputSize} outputs.", paramName);
    }

    private static void ValidateData(Dataset data, string paramName)
    {
        CheckShape(data, paramName);
        if (data.Labels is { } labels)
        {
            for (int i = 0; i < labels.Length; i++)
            {
                if (!IsValidLabel(labels[i]))
                    throw new ArgumentException($"Label {labels[i]} of sample {i} is outside {LabelRange}.", paramName);
            }
        }
    }
}
