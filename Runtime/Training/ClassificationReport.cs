using System;

namespace NetCompiler;

/// <summary>
/// A classifier's results over labelled data: loss and accuracy, the confusion matrix, and per-class precision and
/// recall (from <see cref="Trainer{TNet}.EvaluateClasses"/>).
/// </summary>
public sealed class ClassificationReport
{
    private readonly long[] _confusion;

    internal ClassificationReport(EvaluationResult result, int classes, long[] confusion)
    {
        Result = result;
        Classes = classes;
        _confusion = confusion;
    }

    /// <summary>Loss, accuracy and count.</summary>
    public EvaluationResult Result { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>How many samples of class <paramref name="actual"/> were predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => _confusion[Index(actual) * Classes + Index(predicted)];

    /// <summary>The confusion matrix, row-major: row = true class, column = predicted class.</summary>
    public ReadOnlySpan<long> ConfusionMatrix => _confusion;

    /// <summary>Of the samples predicted as <paramref name="label"/>, the fraction that are; NaN when none is.</summary>
    public double Precision(int label)
    {
        long predicted = 0;
        for (int a = 0; a < Classes; a++) predicted += this[a, label];
        return predicted == 0 ? double.NaN : (double)this[label, label] / predicted;
    }

    /// <summary>Of the samples of class <paramref name="label"/>, the fraction predicted as such; NaN when there are none.</summary>
    public double Recall(int label)
    {
        long actual = 0;
        for (int p = 0; p < Classes; p++) actual += this[label, p];
        return actual == 0 ? double.NaN : (double)this[label, label] / actual;
    }

    private int Index(int label) =>
        (uint)label < (uint)Classes ? label : throw new ArgumentOutOfRangeException(nameof(label), label, $"A class must be in [0, {Classes}).");
}
