using System;

namespace NetCompiler;

/// <summary>
/// An in-memory set of samples: row-major features (<see cref="Count"/> × <see cref="FeatureSize"/>) and either one
/// class label per sample (<see cref="Labels"/>) or <see cref="TargetSize"/> target values per sample
/// (<see cref="Targets"/>), never both.
/// </summary>
/// <remarks>
/// The constructors wrap the given arrays without copying (the caller must not change their lengths' meaning
/// afterwards); <see cref="FromArrays(float[][], int[])"/>, <see cref="Slice"/>, <see cref="Split"/> and
/// <see cref="Subset"/> build new arrays.
/// </remarks>
public sealed class Dataset
{
    /// <summary>Wraps row-major <paramref name="features"/> and one class label per sample.</summary>
    /// <param name="features">Row-major features, <c>Count × featureSize</c> values.</param>
    /// <param name="featureSize">Floats per sample; must be positive.</param>
    /// <param name="labels">One non-negative class label per sample.</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureSize"/> is not positive, or a label is negative.</exception>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public Dataset(float[] features, int featureSize, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        Count = CountRows(features, featureSize);
        if (labels.Length != Count)
            throw new ArgumentException(
                $"Expected one label per sample ({Count}), got {labels.Length} labels.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] < 0)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {i} is negative; class labels must be ≥ 0.");
        }
        Features = features;
        FeatureSize = featureSize;
        Labels = labels;
    }

    /// <summary>Wraps row-major <paramref name="features"/> and row-major <paramref name="targets"/>.</summary>
    /// <param name="features">Row-major features, <c>Count × featureSize</c> values.</param>
    /// <param name="featureSize">Floats per sample; must be positive.</param>
    /// <param name="targets">Row-major targets, <c>Count × targetSize</c> values.</param>
    /// <param name="targetSize">Target floats per sample; must be positive.</param>
    /// <exception cref="ArgumentNullException">An array is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive.</exception>
    /// <exception cref="ArgumentException">The lengths disagree.</exception>
    public Dataset(float[] features, int featureSize, float[] targets, int targetSize)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        Count = CountRows(features, featureSize);
        if (targetSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(targetSize), targetSize, "The target size must be positive.");
        if ((long)Count * targetSize != targets.Length)
            throw new ArgumentException(
                $"Expected {Count} samples × {targetSize} targets = {(long)Count * targetSize} values, got {targets.Length}.",
                nameof(targets));
        Features = features;
        FeatureSize = featureSize;
        Targets = targets;
        TargetSize = targetSize;
    }

    /// <summary>Row-major features, <see cref="Count"/> × <see cref="FeatureSize"/>.</summary>
    public float[] Features { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Floats per sample in <see cref="Features"/>.</summary>
    public int FeatureSize { get; }

    /// <summary>One class label per sample, or null when the dataset has <see cref="Targets"/>.</summary>
    public int[]? Labels { get; }

    /// <summary>Row-major targets, <see cref="Count"/> × <see cref="TargetSize"/>, or null when the dataset has <see cref="Labels"/>.</summary>
    public float[]? Targets { get; }

    /// <summary>Target floats per sample; 0 when the dataset has <see cref="Labels"/>.</summary>
    public int TargetSize { get; }

    /// <summary>Whether the dataset holds class labels (otherwise it holds targets).</summary>
    public bool HasLabels => Labels is not null;

    /// <summary>The features of sample <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> GetFeatures(int index)
    {
        CheckIndex(index);
        return Features.AsSpan(index * FeatureSize, FeatureSize);
    }

    /// <summary>The targets of sample <paramref name="index"/>.</summary>
    /// <exception cref="InvalidOperationException">The dataset holds labels.</exception>
    public ReadOnlySpan<float> GetTargets(int index)
    {
        if (Targets is null) throw new InvalidOperationException("This dataset holds class labels, not targets.");
        CheckIndex(index);
        return Targets.AsSpan(index * TargetSize, TargetSize);
    }

    /// <summary>Builds a labelled dataset by copying one feature row per sample.</summary>
    /// <exception cref="ArgumentException">The rows are empty, ragged, or do not match the labels.</exception>
    public static Dataset FromArrays(float[][] features, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        float[] flat = Flatten(features, nameof(features), out int featureSize);
        return new Dataset(flat, featureSize, (int[])labels.Clone());
    }

    /// <summary>Builds a dataset with targets by copying one feature row and one target row per sample.</summary>
    /// <exception cref="ArgumentException">The rows are empty, ragged, or the two arrays have different lengths.</exception>
    public static Dataset FromArrays(float[][] features, float[][] targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.Length != targets.Length)
            throw new ArgumentException(
                $"Expected one target row per sample ({features.Length}), got {targets.Length} rows.", nameof(targets));
        float[] flatFeatures = Flatten(features, nameof(features), out int featureSize);
        float[] flatTargets = Flatten(targets, nameof(targets), out int targetSize);
        return new Dataset(flatFeatures, featureSize, flatTargets, targetSize);
    }

    /// <summary>Builds a labelled dataset by copying a flat feature array (no copy of the caller's arrays is kept).</summary>
    public static Dataset FromArrays(ReadOnlySpan<float> features, int featureSize, ReadOnlySpan<int> labels)
        => new(features.ToArray(), featureSize, labels.ToArray());

    /// <summary>Builds a dataset with targets by copying flat feature and target arrays.</summary>
    public static Dataset FromArrays(ReadOnlySpan<float> features, int featureSize, ReadOnlySpan<float> targets, int targetSize)
        => new(features.ToArray(), featureSize, targets.ToArray(), targetSize);

    /// <summary>A copy of samples <c>[start, start + count)</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is outside <c>[0, Count]</c>.</exception>
    public Dataset Slice(int start, int count)
    {
        if ((uint)start > (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"The start must be in [0, {Count}].");
        if (count < 0 || count > Count - start)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The count must be in [0, {Count - start}] for start {start}.");
        float[] features = Features.AsSpan(start * FeatureSize, count * FeatureSize).ToArray();
        return Labels is not null
            ? new Dataset(features, FeatureSize, Labels.AsSpan(start, count).ToArray())
            : new Dataset(features, FeatureSize, Targets!.AsSpan(start * TargetSize, count * TargetSize).ToArray(), TargetSize);
    }

    /// <summary>
    /// Splits the samples, in order, into the first <paramref name="count"/> and the remaining ones, e.g.
    /// <c>var (validation, train) = all.Split(10_000)</c>. Shuffle first (with <see cref="Subset"/>) if the order matters.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is outside <c>[0, Count]</c>.</exception>
    public (Dataset First, Dataset Remaining) Split(int count)
    {
        if ((uint)count > (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The count must be in [0, {Count}].");
        return (Slice(0, count), Slice(count, Count - count));
    }

    /// <summary>
    /// A seeded split into training and validation data: the samples are shuffled with <paramref name="seed"/> (as
    /// <see cref="Shuffle"/> does) and the first ⌊<paramref name="validationFraction"/> · Count⌉ (rounded to nearest) go to
    /// validation, the rest to training. The same seed gives the same split; early stopping can then watch validation
    /// data that is not the test set.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationFraction"/> is not in (0, 1), or leaves a part empty.</exception>
    public (Dataset Train, Dataset Validation) SplitValidation(double validationFraction, int seed)
    {
        if (!(validationFraction > 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in (0, 1).");
        int validation = (int)Math.Round(validationFraction * Count);
        if (validation == 0 || validation == Count)
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction,
                $"A fraction {validationFraction} of {Count} samples leaves the training or the validation part empty.");
        (Dataset first, Dataset rest) = Shuffle(seed).Split(validation);
        return (rest, first);
    }

    /// <summary>A copy of the samples at <paramref name="indices"/>, in that order (repeats allowed).</summary>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside <c>[0, Count)</c>.</exception>
    public Dataset Subset(ReadOnlySpan<int> indices)
    {
        var features = new float[indices.Length * FeatureSize];
        int[]? labels = Labels is null ? null : new int[indices.Length];
        float[]? targets = Targets is null ? null : new float[indices.Length * TargetSize];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"Index {i} is outside [0, {Count}).");
            Features.AsSpan(index * FeatureSize, FeatureSize).CopyTo(features.AsSpan(i * FeatureSize));
            if (labels is not null) labels[i] = Labels![index];
            else Targets!.AsSpan(index * TargetSize, TargetSize).CopyTo(targets.AsSpan(i * TargetSize));
        }
        return labels is not null
            ? new Dataset(features, FeatureSize, labels)
            : new Dataset(features, FeatureSize, targets!, TargetSize);
    }

    /// <summary>A copy of the samples in an order shuffled deterministically from <paramref name="seed"/> (Fisher–Yates, <see cref="SplitMix64"/>).</summary>
    public Dataset Shuffle(int seed)
    {
        var indices = new int[Count];
        for (int i = 0; i < indices.Length; i++) indices[i] = i;
        var rng = new SplitMix64(seed, 0);
        for (int i = indices.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }
        return Subset(indices);
    }

    private static int CountRows(float[] features, int featureSize)
    {
        if (featureSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureSize), featureSize, "The feature size must be positive.");
        if (features.Length % featureSize != 0)
            throw new ArgumentException(
                $"The feature array's length {features.Length} is not a multiple of the feature size {featureSize}.", nameof(features));
        return features.Length / featureSize;
    }

    private static float[] Flatten(float[][] rows, string paramName, out int rowSize)
    {
        if (rows.Length == 0)
            throw new ArgumentException("At least one row is required to know the row size.", paramName);
        rowSize = rows[0]?.Length ?? throw new ArgumentException("Row 0 is null.", paramName);
        if (rowSize == 0) throw new ArgumentException("Row 0 is empty.", paramName);
        var flat = new float[(long)rows.Length * rowSize];
        for (int i = 0; i < rows.Length; i++)
        {
            float[]? row = rows[i];
            if (row is null) throw new ArgumentException($"Row {i} is null.", paramName);
            if (row.Length != rowSize)
                throw new ArgumentException($"Row {i} has {row.Length} values; row 0 has {rowSize}.", paramName);
            row.CopyTo(flat, (long)i * rowSize);
        }
        return flat;
    }

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The index must be in [0, {Count}).");
    }
}
