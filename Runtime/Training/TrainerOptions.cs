using System;
using System.Collections.Generic;

namespace NetCompiler;

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
    /// when it returns. See <see cref="LearningRateSchedules"/>.
    /// </summary>
    public Func<int, float, float>? LearningRateSchedule { get; init; }

    /// <summary>
    /// Where to write a checkpoint at the end of every epoch (atomically: a temporary file in the same directory, then
    /// a rename, so a run killed at any moment leaves the previous checkpoint or the new one): the parameters, the
    /// optimizer's state and step count, the epoch, the shuffles' seed, the history and the best-so-far parameters.
    /// <see cref="Trainer{TNet}.Fit"/>'s <c>resumeFrom</c> continues from it. Null (the default) writes none.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Called after every epoch with its report (after its checkpoint is written).</summary>
    public Action<EpochReport>? Progress { get; init; }

    /// <summary>
    /// Called after every training batch with where the epoch stands (on the training thread; allocation-free). Null
    /// (the default) costs nothing.
    /// </summary>
    public BatchProgressHandler? BatchProgress { get; init; }

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

    /// <summary>A schedule multiplying the initial learning rate by <paramref name="factor"/> every <paramref name="stepEpochs"/> epochs (PyTorch's StepLR); the same as <see cref="LearningRateSchedules.StepDecay"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepEpochs"/> is not positive, or <paramref name="factor"/> is not finite and &gt; 0.</exception>
    public static Func<int, float, float> StepDecay(int stepEpochs, float factor) => LearningRateSchedules.StepDecay(stepEpochs, factor);
}
