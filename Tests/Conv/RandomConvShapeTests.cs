using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Conv;

/// <summary>
/// Property-style: randomly shaped convolutional networks (a fixed seed, so the same shapes every run) compiled at run
/// time in one assembly; each must match the reference in Predict and in every gradient element.
/// </summary>
public class RandomConvShapeTests
{
    public const int Count = 8;
    private const int ShapeSeed = 20261126;

    public static readonly IReadOnlyList<ReferenceNetwork> Specs = MakeSpecs(new Random(ShapeSeed), Count);

    private static readonly Lazy<IReadOnlyList<NetCase>> s_cases = new(
        () => ConvCompiler.Compile(Specs.Select((s, i) => ("Shape" + i, s)).ToList(), "Random"),
        LazyThreadSafetyMode.ExecutionAndPublication);

    public static IEnumerable<object[]> Indices() => Enumerable.Range(0, Count).Select(i => new object[] { i, Specs[i].ToString() });

    /// <summary>
    /// Input [1–3, 3–12, 3–24] (sometimes 2-D); one or two blocks of Conv2D (1–4 filters, kernel 1–4 × 1–5, stride
    /// 1–3, padding 0–2, any activation, bias or not) each optionally followed by max or average pooling (window 1–3,
    /// stride default or 1–3); then nothing, or one or two dense layers. Shapes that do not fit are redrawn, as are
    /// networks of more than 1,200 parameters (every one is checked by finite differences).
    /// </summary>
    public static IReadOnlyList<ReferenceNetwork> MakeSpecs(Random rng, int count)
    {
        var specs = new List<ReferenceNetwork>();
        while (specs.Count < count)
        {
            var spec = TryMake(rng);
            if (spec is not null && spec.ParameterCount <= 1200 && spec.OutputSize <= 200) specs.Add(spec);
        }
        return specs;
    }

    private static ReferenceNetwork? TryMake(Random rng)
    {
        int c = 1 + rng.Next(3), h = 3 + rng.Next(10), w = 3 + rng.Next(22);
        int[] input = c == 1 && rng.Next(3) == 0 ? new[] { h, w } : new[] { c, h, w };
        var layers = new List<RefLayer>();
        int blocks = 1 + rng.Next(2);
        for (int b = 0; b < blocks; b++)
        {
            int kh = 1 + rng.Next(4), kw = 1 + rng.Next(5), stride = rng.Next(3) == 0 ? 2 + rng.Next(2) : 1, padding = rng.Next(3);
            if (kh > h + 2 * padding || kw > w + 2 * padding) return null;
            layers.Add(RefLayer.Conv2D(1 + rng.Next(4), kh, kw, (Activation)rng.Next(4), stride, padding, bias: rng.Next(5) != 0));
            h = (h + 2 * padding - kh) / stride + 1;
            w = (w + 2 * padding - kw) / stride + 1;
            if (rng.Next(2) == 0)
            {
                int size = 1 + rng.Next(3), poolStride = rng.Next(2) == 0 ? 0 : 1 + rng.Next(3);
                if (size > h || size > w) return null;
                layers.Add(rng.Next(2) == 0 ? RefLayer.MaxPool(size, poolStride) : RefLayer.AvgPool(size, poolStride));
                int s = poolStride == 0 ? size : poolStride;
                h = (h - size) / s + 1;
                w = (w - size) / s + 1;
            }
        }
        var loss = rng.Next(2) == 0 ? Loss.HalfSquaredError : Loss.SoftmaxCrossEntropy;
        int dense = rng.Next(3);
        if (dense == 0 && loss == Loss.SoftmaxCrossEntropy) dense = 1; // softmax needs an identity logits layer
        for (int d = 0; d < dense; d++)
        {
            bool last = d == dense - 1;
            var activation = last && loss == Loss.SoftmaxCrossEntropy ? Activation.Identity : (Activation)rng.Next(4);
            layers.Add(RefLayer.Dense(last ? 2 + rng.Next(4) : 2 + rng.Next(8), activation, bias: rng.Next(5) != 0));
        }
        try
        {
            return new ReferenceNetwork(input, layers, loss);
        }
        catch (ArgumentException)
        {
            return null; // e.g. softmax over a single output
        }
    }

    [Fact]
    public void Random_shapes_cover_what_they_are_there_for()
    {
        // Guards the fixed seed: the set must keep exercising strides, padding, both poolings, every activation.
        var convs = Specs.SelectMany(s => s.Layers.OfType<RefConv2D>()).ToList();
        var pools = Specs.SelectMany(s => s.Layers.OfType<RefPool2D>()).ToList();
        Assert.Contains(convs, c => c.Stride > 1);
        Assert.Contains(convs, c => c.Stride == 1);
        Assert.Contains(convs, c => c.Padding > 0);
        Assert.Contains(convs, c => c.KernelHeight != c.KernelWidth);
        Assert.Contains(convs, c => !c.Bias);
        Assert.All(Enum.GetValues<Activation>(), a => Assert.Contains(convs, c => c.Activation == a));
        Assert.Contains(pools, p => p.IsMax && p.Size > 1);
        Assert.Contains(pools, p => !p.IsMax && p.Size > 1);
        Assert.Contains(pools, p => p.Stride != 0 && p.Stride != p.Size);
        Assert.Contains(Specs, s => s.InputShape.Length == 3 && s.InputShape[0] > 1);
        Assert.Contains(Specs, s => s.Loss == Loss.SoftmaxCrossEntropy);
        Assert.Contains(Specs, s => s.Layers[^1] is not RefDense);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Random_shape_matches_reference(int index, string architecture)
    {
        _ = architecture; // shown in the test name
        var c = s_cases.Value[index];
        NetworkChecks.StaticsMatch(c);
        NetworkChecks.PredictCheck(c, dataSeed: 300 + index);
        NetworkChecks.GradientCheck(c, batch: 1, useLabels: false, dataSeed: 310 + index);
        NetworkChecks.GradientCheck(c, batch: 3, useLabels: c.Reference.Loss == Loss.SoftmaxCrossEntropy, dataSeed: 320 + index);
    }
}
