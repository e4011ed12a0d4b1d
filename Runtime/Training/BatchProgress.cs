using System;

namespace NetCompiler;

/// <summary>Where training stands after one batch; passed to <see cref="TrainerOptions.BatchProgress"/>.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Batch">The batch just trained, from 1.</param>
/// <param name="Batches">Number of batches in the epoch.</param>
/// <param name="Samples">Samples trained so far in the epoch.</param>
/// <param name="EpochSamples">Samples in the epoch.</param>
/// <param name="Loss">The batch's mean loss (before its step).</param>
/// <param name="EpochLoss">Mean loss over the epoch's batches so far (weighted by their sizes).</param>
/// <param name="LearningRate">The epoch's learning rate.</param>
/// <param name="Elapsed">Time since the epoch started.</param>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, int Samples, int EpochSamples, float Loss, double EpochLoss,
    float LearningRate, TimeSpan Elapsed)
{
    /// <summary>Training throughput so far in the epoch, samples per second.</summary>
    public double SamplesPerSecond => Samples / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Fraction of the epoch done, in (0, 1].</summary>
    public double Fraction => (double)Samples / EpochSamples;
}

/// <summary>
/// Receives a <see cref="BatchProgress"/> after every training batch (by reference: calling it allocates nothing). It
/// runs on the training thread between steps, so it should be quick, e.g. update a progress bar at most a few times a
/// second.
/// </summary>
public delegate void BatchProgressHandler(in BatchProgress progress);

/// <summary>
/// Training diverged: a step's loss or gradient was NaN or infinite. The step was not applied, so the network holds
/// the parameters from before it (no NaN reaches a saved model).
/// </summary>
public sealed class TrainingDivergedException : ArithmeticException
{
    /// <summary>Creates the exception for batch <paramref name="batch"/> of epoch <paramref name="epoch"/> (both from 1; 0 outside Fit).</summary>
    public TrainingDivergedException(int epoch, int batch, float loss)
        : base(epoch > 0
            ? $"Training diverged in epoch {epoch}, batch {batch}: the loss or gradient is not finite (batch loss {loss}). The step was not applied; lower the learning rate or check the data."
            : $"Training diverged: the loss or gradient is not finite (batch loss {loss}). The step was not applied; lower the learning rate or check the data.")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The epoch (from 1) of the step that diverged; 0 for <see cref="Trainer{TNet}.TrainStep"/>.</summary>
    public int Epoch { get; }

    /// <summary>The batch (from 1) of the step that diverged; 0 for <see cref="Trainer{TNet}.TrainStep"/>.</summary>
    public int Batch { get; }

    /// <summary>The batch's loss (may be finite when only the gradient was not).</summary>
    public float Loss { get; }
}
