using System;
using System.Globalization;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>Reads the values of command-line options; shared by the Fashion-MNIST and LeNet-5 samples.</summary>
public static class SampleArguments
{
    /// <summary>The optimizers the samples offer to <c>--optimizer</c>.</summary>
    public const string OptimizerChoices = "sgd or adam";

    /// <summary>The value after option <c>args[i]</c>; advances <paramref name="i"/> past it.</summary>
    /// <exception cref="ArgumentException">The option is the last argument.</exception>
    public static string Value(string[] args, ref int i)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value.");
        return args[++i];
    }

    /// <summary>An integer value (invariant culture).</summary>
    public static int Int(string[] args, ref int i)
    {
        string name = args[i], value = Value(args, ref i);
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int result))
            throw new ArgumentException($"{name} needs an integer, not '{value}'.");
        return result;
    }

    /// <summary>An integer value &gt; 0.</summary>
    public static int PositiveInt(string[] args, ref int i)
    {
        string name = args[i];
        int result = Int(args, ref i);
        if (result <= 0) throw new ArgumentException($"{name} needs a positive integer, not {result}.");
        return result;
    }

    /// <summary>An integer value ≥ 0.</summary>
    public static int NonNegativeInt(string[] args, ref int i)
    {
        string name = args[i];
        int result = Int(args, ref i);
        if (result < 0) throw new ArgumentException($"{name} needs an integer ≥ 0, not {result}.");
        return result;
    }

    /// <summary>A finite number in [<paramref name="min"/>, <paramref name="max"/>], either end optionally excluded; <paramref name="what"/> describes the range in the error.</summary>
    public static float Float(string[] args, ref int i, float min, float max, string what, bool exclusiveMin = false, bool exclusiveMax = false)
    {
        string name = args[i], value = Value(args, ref i);
        if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float result) || !float.IsFinite(result)
            || result < min || (exclusiveMin && result == min) || result > max || (exclusiveMax && result == max))
            throw new ArgumentException($"{name} needs {what}, not '{value}'.");
        return result;
    }

    /// <summary>The value of <c>--optimizer</c>: <c>sgd</c> or <c>adam</c>.</summary>
    public static string Optimizer(string[] args, ref int i)
    {
        string name = Value(args, ref i);
        if (name is not ("sgd" or "adam")) throw new ArgumentException($"--optimizer must be {OptimizerChoices}, not '{name}'.");
        return name;
    }

    /// <summary>The value of <c>--validation</c>: the fraction of the training data held out for early stopping, in (0, 0.5].</summary>
    public static double ValidationFraction(string[] args, ref int i)
    {
        string name = args[i], value = Value(args, ref i);
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double result) || !(result > 0 && result <= 0.5))
            throw new ArgumentException($"{name} needs a fraction in (0, 0.5], not '{value}'.");
        return result;
    }
}
