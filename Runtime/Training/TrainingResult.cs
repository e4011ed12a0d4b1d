using System;
using System.Collections.Generic;

namespace NetCompiler;

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
