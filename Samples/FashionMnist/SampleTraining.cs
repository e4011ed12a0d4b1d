using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>The settings a sample's training run shares with the other sample.</summary>
/// <param name="Epochs">Passes over the training data.</param>
/// <param name="BatchSize">Samples per mini-batch.</param>
/// <param name="Seed">Seed of the validation split and of the shuffles.</param>
/// <param name="Threads">Threads per training step.</param>
/// <param name="ValidationFraction">Fraction of the training data held out for early stopping.</param>
/// <param name="Patience">Epochs without improvement before stopping; 0 never stops early.</param>
public sealed record SampleRunSettings(int Epochs, int BatchSize, int Seed, int Threads, double ValidationFraction, int Patience);

/// <summary>What a sample's training run produced.</summary>
/// <param name="History">Per-epoch history returned by <see cref="Trainer{TNet}.Fit"/>.</param>
/// <param name="Train">The training part of the split.</param>
/// <param name="Validation">The held-out part that early stopping watched.</param>
public sealed record SampleRun(TrainingResult History, Dataset Train, Dataset Validation);

/// <summary>
/// The training loop both samples share: a seeded train/validation split of the training data, cosine learning-rate
/// decay, early stopping on the validation loss (keeping the best epoch), and the terminal display of
/// <see cref="TrainingDisplay"/>. The test set is not touched here: the reported accuracy stays a test-set figure.
/// </summary>
public static class SampleTraining
{
    /// <summary>The optimizer a sample's <c>--optimizer</c> names: SGD with momentum and L2 weight decay, or Adam (AdamW with weight decay).</summary>
    public static Optimizer CreateOptimizer(string name, int parameterCount, float learningRate, float momentum, float weightDecay = 0f)
        => name switch
        {
            "adam" => new Adam(parameterCount, learningRate, weightDecay: weightDecay, decoupledWeightDecay: weightDecay > 0),
            "sgd" => new Sgd(parameterCount, learningRate, momentum: momentum, weightDecay: weightDecay),
            _ => throw new ArgumentException($"Unknown optimizer '{name}': use {SampleArguments.OptimizerChoices}.", nameof(name)),
        };

    /// <summary>Splits <paramref name="train"/>, trains <paramref name="net"/> and returns the history; the log goes to <paramref name="log"/>.</summary>
    public static SampleRun Fit<TNet>(TNet net, Optimizer optimizer, Dataset train, SampleRunSettings settings, TextWriter log)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        (Dataset fit, Dataset validation) = train.SplitValidation(settings.ValidationFraction, settings.Seed);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"validation: {validation.Count:N0} of the training images held out for early stopping (patience {settings.Patience}), {fit.Count:N0} trained on"));
        TrainingDisplay display = TrainingDisplay.Create(log, settings.Epochs);
        var trainer = new Trainer<TNet>(net, optimizer, new TrainerOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Seed = settings.Seed,
            Threads = settings.Threads,
            Patience = settings.Patience,
            RestoreBest = settings.Patience > 0,
            LearningRateSchedule = LearningRateSchedules.CosineDecay(settings.Epochs),
            Progress = display.Progress,
            BatchProgress = display.BatchProgress,
        });
        TrainingResult history = display.Run(() => trainer.Fit(fit, validation));
        if (history.StoppedEarly)
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stopped early after epoch {history.Epochs.Count}: no validation improvement for {settings.Patience} epochs; kept epoch {history.BestEpoch}"));
        return new SampleRun(history, fit, validation);
    }

    /// <summary>Writes the <c>--plots</c> pictures (learning curve and test-set confusion matrix) and logs their paths.</summary>
    public static void WritePlots<TNet>(string directory, string title, TNet net, SampleRun run, Dataset test, TextWriter log)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(log);
        ClassificationReport report = Trainer<TNet>.EvaluateClasses(net, test);
        (string curve, string matrix) = TrainingPlots.WriteAll(directory, title, run.History, report, TrainingPlots.FashionMnistClasses);
        log.WriteLine($"wrote {curve} and {matrix}");
    }
}
