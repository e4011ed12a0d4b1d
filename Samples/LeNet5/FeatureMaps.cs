using System;

namespace NetCompiler.Samples.LeNet5;

/// <summary>
/// Every layer's output for one input image, read from a trained <see cref="LeNet5"/> by running its prefixes
/// (<see cref="LeNet5Conv1"/> … <see cref="LeNet5Logits"/>) with the matching prefix of its parameters.
/// Maps are channel-major: <c>[channels, height, width]</c>.
/// </summary>
/// <param name="Input">The input image, 28×28.</param>
/// <param name="Conv1">C1: 6×28×28, after ReLU.</param>
/// <param name="Pool1">S2: 6×14×14.</param>
/// <param name="Conv2">C3: 16×10×10, after ReLU.</param>
/// <param name="Pool2">S4: 16×5×5.</param>
/// <param name="Dense1">F5: 120 units, after ReLU.</param>
/// <param name="Dense2">F6: 84 units, after ReLU.</param>
/// <param name="Logits">The 10 class scores before the softmax.</param>
/// <param name="Probabilities">The 10 class probabilities (<see cref="LeNet5"/>'s Predict).</param>
public sealed record FeatureMaps(
    float[] Input, float[] Conv1, float[] Pool1, float[] Conv2, float[] Pool2,
    float[] Dense1, float[] Dense2, float[] Logits, float[] Probabilities)
{
    /// <summary>The Fashion-MNIST class names, by label.</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The class with the highest probability.</summary>
    public int PredictedClass
    {
        get
        {
            int best = 0;
            for (int k = 1; k < Probabilities.Length; k++)
                if (Probabilities[k] > Probabilities[best]) best = k;
            return best;
        }
    }

    /// <summary>Runs <paramref name="input"/> (784 pixels in [0, 1]) through <paramref name="net"/> and each of its prefixes.</summary>
    public static FeatureMaps Compute(LeNet5 net, ReadOnlySpan<float> input)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (input.Length != LeNet5.InputSize)
            throw new ArgumentException($"Expected {LeNet5.InputSize} pixels, got {input.Length}.", nameof(input));
        var parameters = new float[LeNet5.ParameterCount];
        net.CopyParametersTo(parameters);
        var probabilities = new float[LeNet5.OutputSize];
        net.Predict(input, probabilities);
        return new FeatureMaps(
            input.ToArray(),
            Run<LeNet5Conv1>(parameters, input),
            Run<LeNet5Pool1>(parameters, input),
            Run<LeNet5Conv2>(parameters, input),
            Run<LeNet5Pool2>(parameters, input),
            Run<LeNet5Dense1>(parameters, input),
            Run<LeNet5Dense2>(parameters, input),
            Run<LeNet5Logits>(parameters, input),
            probabilities);
    }

    /// <summary>Loads the first <c>TNet.ParameterCount</c> parameters of LeNet5 into a <typeparamref name="TNet"/> and runs it.</summary>
    private static float[] Run<TNet>(float[] parameters, ReadOnlySpan<float> input) where TNet : class, INetwork<TNet>
    {
        TNet prefix = TNet.Create(0);
        prefix.LoadParameters(parameters.AsSpan(0, TNet.ParameterCount));
        var output = new float[TNet.OutputSize];
        prefix.Predict(input, output);
        return output;
    }
}
