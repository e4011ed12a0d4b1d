using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;

namespace NetCompiler;

/// <summary>
/// Mini-batch training of a generated network with an <see cref="Optimizer"/> (<see cref="Sgd"/>, <see cref="Adam"/>).
/// Each epoch shuffles the sample order (seeded, deterministic), gathers each batch's rows into preallocated buffers,
/// computes gradients (<see cref="IClassifier.ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float})"/>
/// for labelled data on a classifier; otherwise targets, built as one-hot vectors from labels when needed) and steps the
/// optimizer on the network's own parameters in place (<see cref="INetwork.Parameters"/>: no copy in or out). A
/// training step allocates nothing. A step whose loss or gradient is not finite is not applied: training stops with a
/// <see cref="TrainingDivergedException"/>.
/// </summary>
/// <remarks>
/// Not thread-safe (with <see cref="TrainerOptions.Threads"/> &gt; 1, Fit uses threads of its own). The optimizer's
/// state persists across <see cref="Fit"/> calls (call <see cref="Optimizer.Reset"/> to forget it). Do not change the
/// network's parameters from <see cref="TrainerOptions.Progress"/> or <see cref="TrainerOptions.BatchProgress"/>.
/// </remarks>
public sealed class Trainer<TNet> where TNet : class, INetwork<TNet>
{
    private readonly TNet _net;
    private readonly Optimizer _optimizer;
    private readonly TrainerOptions _options;
    private readonly BatchBuffers<TNet> _batch;
    private readonly float[] _outputs;
    private readonly ThreadTeam _team;
    private readonly IStepStrategy _oneThread;       // also a partitioned network's step without helper threads
    private readonly IStepStrategy? _sliced;          // Threads > 1, not partitioned
    private readonly PartitionedStep<TNet>? _parts;   // Threads > 1, partitioned, during Fit
    private readonly SlicedStep<TNet>? _synchronized;   // Threads > 1, batch normalisation, during Fit
    private readonly ParallelEvaluation<TNet>? _parallelEvaluation;
    private float[]? _best;
    private float[]? _bestState;   // the state (running statistics) that goes with _best

