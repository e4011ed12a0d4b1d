using System;
using System.Collections.Generic;

namespace NetCompiler;

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

    /// <summary>Training throughput of the epoch: its samples over the time of its steps (evaluation excluded).</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>
    /// One readable line, e.g. <c>epoch 3: lr 0.04755, train loss 0.3021, val loss 0.3412, val acc 0.8765, 1.21 s, 51,234 samples/s</c>
    /// (invariant culture).
    /// </summary>
    public override string ToString()
    {
        string validation = Validation is { } v
            ? FormattableString.Invariant($", val loss {v.Loss:F4}, val acc {v.Accuracy:F4}")
            : "";
        return FormattableString.Invariant(
            $"epoch {Epoch}: lr {LearningRate:G4}, train loss {TrainingLoss:F4}{validation}, {Elapsed.TotalSeconds:F2} s, {SamplesPerSecond:N0} samples/s{(Improved ? "" : " (no improvement)")}");
    }
}
