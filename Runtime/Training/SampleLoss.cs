using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>
/// The loss of one sample and its predicted class, as <see cref="EvaluationResult"/> defines them: the one place these
/// formulas are written.
/// </summary>
internal static class SampleLoss
{
    /// <summary>Probabilities are clamped to at least this before the logarithm.</summary>
    public const float MinProbability = 1e-12f;

    /// <summary>
    /// The loss of output <paramref name="y"/>: against label <paramref name="label"/> when it is ≥ 0 (a one-hot target,
    /// or the target value itself for a single output), else against <paramref name="targets"/>.
    /// <see cref="Loss.SoftmaxCrossEntropy"/>: −Σ t log max(y, 1e-12) over the non-zero targets;
    /// <see cref="Loss.HalfSquaredError"/>: ½ Σ (y − t)².
    /// </summary>
    public static double Of(ReadOnlySpan<float> y, Loss loss, int label, ReadOnlySpan<float> targets)
    {
        double sum = 0;
        for (int k = 0; k < y.Length; k++)
        {
            double t = label < 0 ? targets[k] : y.Length == 1 ? label : k == label ? 1.0 : 0.0;
            if (loss == Loss.SoftmaxCrossEntropy)
            {
                if (t != 0) sum -= t * Math.Log(Math.Max(y[k], MinProbability));
            }
            else
            {
                double d = y[k] - t;
                sum += d * d;
            }
        }
        return loss == Loss.SoftmaxCrossEntropy ? sum : 0.5 * sum;
    }

    /// <summary>
    /// The class output <paramref name="y"/> predicts: the argmax (the first of equal maxima); for a single output of a
    /// <see cref="Loss.HalfSquaredError"/> network, 1 when y &gt; 0.5, else 0.
    /// </summary>
    public static int PredictedClass(ReadOnlySpan<float> y, Loss loss) =>
        y.Length == 1 && loss != Loss.SoftmaxCrossEntropy ? (y[0] > 0.5f ? 1 : 0) : ArgMax(y);

    /// <summary>Index of the largest value (the first of equal maxima); NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
            if (values[k] > values[best]) best = k;
        return best;
    }

    /// <summary>Whether every value is finite (no NaN, no infinity): vectorised, allocation-free.</summary>
    public static bool AllFinite(ReadOnlySpan<float> values)
    {
        // x · 0 is 0 for a finite x and NaN for NaN or ±∞, and NaN survives the sum.
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> acc = Vector<float>.Zero;
        for (int i = 0; i < vectors.Length; i++) acc += vectors[i] * Vector<float>.Zero;
        float tail = 0f;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++) tail += values[i] * 0f;
        return Vector.EqualsAll(acc, Vector<float>.Zero) && tail == 0f;
    }
}
