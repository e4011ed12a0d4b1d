using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>The runtime's learning-rate schedules against their formulas written out independently, and through Fit.</summary>
public class LearningRateScheduleTests
{
    [Fact]
    public void CosineDecay_follows_half_a_cosine_from_the_initial_rate()
    {
        var cosine = LearningRateSchedules.CosineDecay(4);
        // ½ (1 + cos(π k / 4)) for k = 0 … 3: 1, 0.853553, 0.5, 0.146447.
        Assert.Equal(0.1f, cosine(1, 0.1f), 6);
        Assert.Equal(0.0853553f, cosine(2, 0.1f), 6);
        Assert.Equal(0.05f, cosine(3, 0.1f), 6);
        Assert.Equal(0.0146447f, cosine(4, 0.1f), 6);
        Assert.Equal(0.0146447f, cosine(9, 0.1f), 6);   // past the end: the last rate
        // With a floor of 10 %: 0.01 + 0.09 · 0.5 at the middle.
        Assert.Equal(0.055f, LearningRateSchedules.CosineDecay(4, 0.1f)(3, 0.1f), 6);
    }

    [Fact]
    public void StepDecay_multiplies_every_k_epochs()
    {
        var step = LearningRateSchedules.StepDecay(2, 0.5f);
        Assert.Equal([1f, 1f, 0.5f, 0.5f, 0.25f], new[] { 1, 2, 3, 4, 5 }.Select(e => step(e, 1f)));
        Assert.Throws<ArgumentOutOfRangeException>("stepEpochs", () => LearningRateSchedules.StepDecay(0, 0.5f));
    }

    [Fact]
    public void Warmup_then_cosine_composes()
    {
        var schedule = LearningRateSchedules.LinearWarmup(3, LearningRateSchedules.CosineDecay(2));
        // Warm-up e/4 of the rate for e = 1, 2, 3; then the cosine's epochs 1 and 2: 1 and ½.
        Assert.Equal([0.25f, 0.5f, 0.75f, 1f, 0.5f], new[] { 1, 2, 3, 4, 5 }.Select(e => schedule(e, 1f)));
        Assert.Equal(2f, LearningRateSchedules.LinearWarmup(1)(7, 2f));
    }

    [Fact]
    public void Fit_trains_each_epoch_at_the_scheduled_rate_and_restores_the_initial_one()
    {
        var rates = new List<float>();
        var optimizer = new Adam(Regressor.ParameterCount, 0.04f);
        var trainer = new Trainer<Regressor>(Regressor.Create(1), optimizer, new TrainerOptions
        {
            Epochs = 5, BatchSize = 8,
            LearningRateSchedule = LearningRateSchedules.LinearWarmup(1, LearningRateSchedules.StepDecay(2, 0.5f)),
            BatchProgress = (in BatchProgress p) => { if (p.Batch == 1) rates.Add(p.LearningRate); },
        });
        TrainingResult result = trainer.Fit(ToyData.Linear(32, 1));
        Assert.Equal([0.02f, 0.04f, 0.04f, 0.02f, 0.02f], rates);
        Assert.Equal(rates, result.Epochs.Select(e => e.LearningRate));
        Assert.Equal(0.04f, optimizer.LearningRate);
    }
}