    /// <summary>Creates a trainer for <paramref name="net"/>, which it updates in place.</summary>
    /// <param name="net">The network to train.</param>
    /// <param name="optimizer">The optimizer; its <see cref="Optimizer.ParameterCount"/> must be <c>TNet.ParameterCount</c>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="ArgumentException">The optimizer's size does not match, or an option is out of range.</exception>
    public Trainer(TNet net, Optimizer optimizer, TrainerOptions? options = null)
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
        _optimizer = optimizer;
        _options = options;
        _batch = new BatchBuffers<TNet>(net, options.BatchSize);
        _outputs = new float[outputFloats];
        _team = new ThreadTeam(options.Threads);
        _oneThread = new OneThreadStep<TNet>(net, _batch, optimizer, options.Seed);
        if (options.Threads > 1)
        {
            // A network with batch normalisation needs the whole batch's statistics: its threads take slices of the batch
            // and meet wherever a layer needs the batch's sums.
            if (net is ITrainingModeNetwork { CouplesBatch: true } coupled)
                _synchronized = new SlicedStep<TNet>(net, _batch, optimizer, _team, options.BatchSize, options.Seed, coupled, _oneThread);
            else if (net is IPartitionedTraining partitioned && options.Threads <= partitioned.MaxParts)
                _parts = new PartitionedStep<TNet>(net, partitioned, _batch, optimizer, _team, options.BatchSize);
            else
                _sliced = new SlicedStep<TNet>(net, _batch, optimizer, _team, options.BatchSize, options.Seed);
            _parallelEvaluation = new ParallelEvaluation<TNet>(net, _team, options.BatchSize, _outputs);
        }
    }

    /// <summary>The network being trained.</summary>
    public TNet Network => _net;

    /// <summary>The optimizer.</summary>
    public Optimizer Optimizer => _optimizer;

    /// <summary>The settings.</summary>
    public TrainerOptions Options => _options;

    /// <summary>
    /// Trains for up to <see cref="TrainerOptions.Epochs"/> epochs, evaluating on <paramref name="validation"/> after each
    /// epoch when given, with early stopping and restoring the best parameters as the options say.
    /// </summary>
    /// <returns>The run's history: one <see cref="EpochReport"/> per epoch, and how it ended.</returns>
    /// <exception cref="ArgumentException">A dataset is empty or does not fit the network (feature size, target size, label range).</exception>
    /// <exception cref="InvalidOperationException"><see cref="TrainerOptions.LearningRateSchedule"/> returned a negative or non-finite rate.</exception>
    /// <exception cref="TrainingDivergedException">A step's loss or gradient was NaN or infinite; the network holds the parameters from before that step.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (checked between batches); the network holds the parameters of the last completed step.</exception>
    /// <param name="train">The training data.</param>
    /// <param name="validation">Data to evaluate after every epoch, which early stopping watches; none when null.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <param name="resumeFrom">
    /// A checkpoint written by <see cref="TrainerOptions.CheckpointPath"/> to continue from: the network's parameters,
    /// the optimizer's state, the history and the early-stopping state are restored, and training continues with the
    /// epoch after the checkpoint's, landing on the bits an uninterrupted run lands on. The trainer's options (seed,
    /// shuffle) and optimizer (kind and settings) must be those of the run that wrote it.
    /// </param>
    /// <exception cref="InvalidDataException">The checkpoint is damaged or was written for another architecture.</exception>
    public TrainingResult Fit(Dataset train, Dataset? validation = null, CancellationToken cancellationToken = default, string? resumeFrom = null)
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
        bool keepBest = options.RestoreBest || options.CheckpointPath is not null;
        float[]? best = keepBest ? (_best ??= new float[TNet.ParameterCount]) : null;
        if (keepBest) _bestState ??= new float[NetState.Length];
        var order = new int[train.Count];
        var reports = new List<EpochReport>(options.Epochs);
        float initialLearningRate = _optimizer.LearningRate;
        int bestEpoch = 0, epochsWithoutImprovement = 0, firstEpoch = 1;
        double bestObjective = double.NaN;
        bool stoppedEarly = false;
        if (resumeFrom is not null)
        {
            CheckpointState state = Checkpoint.Read(resumeFrom, TNet.ArchitectureHash, TNet.Architecture);
            Restore(state, resumeFrom, best);
            reports.AddRange(state.Reports);
            initialLearningRate = state.InitialLearningRate;
            bestEpoch = state.BestEpoch;
            bestObjective = state.BestObjective;
            epochsWithoutImprovement = state.EpochsWithoutImprovement;
            firstEpoch = state.Epoch + 1;
        }
        int batches = (train.Count + options.BatchSize - 1) / options.BatchSize;
        if (_team.Count > 1)
        {
            if (validation is not null) _parallelEvaluation!.Reserve(validation.Count);
            _team.Start();
        }
        try
        {
            for (int epoch = firstEpoch; epoch <= options.Epochs; epoch++)
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
                BatchProgressHandler? batchProgress = options.BatchProgress;
                for (int b = 0, first = 0; first < order.Length; b++, first += options.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int n = Math.Min(options.BatchSize, order.Length - first);
                    if (!CurrentStep.TryStep(train, order.AsSpan(first, n), out float loss))
                        throw new TrainingDivergedException(epoch, b + 1, loss);
                    lossSum += (double)loss * n;
                    batchProgress?.Invoke(new BatchProgress(epoch, b + 1, batches, first + n, order.Length, loss, lossSum / (first + n),
                        _optimizer.LearningRate, Stopwatch.GetElapsedTime(start)));
                }
                double trainingLoss = lossSum / order.Length;
                TimeSpan trainingTime = Stopwatch.GetElapsedTime(start);

                EvaluationResult? validationResult = validation is null
                    ? null
                    : _team.Started ? _parallelEvaluation!.Run(validation) : Evaluation<TNet>.Run(_net, validation, _outputs, options.BatchSize);
                double objective = validationResult?.Loss ?? trainingLoss;
                bool improved = !double.IsNaN(objective) && (bestEpoch == 0 || objective < bestObjective - options.MinDelta);
                if (improved)
                {
                    bestEpoch = epoch;
                    bestObjective = objective;
                    epochsWithoutImprovement = 0;
                    if (best is not null)
                    {
                        _net.Parameters.CopyTo(best);
                        NetState.CopyTo(_bestState);
                    }
                }
                else
                {
                    epochsWithoutImprovement++;
                }

                var report = new EpochReport(epoch, _optimizer.LearningRate, trainingLoss, validationResult, improved, Stopwatch.GetElapsedTime(start))
                {
                    SamplesPerSecond = order.Length / Math.Max(trainingTime.TotalSeconds, 1e-9),
                };
                reports.Add(report);
                if (options.CheckpointPath is { } checkpointPath)
                    WriteCheckpoint(checkpointPath, epoch, initialLearningRate, bestEpoch, bestObjective, epochsWithoutImprovement, best, reports);
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
            _team.Stop();
            if (options.LearningRateSchedule is not null) _optimizer.LearningRate = initialLearningRate;
        }

        bool restored = false;
        if (options.RestoreBest && best is not null && bestEpoch != 0 && bestEpoch != reports.Count)
        {
            _net.LoadParameters(best);
            _bestState.CopyTo(NetState);
            restored = true;
        }
        return new TrainingResult(reports, bestEpoch, bestObjective, stoppedEarly, restored);
    }

    private void WriteCheckpoint(string path, int epoch, float initialLearningRate, int bestEpoch, double bestObjective, int epochsWithoutImprovement,
        float[]? best, List<EpochReport> reports)
    {
        var state = new CheckpointState
        {
            Epoch = epoch,
            Seed = _options.Seed,
            Shuffle = _options.Shuffle,
            InitialLearningRate = initialLearningRate,
            BestEpoch = bestEpoch,
            BestObjective = bestObjective,
            EpochsWithoutImprovement = epochsWithoutImprovement,
            OptimizerSteps = _optimizer.StepCount,
            Optimizer = _optimizer.Describe(),
            Parameters = _net.Parameters.ToArray(),
            State = NetState.ToArray(),
            Best = bestEpoch > 0 ? best : null,
            BestState = bestEpoch > 0 && _bestState is not null ? _bestState : [],
            OptimizerState = new float[_optimizer.StateBufferCount][],
            Reports = reports,
        };
        for (int b = 0; b < state.OptimizerState.Length; b++) state.OptimizerState[b] = _optimizer.StateBuffer(b).ToArray();
        Checkpoint.Write(path, TNet.ArchitectureHash, TNet.Architecture, state);
    }

    private void Restore(CheckpointState state, string path, float[]? best)
    {
        string optimizer = _optimizer.Describe();
        if (state.Optimizer != optimizer)
            throw new InvalidOperationException($"Checkpoint '{path}' was written with the optimizer {state.Optimizer}; this trainer's is {optimizer}.");
        if (state.Seed != _options.Seed || state.Shuffle != _options.Shuffle)
            throw new InvalidOperationException(
                $"Checkpoint '{path}' was written with options.Seed = {state.Seed} and options.Shuffle = {state.Shuffle}; this trainer has {_options.Seed} and {_options.Shuffle}.");
        if (state.Epoch > _options.Epochs)
            throw new InvalidOperationException($"Checkpoint '{path}' is from epoch {state.Epoch}, past options.Epochs = {_options.Epochs}.");
        if (state.OptimizerState.Length != _optimizer.StateBufferCount)
            throw new InvalidDataException($"Checkpoint '{path}' holds {state.OptimizerState.Length} optimizer buffers; {optimizer} has {_optimizer.StateBufferCount}.");
        for (int b = 0; b < state.OptimizerState.Length; b++)
        {
            Span<float> buffer = _optimizer.StateBuffer(b);
            if (state.OptimizerState[b].Length != buffer.Length)
                throw new InvalidDataException($"Checkpoint '{path}': optimizer buffer {b} holds {state.OptimizerState[b].Length} values, not {buffer.Length}.");
        }
        if (state.State.Length != NetState.Length || (state.Best is not null && state.BestState.Length != NetState.Length))
            throw new InvalidDataException($"Checkpoint '{path}' holds {state.State.Length} floats of network state; {typeof(TNet).Name} has {NetState.Length}.");
        _net.LoadParameters(state.Parameters);
        state.State.CopyTo(NetState);
        for (int b = 0; b < state.OptimizerState.Length; b++) state.OptimizerState[b].CopyTo(_optimizer.StateBuffer(b));
        _optimizer.RestoreStepCount(state.OptimizerSteps);
        if (best is not null && state.Best is not null)
        {
            state.Best.CopyTo(best);
            state.BestState.CopyTo(_bestState);
        }
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
    /// <exception cref="TrainingDivergedException">The loss or gradient was NaN or infinite; the parameters are unchanged (epoch and batch 0).</exception>
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
        if (!CurrentStep.TryStep(data, batchIndices, out float loss)) throw new TrainingDivergedException(0, 0, loss);
        return loss;
    }

    /// <summary>Loss and accuracy of the network over <paramref name="data"/>, using the trainer's preallocated buffers.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not fit the network.</exception>
    public EvaluationResult Evaluate(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        ValidateData(data, nameof(data));
        return Evaluation<TNet>.Run(_net, data, _outputs, _options.BatchSize);
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
        return Evaluation<TNet>.Run(net, data, new float[batchSize * TNet.OutputSize], batchSize);
    }

    /// <summary>
    /// Loss, accuracy, confusion matrix and per-class precision and recall of <paramref name="net"/> over labelled
    /// <paramref name="data"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> has no labels or does not fit the network.</exception>
    public static ClassificationReport EvaluateClasses(TNet net, Dataset data, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(data);
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be positive.");
        if (!data.HasLabels) throw new ArgumentException("A confusion matrix needs class labels; the dataset has targets.", nameof(data));
        ValidateData(data, nameof(data));
        batchSize = Math.Min(batchSize, Math.Min(Math.Max(1, data.Count), Array.MaxLength / TNet.OutputSize));
        int classes = Evaluation<TNet>.ClassCount;
        var confusion = new long[classes * classes];
        EvaluationResult result = Evaluation<TNet>.Run(net, data, new float[batchSize * TNet.OutputSize], batchSize, confusion);
        return new ClassificationReport(result, classes, confusion);
    }

    /// <summary>The network's state (<see cref="ITrainingModeNetwork.State"/>: running statistics), empty when it has none.</summary>
    private Span<float> NetState => _net is ITrainingModeNetwork stateful ? stateful.State : default;

    /// <summary>
    /// The step strategy: by parts, or by synchronized slices (batch normalisation), while Fit runs helper threads; by
    /// slices with Threads &gt; 1; else on one thread.
    /// </summary>
    private IStepStrategy CurrentStep
        => _parts is not null ? (_team.Started ? _parts : _oneThread)
        : _synchronized is not null ? (_team.Started ? _synchronized : _oneThread)
        : _sliced ?? _oneThread;

    /// <summary>Starts the helper threads that the steps then use (Fit does this; tests may too).</summary>
    internal WorkerGroup StartWorkers() => _team.Start();

    /// <summary>Stops the helper threads, if running, and waits for them to end.</summary>
    internal void StopWorkers() => _team.Stop();

    /// <summary>Whether steps with helper threads run by parts (<see cref="IPartitionedTraining"/>) rather than by slices of the batch.</summary>
    internal bool TrainsByParts => _parts is not null;

    /// <summary>The helper threads started last (for tests: they must be stopped when Fit returns).</summary>
    internal WorkerGroup? LastWorkers => _team.Last;

    private static bool IsValidLabel(int label) => (uint)label < (uint)Evaluation<TNet>.ClassCount;

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
