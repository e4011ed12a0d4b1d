using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>The training sets of one run and where they came from.</summary>
/// <param name="Train">The training images (pixels scaled to [0, 1]) and labels.</param>
/// <param name="Test">The test images and labels.</param>
/// <param name="Description">Where the data came from, for the log.</param>
/// <param name="IsEmbedded">Whether this is the subset embedded in the sample.</param>
public sealed record FashionMnistData(Dataset Train, Dataset Test, string Description, bool IsEmbedded);

/// <summary>
/// Trains <see cref="FashionMlp"/> on Fashion-MNIST with the NetCompiler runtime: mini-batch SGD with momentum (or
/// Adam) and a cosine learning-rate decay, with early stopping on a validation split of the training data (see
/// <see cref="SampleTraining"/>); the reported accuracy is on the test set, which nothing is selected on.
/// </summary>
public static class FashionMnistSample
{
    /// <summary>The names of the four IDX files, as published.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    /// <summary>
    /// Loads the data, trains, optionally saves the model, and returns the final test accuracy. Writes its log to
    /// <paramref name="output"/> (nothing when null); the last line is <c>test accuracy: 0.xxxx</c>.
    /// </summary>
    /// <exception cref="IOException">A data file is missing or unreadable, or the model cannot be saved.</exception>
    /// <exception cref="InvalidDataException">A data file is malformed.</exception>
    public static double Run(FashionMnistOptions options, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TextWriter log = output ?? TextWriter.Null;
        FashionMnistData data = LoadData(options);
        int epochs = options.Epochs ?? (data.IsEmbedded ? FashionMnistOptions.DefaultEmbeddedEpochs : FashionMnistOptions.DefaultFullEpochs);

        log.WriteLine(Invariant($"data: {data.Description}: {data.Train.Count:N0} training and {data.Test.Count:N0} test images"));
        log.WriteLine(Invariant($"network: {FashionMlp.Architecture}, {FashionMlp.ParameterCount:N0} parameters, {SimdPath} kernels"));
        log.WriteLine(Invariant($"training: {Epochs(epochs)}, batch {options.BatchSize}, {(options.Optimizer == "adam" ? "Adam" : $"SGD momentum {options.Momentum}")}, lr {options.LearningRate} with cosine decay, seed {options.Seed}{(options.Threads > 1 ? $", {options.Threads} threads" : "")}"));

        var net = new FashionMlp(options.Seed);
        Optimizer optimizer = SampleTraining.CreateOptimizer(options.Optimizer, FashionMlp.ParameterCount, options.LearningRate, options.Momentum);
        var settings = new SampleRunSettings(epochs, options.BatchSize, options.Seed, options.Threads, options.ValidationFraction, options.Patience);

        long start = Stopwatch.GetTimestamp();
        SampleRun run = SampleTraining.Fit(net, optimizer, data.Train, settings, log);
        TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
        log.WriteLine(Invariant($"trained {Epochs(run.History.Epochs.Count)} in {elapsed.TotalSeconds:F1} s"));

        if (options.SavePath is { } path)
        {
            ModelFile.Save(net, path);
            log.WriteLine($"saved model to {path}");
        }

        if (options.PlotsDirectory is { } plots)
            SampleTraining.WritePlots(plots, "Fashion-MNIST MLP", net, run, data.Test, log);

        double accuracy = Trainer<FashionMlp>.Evaluate(net, data.Test).Accuracy;
        log.WriteLine(FormatAccuracy(accuracy));
        return accuracy;
    }

    /// <summary>The sample's last line: <c>test accuracy: 0.xxxx</c> (four decimals, invariant culture).</summary>
    public static string FormatAccuracy(double accuracy) => Invariant($"test accuracy: {accuracy:F4}");

    /// <summary>
    /// The data a run uses: <see cref="FashionMnistOptions.DataDirectory"/> when given; else the installed full data set
    /// when present (unless <see cref="FashionMnistOptions.Embedded"/>); else the embedded subset.
    /// </summary>
    public static FashionMnistData LoadData(FashionMnistOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.DataDirectory is { } directory)
            return LoadDirectory(directory);
        if (!options.Embedded && IdxPath(FashionMnistOptions.InstalledDataDirectory, TrainImages) is not null)
            return LoadDirectory(FashionMnistOptions.InstalledDataDirectory);
        return LoadEmbedded();
    }

    /// <summary>Loads the four IDX files from <paramref name="directory"/>, each gzip'd (<c>.gz</c>) or not.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public static FashionMnistData LoadDirectory(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Dataset train = Idx.LoadDataset(RequireIdx(directory, TrainImages), RequireIdx(directory, TrainLabels));
        Dataset test = Idx.LoadDataset(RequireIdx(directory, TestImages), RequireIdx(directory, TestLabels));
        return new FashionMnistData(train, test, $"Fashion-MNIST from {directory}", IsEmbedded: false);
    }

    /// <summary>Loads the subset embedded in this assembly (see <c>data/README.md</c>).</summary>
    public static FashionMnistData LoadEmbedded()
    {
        Dataset train = Idx.ToDataset(ReadEmbeddedImages(TrainImages), ReadEmbeddedLabels(TrainLabels));
        Dataset test = Idx.ToDataset(ReadEmbeddedImages(TestImages), ReadEmbeddedLabels(TestLabels));
        return new FashionMnistData(train, test, "embedded Fashion-MNIST subset", IsEmbedded: true);
    }

    /// <summary>The SIMD path the generated kernels take on this machine.</summary>
    public static string SimdPath
        => Vector512.IsHardwareAccelerated ? "AVX-512"
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? "AVX2 + FMA"
        : "portable 128-bit";

    private static IdxImages ReadEmbeddedImages(string name)
    {
        using Stream stream = OpenResource(name);
        return Idx.ReadImages(stream, $"embedded {name}.gz");
    }

    private static byte[] ReadEmbeddedLabels(string name)
    {
        using Stream stream = OpenResource(name);
        return Idx.ReadLabels(stream, $"embedded {name}.gz");
    }

    private static Stream OpenResource(string name)
    {
        string resource = $"FashionMnist.{name}.gz";
        return typeof(FashionMnistSample).Assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"The embedded resource '{resource}' is missing from {typeof(FashionMnistSample).Assembly.GetName().Name}.");
    }

    private static string? IdxPath(string directory, string name)
    {
        string gz = Path.Combine(directory, name + ".gz");
        if (File.Exists(gz)) return gz;
        string plain = Path.Combine(directory, name);
        return File.Exists(plain) ? plain : null;
    }

    private static string RequireIdx(string directory, string name)
        => IdxPath(directory, name)
        ?? throw new FileNotFoundException($"Neither {name}.gz nor {name} is in '{directory}'.", Path.Combine(directory, name + ".gz"));

    private static string Epochs(int epochs) => epochs == 1 ? "1 epoch" : Invariant($"{epochs} epochs");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
