using System;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public class DatasetTests
{
    private static Dataset Labelled() => new([0, 1, 10, 11, 20, 21, 30, 31], 2, [0, 1, 2, 3]);

    [Fact]
    public void LabelledConstructor_WrapsArrays()
    {
        Dataset d = Labelled();
        Assert.Equal(4, d.Count);
        Assert.Equal(2, d.FeatureSize);
        Assert.True(d.HasLabels);
        Assert.Null(d.Targets);
        Assert.Equal(0, d.TargetSize);
        Assert.Equal([20f, 21f], d.GetFeatures(2).ToArray());
        Assert.Throws<InvalidOperationException>(() => d.GetTargets(0));
        Assert.Throws<ArgumentOutOfRangeException>("index", () => d.GetFeatures(4));
    }

    [Fact]
    public void TargetConstructor_WrapsArrays()
    {
        var d = new Dataset([1, 2, 3, 4, 5, 6], 3, [7, 8, 9, 10], 2);
        Assert.Equal(2, d.Count);
        Assert.False(d.HasLabels);
        Assert.Equal([9f, 10f], d.GetTargets(1).ToArray());
    }

    [Fact]
    public void Constructors_ValidateLengths()
    {
        var e1 = Assert.Throws<ArgumentException>("features", () => new Dataset(new float[5], 2, new int[2]));
        Assert.Contains("not a multiple", e1.Message);
        var e2 = Assert.Throws<ArgumentException>("labels", () => new Dataset(new float[6], 2, new int[2]));
        Assert.Contains("(3)", e2.Message);
        Assert.Throws<ArgumentException>("targets", () => new Dataset(new float[6], 2, new float[5], 2));
        Assert.Throws<ArgumentOutOfRangeException>("featureSize", () => new Dataset(new float[6], 0, new int[0]));
        Assert.Throws<ArgumentOutOfRangeException>("targetSize", () => new Dataset(new float[6], 2, new float[0], 0));
        Assert.Throws<ArgumentOutOfRangeException>("labels", () => new Dataset(new float[4], 2, [0, -1]));
        Assert.Throws<ArgumentNullException>("features", () => new Dataset(null!, 2, new int[0]));
    }

    [Fact]
    public void FromArrays_CopiesRowsAndRejectsRaggedOnes()
    {
        float[][] rows = [[1, 2], [3, 4]];
        Dataset d = Dataset.FromArrays(rows, [1, 0]);
        rows[0][0] = 99;
        Assert.Equal([1f, 2f, 3f, 4f], d.Features);
        Assert.Equal([1, 0], d.Labels!);

        Dataset t = Dataset.FromArrays(rows, [[0.5f], [0.25f]]);
        Assert.Equal(1, t.TargetSize);
        Assert.Equal([0.5f, 0.25f], t.Targets!);

        var ragged = Assert.Throws<ArgumentException>("features", () => Dataset.FromArrays([[1, 2], [3]], [0, 1]));
        Assert.Contains("Row 1", ragged.Message);
        Assert.Throws<ArgumentException>("targets", () => Dataset.FromArrays(rows, [[0.5f]]));
        Assert.Throws<ArgumentException>("labels", () => Dataset.FromArrays(rows, [0]));
    }

    [Fact]
    public void Slice_Split_Subset_CopyTheRightRows()
    {
        Dataset d = Labelled();
        Dataset s = d.Slice(1, 2);
        Assert.Equal([10f, 11f, 20f, 21f], s.Features);
        Assert.Equal([1, 2], s.Labels!);

        var (first, rest) = d.Split(3);
        Assert.Equal(3, first.Count);
        Assert.Equal([0, 1, 2], first.Labels!);
        Assert.Equal([30f, 31f], rest.Features);
        Assert.Equal([3], rest.Labels!);

        var (none, all) = d.Split(0);
        Assert.Equal(0, none.Count);
        Assert.Equal(4, all.Count);

        Dataset sub = d.Subset([3, 0, 3]);
        Assert.Equal([30f, 31f, 0f, 1f, 30f, 31f], sub.Features);
        Assert.Equal([3, 0, 3], sub.Labels!);

        var targets = new Dataset([1, 2, 3], 1, [10, 11, 20, 21, 30, 31], 2);
        Assert.Equal([20f, 21f, 30f, 31f], targets.Slice(1, 2).Targets!);
        Assert.Equal([30f, 31f, 10f, 11f], targets.Subset([2, 0]).Targets!);

        Assert.Throws<ArgumentOutOfRangeException>("count", () => d.Split(5));
        Assert.Throws<ArgumentOutOfRangeException>("count", () => d.Slice(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>("start", () => d.Slice(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>("indices", () => d.Subset([0, 4]));
    }

    [Fact]
    public void Shuffle_IsADeterministicPermutation()
    {
        var d = new Dataset([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        Dataset a = d.Shuffle(5), b = d.Shuffle(5), c = d.Shuffle(6);
        Assert.Equal(a.Labels, b.Labels!);
        Assert.NotEqual(a.Labels, c.Labels!);
        Assert.NotEqual(d.Labels, a.Labels!);
        var sorted = (int[])a.Labels!.Clone();
        Array.Sort(sorted);
        Assert.Equal(d.Labels, sorted);
        for (int i = 0; i < 10; i++) Assert.Equal(a.Labels[i], (int)a.Features[i]); // rows stay with their labels
    }
}
