using System;
using System.Buffers.Binary;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// <see cref="Adam"/> against PyTorch itself: <c>Tests/Fixtures/adam_fixture.bin</c>, written by
/// <c>Tests/Fixtures/make_adam_fixture.py</c> with <c>torch.optim.Adam</c> and <c>torch.optim.AdamW</c>, holds 200 steps
/// on given gradients for four settings (Adam with and without weight decay, AdamW with and without it).
/// </summary>
public class AdamTests(ITestOutputHelper output)
{
    /// <summary>
    /// Relative error allowed at every step: |ours − PyTorch| / max(|PyTorch|, <see cref="Floor"/>). Near zero, where a
    /// parameter crosses sign, the rounding of a step of size ≈ lr dominates, so the error is taken relative to 0.01.
    /// </summary>
    private const double Tolerance = 1e-6, Floor = 1e-2;

    private sealed record Case(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, bool Decoupled, float[] Expected);

    private sealed record Fixture(int N, int Steps, float[] Initial, float[] Gradients, Case[] Cases);

    private static Fixture Load()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "adam_fixture.bin"));
        ReadOnlySpan<byte> b = bytes;
        Assert.True(b[..4].SequenceEqual("NCAF"u8));
        int at = 4;
        int Int() { int v = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at)); at += 4; return v; }
        float Float() { float v = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at)); at += 4; return v; }
        float[] Floats(int count) { var v = new float[count]; for (int i = 0; i < count; i++) v[i] = Float(); return v; }
        Assert.Equal(1, Int());
        int n = Int(), steps = Int(), cases = Int();
        float[] initial = Floats(n), gradients = Floats(steps * n);
        var list = new Case[cases];
        for (int c = 0; c < cases; c++)
        {
            float lr = Float(), b1 = Float(), b2 = Float(), eps = Float(), wd = Float();
            bool decoupled = Int() != 0;
            list[c] = new Case(lr, b1, b2, eps, wd, decoupled, Floats(steps * n));
        }
        Assert.Equal(bytes.Length, at);
        return new Fixture(n, steps, initial, gradients, list);
    }

    private static Adam Create(Fixture f, Case c) => new(f.N, c.LearningRate, c.Beta1, c.Beta2, c.Epsilon, c.WeightDecay, c.Decoupled);

    [Fact]
    public void Matches_PyTorch_Adam_and_AdamW_at_every_step()
    {
        Fixture f = Load();
        Assert.Equal(4, f.Cases.Length);
        Assert.Contains(f.Cases, c => !c.Decoupled && c.WeightDecay == 0);
        Assert.Contains(f.Cases, c => !c.Decoupled && c.WeightDecay > 0);
        Assert.Contains(f.Cases, c => c.Decoupled && c.WeightDecay == 0);
        Assert.Contains(f.Cases, c => c.Decoupled && c.WeightDecay > 0);
        foreach (Case c in f.Cases)
        {
            Adam adam = Create(f, c);
            float[] p = (float[])f.Initial.Clone();
            double worst = 0;
            for (int s = 0; s < f.Steps; s++)
            {
                adam.Step(p, f.Gradients.AsSpan(s * f.N, f.N));
                for (int i = 0; i < f.N; i++)
                {
                    double expected = c.Expected[s * f.N + i], error = Math.Abs(p[i] - expected) / Math.Max(Math.Abs(expected), Floor);
                    worst = Math.Max(worst, error);
                    Assert.True(error <= Tolerance, $"{c} step {s + 1} parameter {i}: {p[i]:R} vs PyTorch {expected:R} (relative error {error:E2})");
                }
            }
            Assert.Equal(f.Steps, adam.StepCount);
            output.WriteLine($"{(c.Decoupled ? "AdamW" : "Adam")} lr {c.LearningRate} wd {c.WeightDecay}: worst relative error {worst:E2} over {f.Steps} steps");
        }
    }

    [Fact]
    public void Fused_two_buffer_reduction_and_ranges_give_the_same_bits_as_Step()
    {
        Fixture f = Load();
        foreach (Case c in f.Cases)
        {
            Adam whole = Create(f, c), fused = Create(f, c);
            float[] p = (float[])f.Initial.Clone(), q = (float[])f.Initial.Clone();
            float[][] buffers = [new float[f.N], new float[f.N]];
            float[] weights = [0.5f, 0.5f];
            for (int s = 0; s < f.Steps; s++)
            {
                ReadOnlySpan<float> g = f.Gradients.AsSpan(s * f.N, f.N);
                whole.Step(p, g);
                // Two threads' halves of a batch that both saw the same gradient: ½g + ½g = g exactly.
                g.CopyTo(buffers[0]);
                g.CopyTo(buffers[1]);
                fused.StepRange(q, buffers, weights, 2, 0, 16);
                fused.StepRange(q, buffers, weights, 2, 16, f.N - 16);
                fused.CountStep();
                for (int i = 0; i < f.N; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(p[i]) == BitConverter.SingleToInt32Bits(q[i]), $"step {s + 1} parameter {i}");
            }
        }
    }

    [Fact]
    public void Step_allocates_nothing()
    {
        var adam = new Adam(1000, 1e-3f, weightDecay: 1e-2f, decoupledWeightDecay: true);
        var p = new float[1000];
        var g = new float[1000];
        g.AsSpan().Fill(0.25f);
        adam.Step(p, g);
        adam.LearningRate = 2e-3f;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) adam.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Reset_forgets_the_moments_and_the_step_count()
    {
        var adam = new Adam(3);
        float[] p = [1, 2, 3];
        adam.Step(p, [1, 1, 1]);
        Assert.NotEqual(0f, adam.FirstMoments[0]);
        adam.Reset();
        Assert.Equal(0, adam.StepCount);
        Assert.Equal(0f, adam.FirstMoments[0]);
        Assert.Equal(0f, adam.SecondMoments[2]);
    }

    [Fact]
    public void Rejects_arguments_out_of_range()
    {
        Assert.Throws<ArgumentOutOfRangeException>("parameterCount", () => new Adam(0));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Adam(1, -1f));
        Assert.Throws<ArgumentOutOfRangeException>("beta1", () => new Adam(1, beta1: 1f));
        Assert.Throws<ArgumentOutOfRangeException>("beta2", () => new Adam(1, beta2: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("epsilon", () => new Adam(1, epsilon: -1e-8f));
        Assert.Throws<ArgumentOutOfRangeException>("weightDecay", () => new Adam(1, weightDecay: float.PositiveInfinity));
        Assert.Throws<ArgumentException>("parameters", () => new Adam(2).Step(new float[3], new float[2]));
    }
}
