using System;
using System.Globalization;
using NetCompiler.Samples.FashionMnist;

namespace NetCompiler.Samples.LeNet5;

/// <summary>The settings of one run of the LeNet-5 sample; <see cref="Parse"/> reads them from the command line.</summary>
public sealed record LeNet5Options
{
    /// <summary>Epochs when none are given and the full data set is used.</summary>
    public const int DefaultFullEpochs = 25;

    /// <summary>Epochs when none are given and the embedded subset is used.</summary>
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

    /// <summary>The optimizer: <c>sgd</c> (with <see cref="Momentum"/>) or <c>adam</c> (decoupled weight decay, AdamW).</summary>
    public string Optimizer { get; init; } = "sgd";

    /// <summary>L2 weight decay.</summary>
    public float WeightDecay { get; init; } = 1e-3f;

    /// <summary>Seed of the weight initialisation and of the per-epoch shuffles.</summary>
    public int Seed { get; init; } = ParameterInitializer.DefaultSeed;

    /// <summary>Threads per training step (<see cref="TrainerOptions.Threads"/>): each batch is split between them.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Where to save the trained model (a NetCompiler model file); null to not save it.</summary>
    public string? SavePath { get; init; }

    /// <summary>Where to write the feature-map figure (PNG) after training; null for none.</summary>
    public string? FigurePath { get; init; }

    /// <summary>The test image the figure shows (index into the test set).</summary>
    public int FigureIndex { get; init; }

    /// <summary>Fraction of the training data held out as the validation set that early stopping watches (the test set is never used for it).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Epochs without a validation-loss improvement before training stops (the best epoch's parameters are kept); 0 to never stop early.</summary>
    public int Patience { get; init; } = 5;

    /// <summary>A directory to write the learning curve and the confusion matrix to (PNG); null for none.</summary>
    public string? PlotsDirectory { get; init; }

    /// <summary>Train <see cref="LeNet5BatchNorm"/> (wider, batch normalisation after every hidden layer, dropout before the first and last dense layers) instead of <see cref="LeNet5"/>.</summary>
    public bool BatchNorm { get; init; }

    /// <summary>Print the usage and do nothing else.</summary>
    public bool Help { get; init; }

    /// <summary>The data options of the Fashion-MNIST sample, whose loader this sample uses.</summary>
    public FashionMnistOptions DataOptions => new() { DataDirectory = DataDirectory, Embedded = Embedded };

    /// <summary>The command-line usage.</summary>
    public const string Usage =
        """
        usage: NetCompiler.Samples.LeNet5 [options]

        Trains LeNet-5, Input(1,28,28) Conv2D(6,5x5,Padding=2,ReLU) MaxPool2D(2) Conv2D(16,5x5,ReLU) MaxPool2D(2)
        Dense(120,ReLU) Dense(84,ReLU) Dense(10), with softmax cross-entropy on Fashion-MNIST.

          --data DIR         read train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
                             t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] from DIR
                             (default: /usr/share/datasets/fashion-mnist if installed, else the embedded subset)
          --embedded         use the embedded subset (6,000 training and 1,000 test images)
          --epochs N         passes over the training data (default 25 on the full data, 10 on the subset)
          --batch N          mini-batch size (default 64)
          --lr X             initial learning rate, cosine-decayed over the run (default 0.05)
          --momentum X       SGD momentum (default 0.9)
          --optimizer O      sgd or adam (default sgd; adam is AdamW, pass a smaller --lr, e.g. 0.001)
          --weight-decay X   L2 weight decay (default 0.001)
          --seed N           seed of the initial weights and the shuffles (default 42)
          --threads N        threads per training step, each taking a slice of every batch (default 1)
          --save PATH        save the trained model to PATH
          --validation F     fraction of the training data held out for early stopping (default 0.1);
                             the reported accuracy is on the test set, which nothing is tuned on
          --patience N       stop after N epochs without a validation-loss improvement and keep the
                             best epoch's parameters (default 5; 0 never stops early)
          --plots DIR        write learning-curve.png and confusion-matrix.png (test set) to DIR
          --figure PATH      after training, draw the feature maps of one test image to PATH (PNG)
          --figure-index N   the test image the figure shows (default 0)
          --batchnorm        train LeNet5BatchNorm instead: 32 and 64 filters, batch normalisation after
                             every convolution and hidden dense layer, dropout before the first and last
                             dense layers (no --figure)
          -h, --help         show this help

        The last line printed is "test accuracy: 0.xxxx".
        """;

    /// <summary>Reads options from command-line arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, lacks its value, or has a value out of range.</exception>
    public static LeNet5Options Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new LeNet5Options();
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
                case "--weight-decay": options = options with { WeightDecay = SampleArguments.Float(args, ref i, 0f, float.MaxValue, "a number ≥ 0") }; break;
                case "--seed": options = options with { Seed = SampleArguments.Int(args, ref i) }; break;
                case "--threads": options = options with { Threads = SampleArguments.PositiveInt(args, ref i) }; break;
                case "--save": options = options with { SavePath = SampleArguments.Value(args, ref i) }; break;
                case "--figure": options = options with { FigurePath = SampleArguments.Value(args, ref i) }; break;
                case "--figure-index": options = options with { FigureIndex = SampleArguments.NonNegativeInt(args, ref i) }; break;
                case "--validation": options = options with { ValidationFraction = SampleArguments.ValidationFraction(args, ref i) }; break;
                case "--patience": options = options with { Patience = SampleArguments.NonNegativeInt(args, ref i) }; break;
                case "--plots": options = options with { PlotsDirectory = SampleArguments.Value(args, ref i) }; break;
                case "--batchnorm": options = options with { BatchNorm = true }; break;
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
