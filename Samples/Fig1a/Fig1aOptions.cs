using System;
using System.Globalization;

namespace NetCompiler.Samples.Fig1a;

/// <summary>The settings of one run of the Fig. 1a sample; <see cref="Parse"/> reads them from the command line.</summary>
public sealed record Fig1aOptions
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; init; } = 500;

    /// <summary>Samples per mini-batch.</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>SGD learning rate (constant).</summary>
    public float LearningRate { get; init; } = 0.5f;

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>Seed of the initial weights and of the per-epoch shuffles.</summary>
    public int Seed { get; init; } = ParameterInitializer.DefaultSeed;

    /// <summary>Points sampled on each of the two curves.</summary>
    public int PointsPerCurve { get; init; } = 50;

    /// <summary>Where to write the picture (input space and hidden space, side by side); null for none.</summary>
    public string? SvgPath { get; init; }

    /// <summary>Print the usage and do nothing else.</summary>
    public bool Help { get; init; }

    /// <summary>The command-line usage.</summary>
    public const string Usage =
        """
        usage: NetCompiler.Samples.Fig1a [options]

        Fig. 1a of LeCun, Bengio & Hinton, "Deep learning" (Nature 2015): a 2-2-1 network (tanh hidden units, logistic
        output) separates two interleaved curves that no straight line separates; a linear classifier trained the same
        way is shown for contrast.

          --epochs N     passes over the data (default 500)
          --batch N      mini-batch size (default 10)
          --lr X         learning rate (default 0.5)
          --momentum X   SGD momentum (default 0.9)
          --seed N       seed of the initial weights and the shuffles (default 42)
          --points N     points per curve (default 50)
          --svg PATH     draw the data, the decision regions and the grid as the hidden layer distorts it
          -h, --help     show this help
        """;

    /// <summary>Reads options from command-line arguments.</summary>
    /// <exception cref="ArgumentException">An argument is unknown, lacks its value, or has a value out of range.</exception>
    public static Fig1aOptions Parse(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new Fig1aOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": options = options with { Epochs = PositiveInt(args, ref i) }; break;
                case "--batch": options = options with { BatchSize = PositiveInt(args, ref i) }; break;
                case "--lr": options = options with { LearningRate = Float(args, ref i, exclusiveMax: float.PositiveInfinity, "a number > 0") }; break;
                case "--momentum": options = options with { Momentum = Float(args, ref i, exclusiveMax: 1f, "a number in [0, 1)", allowZero: true) }; break;
                case "--seed": options = options with { Seed = Int(args, ref i) }; break;
                case "--points":
                    int points = PositiveInt(args, ref i);
                    if (points < 3) throw new ArgumentException("--points needs at least 3.");
                    options = options with { PointsPerCurve = points };
                    break;
                case "--svg": options = options with { SvgPath = Value(args, ref i) }; break;
                case "-h" or "--help": options = options with { Help = true }; break;
                default: throw new ArgumentException($"unknown argument '{args[i]}'.");
            }
        }
        return options;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
        return args[++i];
    }

    private static int Int(string[] args, ref int i)
    {
        string name = args[i], value = Value(args, ref i);
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result))
            throw new ArgumentException($"{name} needs an integer, not '{value}'.");
        return result;
    }

    private static int PositiveInt(string[] args, ref int i)
    {
        string name = args[i];
        int result = Int(args, ref i);
        if (result <= 0) throw new ArgumentException($"{name} needs a positive integer, not {result}.");
        return result;
    }

    private static float Float(string[] args, ref int i, float exclusiveMax, string what, bool allowZero = false)
    {
        string name = args[i], value = Value(args, ref i);
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float result) || !float.IsFinite(result)
            || result < 0f || (result == 0f && !allowZero) || result >= exclusiveMax)
            throw new ArgumentException($"{name} needs {what}, not '{value}'.");
        return result;
    }
}
