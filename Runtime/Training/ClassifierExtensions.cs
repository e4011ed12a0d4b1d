using System;
using System.Buffers;

namespace NetCompiler;

/// <summary>Helpers for classifiers.</summary>
public static class ClassifierExtensions
{
    /// <summary>
    /// Runs one sample and returns the predicted class (the argmax of the output, the first of equal maxima) and its
    /// output value, which for a <see cref="Loss.SoftmaxCrossEntropy"/> network is its probability. Allocation-free for
    /// outputs of up to 1,024 classes (the output lives on the stack).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="input"/> is not <c>InputSize</c> floats long.</exception>
    public static (int Label, float Probability) PredictClass<TNet>(this TNet net, ReadOnlySpan<float> input)
        where TNet : class, INetwork<TNet>, IClassifier
    {
        ArgumentNullException.ThrowIfNull(net);
        if (input.Length != TNet.InputSize)
            throw new ArgumentException($"{typeof(TNet).Name} takes {TNet.InputSize} inputs, got {input.Length}.", nameof(input));
        int size = TNet.OutputSize;
        float[]? rented = size > 1024 ? ArrayPool<float>.Shared.Rent(size) : null;
        Span<float> output = rented is null ? stackalloc float[size] : rented.AsSpan(0, size);
        try
        {
            net.Predict(input, output);
            int label = SampleLoss.ArgMax(output);
            return (label, output[label]);
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }
}
