using System;
using System.Globalization;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>The settings of one run of the Fashion-MNIST sample; <see cref="Parse"/> reads them from the command line.</summary>
public sealed record FashionMnistOptions
{
    /// <summary>Where the full data set is installed by the Debian package <c>dataset-fashion-mnist</c>.</summary>
    public const string InstalledDataDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Epochs when none are given and the full data set is used.</summary>
    public const int DefaultFullEpochs = 20;

    /// <summary>Epochs when none are given and the embedded subset is used (a run of a few seconds).</summary>
    public const int DefaultEmbeddedEpochs = 10;

    /// <summary>A directory holding the four IDX files (gzip'd or not); null to use the installed data set, else the embedded subset.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Use the embedded subset even when the full data set is installed.</summary>
    public bool Embedded { get; init; }

    /// <summary>Passes over the training data; null for <see cref="DefaultFullEpochs"/> or <see cref="DefaultEmbeddedEpochs"/>.</summary>
    public int? Epochs { get; init; }

    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Initial learning rate, decayed to near zero over the run along a half cosine.</summary>
    public float LearningRate { get; init; } = 0.05f;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>The optimizer: <c>sgd</c> (with <see cref="Momentum"/>) or <c>adam</c>.</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>Seed of the weight initialisation and of the per-epoch shuffles.</summary>
    public int Seed { get; init; } = ParameterInitializer.DefaultSeed;

    /// <summary>Threads per training step (<see cref="TrainerOptions.Threads"/>): each batch's work is split between them.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Where to save the trained model (a NetCompiler model file); null to not save it.</summary>
    public string? SavePath { get; init; }

    /// <summary>Fraction of the training data held out as the validation set that early stopping watches (the test set is never used for it).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epochs without a validation-loss improvement before training stops (the best epoch's parameters are kept); 0 to never stop early.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>A directory to write the learning curve and the confusion matrix to (PNG); null for none.</summary>
    public string? PlotsDirectory { get; init; }

    /// <summary>Print the usage and do nothing else.</summary>
    public bool Help { get; init; }

    /// <summary>The command-line usage.</summary>
    public const string Usage =
        """
        usage: NetCompiler.Samples.FashionMnist [options]

        Trains Input(784) Dense(128,ReLU) Dense(10) with softmax cross-entropy on Fashion-MNIST.

          --data DIR     read train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                         t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] from DIR
                         (default: /usr/share/datasets/fashion-mnist if installed, else the embedded subset)
          --embedded     use the embedded subset (6,000 training and 1,000 test images)
          --epochs N     passes over the training data (default 20 on the full data, 10 on the subset)
          --batch N      mini-batch size (default 64)
          --lr X         initial learning rate, cosine-decayed over the run (default 0.05)
          --momentum X   SGD momentum (default 0.9)
          --optimizer O  sgd or adam (default sgd; with adam pass a smaller --lr, e.g. 0.001)
          --seed N       seed of the initial weights and the shuffles (default 42)
          --threads N    threads per training step (default 1); up to 8, each computes a range of the
                         first layer's rows for the whole batch and the result is that of N = 1; more
                         take slices of every batch (same within float rounding)
          --validation F fraction of the training data held out for early stopping (default 0.1);
                         the reported accuracy is on the test set, which nothing is tuned on
          --patience N   stop after N epochs without a validation-loss improvement and keep the
                         best epoch's parameters (default 5; 0 never stops early)
          --plots DIR    write learning-curve.png and confusion-matrix.png (test set) to DIR
          --save PATH    save the trained model to PATH
          -h, --help     show this help

        The last line printed is "test accuracy: 0.xxxx".
        """;

    /// <summary>Reads options from command-line arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, lacks its value, or has a value out of range.</exception>
    public static FashionMnistOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new FashionMnistOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--data": options = options with { DataDirectory = SampleArguments.Value(args, ref i) }; break;
                case "--embedded": options = options with { Embedded = true }; break;
                case "--epochs": options = options with { Epochs = SampleArguments.PositiveInt(args, ref i) }; break;
                case "--batch": options = options with { BatchSize = SampleArguments.PositiveInt(args, ref i) }; break;
                case "--lr": options = options with { LearningRate = SampleArguments.Float(args, ref i, 0f, float.MaxValue, "a number > 0", exclusiveMin: true) }; break;
                case "--momentum": options = options with { Momentum = SampleArguments.Float(args, ref i, 0f, 1f, "a number in [0, 1)", exclusiveMax: true) }; break;
                case "--optimizer": options = options with { Optimizer = SampleArguments.Optimizer(args, ref i) }; break;
                case "--seed": options = options with { Seed = SampleArguments.Int(args, ref i) }; break;
                case "--threads": options = options with { Threads = SampleArguments.PositiveInt(args, ref i) }; break;
                case "--save": options = options with { SavePath = SampleArguments.Value(args, ref i) }; break;
                case "--validation": options = options with { ValidationFraction = SampleArguments.ValidationFraction(args, ref i) }; break;
                case "--patience": options = options with { Patience = SampleArguments.NonNegativeInt(args, ref i) }; break;
                case "--plots": options = options with { PlotsDirectory = SampleArguments.Value(args, ref i) }; break;
                case "-h" or "--help": options = options with { Help = true }; break;
                default: throw new ArgumentException($"unknown argument '{arg}'.");
            }
        }
        if (options.Embedded && options.DataDirectory is not null)
            throw new ArgumentException("--data and --embedded exclude each other.");
        if (options.Threads > options.BatchSize)
            throw new ArgumentException($"--threads {options.Threads} exceeds the batch size {options.BatchSize}: each thread needs a sample of every batch.");
        return options;
    }
}
