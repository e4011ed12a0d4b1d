using System;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>Deterministic seeding; He normal for ReLU layers, Glorot uniform for the others; zero biases.</summary>
public class InitialisationTests
{
    private static float[] Parameters(INetwork net, ReferenceNetwork r)
    {
        var p = new float[r.ParameterCount];
        net.CopyParametersTo(p);
        return p;
    }

    private static float[] Weights(float[] p, ReferenceNetwork r, int l) =>
        p.AsSpan(r.WeightIndex(l, 0, 0), r.OutputShapeOf(l).Size * r.FanIn(l)).ToArray();

    [Fact]
    public void Default_constructor_is_deterministic_and_uses_the_default_seed()
    {
        var c = DeclaredNetworks.InitProbeCase;
        var r = c.Reference;
        float[] a = Parameters(c.CreateDefault(), r);
        float[] b = Parameters(new InitProbe(), r);
        Assert.Equal(a, b);
        Assert.Equal(a, Parameters(c.Create(ParameterInitializer.DefaultSeed), r));
        Assert.Equal(a, Parameters(new InitProbe(ParameterInitializer.DefaultSeed), r));
        Assert.Equal(Parameters(new InitProbe(7), r), Parameters(DeclaredNetworks.InitProbeCase.Create(7), r));
        Assert.Contains(a, v => v != 0);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(0, -1)]
    [InlineData(42, 43)]
    [InlineData(int.MaxValue, int.MinValue)]
    public void Different_seeds_give_different_weights_in_every_layer(int seedA, int seedB)
    {
        var r = DeclaredNetworks.InitProbeCase.Reference;
        float[] a = Parameters(new InitProbe(seedA), r), b = Parameters(new InitProbe(seedB), r);
        for (int l = 0; l < r.Layers.Count; l++)
        {
            float[] wa = Weights(a, r, l), wb = Weights(b, r, l);
            int same = wa.Zip(wb).Count(e => e.First == e.Second);
            Assert.True(same <= wa.Length / 100, $"layer {l}: {same} of {wa.Length} weights equal for seeds {seedA} and {seedB}.");
        }
    }

    [Fact]
    public void Layers_use_different_streams()
    {
        // Layers 1 (100×150) and 2 (60×100) both use Glorot: if they shared one stream their first weights would
        // be proportional (same uniform draws, different bounds).
        var r = DeclaredNetworks.InitProbeCase.Reference;
        float[] p = Parameters(new InitProbe(5), r);
        float[] w1 = Weights(p, r, 1), w2 = Weights(p, r, 2);
        double a1 = Math.Sqrt(6.0 / 250), a2 = Math.Sqrt(6.0 / 160);
        int proportional = Enumerable.Range(0, 200).Count(i => Math.Abs(w1[i] / a1 - w2[i] / a2) < 1e-5);
        Assert.True(proportional < 5, $"{proportional} of the first 200 weights of layers 1 and 2 coincide.");
    }

    [Fact]
    public void Biases_start_at_zero()
    {
        foreach (var c in DeclaredNetworks.All.Values.Append(DeclaredNetworks.InitProbeCase))
        {
            var r = c.Reference;
            float[] p = Parameters(c.Create(99), r);
            for (int l = 0; l < r.Layers.Count; l++)
                if (r.BiasCount(l) > 0)
                    for (int j = 0; j < r.OutputShapeOf(l).Size; j++)
                        if (p[r.BiasIndex(l, j)] != 0) Assert.Fail($"{c.Name}: b{l}[{j}] = {p[r.BiasIndex(l, j)]}");
        }
    }

    [Theory]
    [InlineData(42)]
    [InlineData(2024)]
    public void ReLU_layer_is_He_normal(int seed)
    {
        var r = DeclaredNetworks.InitProbeCase.Reference;
        double[] w = Weights(Parameters(new InitProbe(seed), r), r, 0).Select(v => (double)v).ToArray(); // 150×200, ReLU
        double std = Math.Sqrt(2.0 / 200);
        double mean = w.Average();
        double sampleStd = Math.Sqrt(w.Sum(v => (v - mean) * (v - mean)) / (w.Length - 1));
        Assert.True(Math.Abs(mean) < 4 * std / Math.Sqrt(w.Length), $"mean {mean}");
        Assert.True(Math.Abs(sampleStd / std - 1) < 0.03, $"std {sampleStd}, He expects {std}");
        // Normal, not uniform of the same variance: 68.3% within one standard deviation (uniform: 57.7%),
        // and some beyond 3σ (uniform: none beyond 1.73σ).
        double within1 = w.Count(v => Math.Abs(v) <= std) / (double)w.Length;
        Assert.InRange(within1, 0.673, 0.693);
        Assert.Contains(w, v => Math.Abs(v) > 3 * std);
    }

    [Theory]
    [InlineData(42, 1, 150, 100)] // Tanh
    [InlineData(42, 2, 100, 60)] // Sigmoid
    [InlineData(42, 3, 60, 10)] // Identity
    [InlineData(7, 1, 150, 100)]
    public void Other_layers_are_Glorot_uniform(int seed, int layer, int fanIn, int fanOut)
    {
        var r = DeclaredNetworks.InitProbeCase.Reference;
        Assert.Equal(fanIn, r.FanIn(layer));
        Assert.Equal(fanOut, r.OutputShapeOf(layer).Size);
        double[] w = Weights(Parameters(new InitProbe(seed), r), r, layer).Select(v => (double)v).ToArray();
        double a = Math.Sqrt(6.0 / (fanIn + fanOut));
        double max = w.Max(Math.Abs);
        Assert.True(max <= a * (1 + 1e-6), $"max |w| = {max} exceeds the Glorot bound {a}");
        Assert.True(max >= a * (w.Length >= 5000 ? 0.995 : 0.95), $"max |w| = {max}, expected close to the bound {a}");
        double variance = w.Sum(v => v * v) / w.Length;
        double tolerance = 6 * Math.Sqrt(0.8 / w.Length); // relative standard error of the variance of a uniform
        Assert.True(Math.Abs(variance / (a * a / 3) - 1) < tolerance, $"variance {variance}, Glorot uniform expects {a * a / 3}");
        double mean = w.Average();
        Assert.True(Math.Abs(mean) < 5 * a / Math.Sqrt(3 * w.Length), $"mean {mean}");
        // Uniform: half the weights within a/2.
        double half = w.Count(v => Math.Abs(v) <= a / 2) / (double)w.Length;
        Assert.InRange(half, 0.5 - 5 / Math.Sqrt(4.0 * w.Length), 0.5 + 5 / Math.Sqrt(4.0 * w.Length));
    }
}
