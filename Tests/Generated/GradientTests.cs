using System;
using NetCompiler.Tests.Infrastructure;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>ComputeGradients (and its returned loss) against finite differences of the double reference loss, and
/// Predict/PredictBatch against the reference outputs.</summary>
public class GradientTests
{
    public static IEnumerable<object[]> DeclaredGradientCases() =>
        from c in DeclaredNetworks.All.Values
        // 12 = one tile of 8 samples (the input gradient's on AVX-512), one of 3 and one alone; 49 = a chunk whose forward
        // pass takes the lane path on AVX-512 (its last group of 16 lanes holds one sample)
        from batch in new[] { 1, 5, 12, 49 }
        from labels in c.Reference.Loss == Loss.SoftmaxCrossEntropy ? new[] { false, true } : new[] { false }
        select new object[] { c.Name, batch, labels };

    [Theory]
    [MemberData(nameof(DeclaredGradientCases))]
    public void Declared_gradients_match_finite_differences(string name, int batch, bool labels) =>
        NetworkChecks.GradientCheck(DeclaredNetworks.All[name], batch, labels, dataSeed: 1000 + batch);

    [Theory]
    [MemberData(nameof(DeclaredNetworks.Names), MemberType = typeof(DeclaredNetworks))]
    public void Declared_predict_matches_reference(string name) =>
        NetworkChecks.PredictCheck(DeclaredNetworks.All[name], dataSeed: 77);

    [Theory]
    [MemberData(nameof(RandomNetworks.Indices), MemberType = typeof(RandomNetworks))]
    public void Random_shape_gradients_match_finite_differences(int index, string architecture)
    {
        _ = architecture; // shown in the test name
        var c = RandomNetworks.Cases[index];
        foreach (int batch in new[] { 1, 5 })
        {
            NetworkChecks.GradientCheck(c, batch, useLabels: false, dataSeed: 31 * index + batch);
            if (c.Reference.Loss == Loss.SoftmaxCrossEntropy)
                NetworkChecks.GradientCheck(c, batch, useLabels: true, dataSeed: 31 * index + batch + 7);
        }
    }

    [Theory]
    [MemberData(nameof(RandomNetworks.Indices), MemberType = typeof(RandomNetworks))]
    public void Random_shape_predict_matches_reference(int index, string architecture)
    {
        _ = architecture;
        NetworkChecks.PredictCheck(RandomNetworks.Cases[index], dataSeed: 500 + index);
    }

    [Fact]
    public void Random_shapes_cover_every_activation_loss_and_depth()
    {
        // Guards the fixed shape seed: the random set must keep exercising what it is there for.
        var specs = RandomNetworks.Specs;
        Assert.All(new[] { Activation.Identity, Activation.ReLU, Activation.Tanh, Activation.Sigmoid },
            a => Assert.Contains(specs, s => s.Layers.Any(l => l.ActivationOf == a)));
        Assert.Contains(specs, s => s.Loss == Loss.HalfSquaredError);
        Assert.Contains(specs, s => s.Loss == Loss.SoftmaxCrossEntropy);
        Assert.Contains(specs, s => s.Layers.Count == 1);
        Assert.Contains(specs, s => s.Layers.Count == 4);
        Assert.Contains(specs, s => s.Layers.Any(l => l is RefDense { Bias: false }));
        Assert.Contains(specs, s => s.InputSize > 32 && s.Layers.Any(l => l is RefDense { Units: > 32 }));
    }

    [Theory]
    [InlineData(nameof(Hse37Tanh))]
    [InlineData(nameof(Sce70ReLU))]
    [InlineData(nameof(Aligned64))]
    [InlineData(nameof(Deep3HiddenSce))]
    [InlineData(nameof(Tiny342Identity))]
    public void Gradients_of_a_batch_of_several_chunks_are_the_weighted_mean_of_the_chunks(string name)
    {
        // Training runs a batch in chunks of 64 samples: the first chunk writes the weight gradients (its tiles start
        // from zero), later chunks add to them. 130 samples = chunks of 64, 64 and 2; the batch's mean gradient must
        // be (64·g[0, 64) + 64·g[64, 128) + 2·g[128, 130)) / 130 of the chunks computed alone.
        var c = DeclaredNetworks.All[name];
        var r = c.Reference;
        var net = c.Create(NetworkChecks.NetworkSeed);
        var rng = new System.Random(130);
        const int batch = 130;
        float[] x = NetworkChecks.RandomFloats(rng, batch * r.InputSize, -1, 1);
        float[] t = NetworkChecks.RandomFloats(rng, batch * r.OutputSize, 0, 1);
        var whole = new float[r.ParameterCount];
        Array.Fill(whole, float.NaN); // nothing clears the span: the first chunk must write every element
        net.ComputeGradients(x, t, whole);
        var expected = new double[r.ParameterCount];
        foreach (var (start, count) in new[] { (0, 64), (64, 64), (128, 2) })
        {
            var part = new float[r.ParameterCount];
            Array.Fill(part, float.NaN);
            net.ComputeGradients(x.AsSpan(start * r.InputSize, count * r.InputSize), t.AsSpan(start * r.OutputSize, count * r.OutputSize), part);
            for (int i = 0; i < part.Length; i++) expected[i] += (double)count / batch * part[i];
        }
        double scale = expected.Max(System.Math.Abs);
        Assert.True(scale > 0, "all-zero gradients would prove nothing");
        for (int i = 0; i < whole.Length; i++)
            Assert.True(System.Math.Abs(whole[i] - expected[i]) <= 1e-5 * scale + 1e-7, $"{name}: gradient {i} is {whole[i]}, the chunks give {expected[i]}");
    }

    [Theory]
    [InlineData(nameof(Sce70Identity))]
    [InlineData(nameof(Sce70ReLU))]
    [InlineData(nameof(SingleSce))]
    public void Softmax_is_stable_for_large_logits(string name)
    {
        // Inputs ×60 drive the logits into the hundreds: a softmax without max-subtraction overflows, and a
        // cross-entropy computed as log(softmax) underflows to log(0) = −∞ for an unlikely label.
        var c = DeclaredNetworks.All[name];
        NetworkChecks.PredictCheck(c, dataSeed: 5, inputScale: 60, rtol: 2e-3, atol: 1e-5);

        var r = c.Reference;
        var net = (IClassifier)c.Create(NetworkChecks.NetworkSeed);
        var p = new float[r.ParameterCount];
        net.CopyParametersTo(p);
        var rng = new System.Random(9);
        float[] x = NetworkChecks.RandomFloats(rng, r.InputSize, -60, 60);
        double[] z = r.Forward(NetworkChecks.ToDouble(p), NetworkChecks.ToDouble(x));
        int unlikely = System.Array.IndexOf(z, z.Min());
        double expected = r.MeanLoss(NetworkChecks.ToDouble(p), NetworkChecks.ToDouble(x), new[] { unlikely });
        float loss = net.ComputeGradients(x, new[] { unlikely }, new float[r.ParameterCount]);
        Assert.True(expected > 20, $"test setup: the label should be unlikely (loss {expected}).");
        Assert.True(float.IsFinite(loss) && System.Math.Abs(loss - expected) <= 1e-3 * expected,
            $"{name}: loss {loss} for an unlikely label, reference {expected}.");
    }
}
