using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using NetCompiler.Samples.FashionMnist;

namespace NetCompiler.Samples.LeNet5;

/// <summary>
/// Trains <see cref="LeNet5"/> on Fashion-MNIST with the NetCompiler runtime: mini-batch SGD with momentum (or AdamW),
/// weight decay and a cosine learning-rate decay, with early stopping on a validation split of the training data (see
/// <see cref="SampleTraining"/>); the reported accuracy is on the test set, which nothing is selected on. Optionally
/// draws the feature maps of one test image.
/// </summary>
public static class LeNet5Sample
{
    /// <summary>
    /// Loads the data, trains, optionally saves the model and draws the figure, and returns the final test accuracy.
    /// Writes its log to <paramref name="output"/> (nothing when null); the last line is <c>test accuracy: 0.xxxx</c>.
    /// </summary>
    /// <exception cref="IOException">A data file is missing or unreadable, or the model or figure cannot be written.</exception>
    /// <exception cref="InvalidDataException">A data file is malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="LeNet5Options.FigureIndex"/> is not an index of the test set.</exception>
    public static double Run(LeNet5Options options, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TextWriter log = output ?? TextWriter.Null;
        FashionMnistData data = FashionMnistSample.LoadData(options.DataOptions);
        if (options.FigurePath is not null && options.FigureIndex >= data.Test.Count)
            throw new ArgumentOutOfRangeException(nameof(options), options.FigureIndex,
                $"--figure-index must be below the {data.Test.Count} test images.");
        int epochs = options.Epochs ?? (data.IsEmbedded ? LeNet5Options.DefaultEmbeddedEpochs : LeNet5Options.DefaultFullEpochs);
        if (options.BatchNorm)
        {
            if (options.FigurePath is not null) throw new ArgumentException("--figure draws LeNet5's feature maps; it does not go with --batchnorm.");
            return Train(new LeNet5BatchNorm(options.Seed), options, data, epochs, log, (_, _, _) => { });
        }
        return Train(new LeNet5(options.Seed), options, data, epochs, log, (net, accuracy, history) =>
        {
            if (options.FigurePath is not { } figurePath) return;
            FeatureMaps maps = FeatureMaps.Compute(net, data.Test.GetFeatures(options.FigureIndex));
            int label = data.Test.Labels![options.FigureIndex];
            string caption = Invariant($"trained {Epochs(history.Epochs.Count)} on {data.Train.Count:N0} images; test accuracy {accuracy:F4}");
            FeatureMapFigure.Write(figurePath, maps, label, options.FigureIndex, caption);
            if (!FeatureMapFigure.HasFont)
                log.WriteLine("warning: SkiaSharp found no font (install fonts-dejavu-core); the figure has no text");
            log.WriteLine(Invariant($"wrote the feature maps of test image {options.FigureIndex} ({FeatureMaps.ClassNames[label]}, predicted {FeatureMaps.ClassNames[maps.PredictedClass]}) to {figurePath}"));
        });
    }

    /// <summary>Trains <paramref name="net"/>, saves and plots as asked, runs <paramref name="after"/> and returns the test accuracy.</summary>
    private static double Train<TNet>(TNet net, LeNet5Options options, FashionMnistData data, int epochs, TextWriter log, Action<TNet, double, TrainingResult> after)
        where TNet : class, INetwork<TNet>
    {
        log.WriteLine(Invariant($"data: {data.Description}: {data.Train.Count:N0} training and {data.Test.Count:N0} test images"));
        log.WriteLine(Invariant($"network: {TNet.Architecture}, {TNet.ParameterCount:N0} parameters, {FashionMnistSample.SimdPath} kernels"));
        log.WriteLine(Invariant($"training: {Epochs(epochs)}, batch {options.BatchSize}, {(options.Optimizer == "adam" ? "AdamW" : $"SGD momentum {options.Momentum}")}, weight decay {options.WeightDecay}, lr {options.LearningRate} with cosine decay, seed {options.Seed}{(options.Threads > 1 ? $", {options.Threads} threads" : "")}"));

        Optimizer optimizer = SampleTraining.CreateOptimizer(options.Optimizer, TNet.ParameterCount, options.LearningRate, options.Momentum, options.WeightDecay);
        var settings = new SampleRunSettings(epochs, options.BatchSize, options.Seed, options.Threads, options.ValidationFraction, options.Patience);

        long start = Stopwatch.GetTimestamp();
        SampleRun run = SampleTraining.Fit(net, optimizer, data.Train, settings, log);
        TrainingResult result = run.History;
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        log.WriteLine(Invariant($"trained {Epochs(result.Epochs.Count)} in {elapsed.TotalSeconds:F1} s ({elapsed.TotalSeconds / result.Epochs.Count:F1} s per epoch, validation included)"));

        if (options.SavePath is { } path)
        {
            ModelFile.Save(net, path);
            log.WriteLine($"saved model to {path}");
        }

        if (options.PlotsDirectory is { } plots)
            SampleTraining.WritePlots(plots, "Fashion-MNIST LeNet-5", net, run, data.Test, log);

        double accuracy = Trainer<TNet>.Evaluate(net, data.Test).Accuracy;
        after(net, accuracy, result);

        log.WriteLine(FashionMnistSample.FormatAccuracy(accuracy));
        return accuracy;
    }

    private static string Epochs(int epochs) => epochs == 1 ? "1 epoch" : Invariant($"{epochs} epochs");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
