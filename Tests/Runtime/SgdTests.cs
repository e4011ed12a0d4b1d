using System;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public class SgdTests
{
    private static void AssertClose(double expected, double actual, double tolerance = 1e-6)
        => Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    [Fact]
    public void PlainSgd_OneStep_SubtractsLearningRateTimesGradient()
    {
        var sgd = new Sgd(3, learningRate: 0.5f);
        float[] p = [1f, -2f, 3f];
        sgd.Step(p, [0.2f, -0.4f, 1f]);
        AssertClose(0.9, p[0]);
        AssertClose(-1.8, p[1]);
        AssertClose(2.5, p[2]);
        Assert.True(sgd.Velocity.IsEmpty);
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void Momentum_WithWeightDecay_ThreeStepsMatchHandComputation()
    {
        // lr 0.1, μ 0.9, wd 0.01, p0 = 1, gradients 0.5, −0.2, 0.3 (by hand):
        // 1: g = 0.5 + 0.01·1 = 0.51;            v = 0.51;                        p = 1 − 0.051 = 0.949
        // 2: g = −0.2 + 0.01·0.949 = −0.19051;   v = 0.9·0.51 − 0.19051 = 0.26849; p = 0.949 − 0.026849 = 0.922151
        // 3: g = 0.3 + 0.00922151 = 0.30922151;  v = 0.241641 + 0.30922151 = 0.55086251; p = 0.867064749
        var sgd = new Sgd(1, 0.1f, momentum: 0.9f, weightDecay: 0.01f);
        float[] p = [1f];
        sgd.Step(p, [0.5f]);
        AssertClose(0.949f, p[0]);
        AssertClose(0.51f, sgd.Velocity[0]);
        sgd.Step(p, [-0.2f]);
        AssertClose(0.922151f, p[0]);
        AssertClose(0.26849f, sgd.Velocity[0]);
        sgd.Step(p, [0.3f]);
        AssertClose(0.867064749f, p[0]);
        AssertClose(0.55086251f, sgd.Velocity[0]);
    }

    [Fact]
    public void Nesterov_TwoStepsMatchHandComputation()
    {
        // lr 0.1, μ 0.9, p0 = 1, gradients 0.5, −0.2:
        // 1: v = 0.5;  d = 0.5 + 0.45 = 0.95;     p = 1 − 0.095 = 0.905
        // 2: v = 0.45 − 0.2 = 0.25; d = −0.2 + 0.225 = 0.025; p = 0.905 − 0.0025 = 0.9025
        var sgd = new Sgd(1, 0.1f, momentum: 0.9f, nesterov: true);
        float[] p = [1f];
        sgd.Step(p, [0.5f]);
        AssertClose(0.905f, p[0]);
        sgd.Step(p, [-0.2f]);
        AssertClose(0.9025f, p[0]);
    }

    /// <summary>The update rules: momentum, weight decay, Nesterov (plain SGD, with decay, heavy ball, both, Nesterov).</summary>
    public static TheoryData<float, float, bool> Rules => new()
    {
        { 0f, 0f, false },
        { 0f, 0.05f, false },
        { 0.9f, 0f, false },
        { 0.8f, 0.01f, false },
        { 0.9f, 0.01f, true },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void VectorisedStep_MatchesScalarDoubleReference_OnOddLengths(float momentum, float weightDecay, bool nesterov)
    {
        foreach (int n in new[] { 1, 7, 37, 100, 1029 })
        {
            var sgd = new Sgd(n, 0.05f, momentum, weightDecay, nesterov);
            var p = new float[n];
            var refP = new double[n];
            var refV = new double[n];
            var rng = new SplitMix64(n, 1);
            for (int i = 0; i < n; i++) refP[i] = p[i] = (float)(rng.NextDouble() * 4 - 2);
            var g = new float[n];
            for (int step = 0; step < 4; step++)
            {
                for (int i = 0; i < n; i++) g[i] = (float)(rng.NextDouble() * 2 - 1);
                sgd.Step(p, g);
                for (int i = 0; i < n; i++)
                {
                    double grad = g[i] + weightDecay * refP[i];
                    refV[i] = momentum * refV[i] + grad;
                    double d = momentum == 0 ? grad : nesterov ? grad + momentum * refV[i] : refV[i];
                    refP[i] -= 0.05 * d;
                }
            }
            for (int i = 0; i < n; i++)
                Assert.True(Math.Abs(p[i] - refP[i]) < 1e-5, $"n={n} i={i}: {p[i]} vs {refP[i]}");
        }
    }

    /// <summary>
    /// The two-buffer update (two threads' slices of a batch, weighted and reduced as they are read, by ranges) must give
    /// the bits of <see cref="Sgd.Step"/> on the reduced gradient wa·ga + wb·gb computed beforehand, for every rule, on
    /// lengths with vector tails, over several steps (so the velocity is compared too), and a split into two ranges
    /// must not change them. Step itself is checked against the double reference above.
    /// </summary>
    [Theory]
    [MemberData(nameof(Rules))]
    public void TwoBufferStepRange_GivesTheBitsOfStepOnTheReducedGradient(float momentum, float weightDecay, bool nesterov)
    {
        foreach (int n in new[] { 1, 7, 37, 1029 })
        {
            var whole = new Sgd(n, 0.05f, momentum, weightDecay, nesterov);
            var pair = new Sgd(n, 0.05f, momentum, weightDecay, nesterov);
            var rng = new SplitMix64(n, 2);
            var p = new float[n];
            for (int i = 0; i < n; i++) p[i] = (float)(rng.NextDouble() * 4 - 2);
            var q = (float[])p.Clone();
            float[] weights = [0.625f, 0.375f];
            for (int step = 0; step < 4; step++)
            {
                float[][] g = [new float[n], new float[n]];
                var reduced = new float[n];
                for (int i = 0; i < n; i++)
                {
                    g[0][i] = (float)(rng.NextDouble() * 2 - 1);
                    g[1][i] = (float)(rng.NextDouble() * 2 - 1);
                    reduced[i] = weights[0] * g[0][i] + weights[1] * g[1][i];
                }
                whole.Step(p, reduced);
                int cut = n / 2 & ~15;
                pair.StepRange(q, g, weights, 2, 0, cut);
                pair.StepRange(q, g, weights, 2, cut, n - cut);
                pair.CountStep();
                for (int i = 0; i < n; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(p[i]) == BitConverter.SingleToInt32Bits(q[i]), $"n={n} step={step} i={i}: {q[i]} instead of {p[i]}");
                    if (momentum > 0)
                        Assert.True(BitConverter.SingleToInt32Bits(whole.Velocity[i]) == BitConverter.SingleToInt32Bits(pair.Velocity[i]), $"n={n} step={step} velocity {i}");
                }
            }
            Assert.Equal(whole.StepCount, pair.StepCount);
        }
    }

    [Fact]
    public void LearningRate_IsSettable_AndUsedByTheNextStep()
    {
        var sgd = new Sgd(1, 1f);
        float[] p = [0f];
        sgd.LearningRate = 0.25f;
        sgd.Step(p, [2f]);
        Assert.Equal(-0.5f, p[0]);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => sgd.LearningRate = -1f);
        Assert.Throws<ArgumentOutOfRangeException>("value", () => sgd.LearningRate = float.NaN);
        Assert.Equal(0.25f, sgd.LearningRate);
    }

    [Fact]
    public void Reset_ForgetsMomentum()
    {
        var sgd = new Sgd(1, 0.1f, momentum: 0.9f);
        float[] p = [0f];
        sgd.Step(p, [1f]);
        sgd.Reset();
        Assert.Equal(0f, sgd.Velocity[0]);
        Assert.Equal(0, sgd.StepCount);
        sgd.Step(p, [1f]); // as a first step again: v = 1
        AssertClose(-0.2f, p[0]);
    }

    [Fact]
    public void Constructor_ValidatesArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>("parameterCount", () => new Sgd(0, 0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Sgd(1, -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("learningRate", () => new Sgd(1, float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => new Sgd(1, 0.1f, momentum: 1f));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => new Sgd(1, 0.1f, momentum: -0.1f));
        Assert.Throws<ArgumentOutOfRangeException>("momentum", () => new Sgd(1, 0.1f, momentum: float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>("weightDecay", () => new Sgd(1, 0.1f, weightDecay: -1f));
        Assert.Throws<ArgumentException>("nesterov", () => new Sgd(1, 0.1f, nesterov: true));
    }

    [Fact]
    public void Step_RejectsWrongLengths()
    {
        var sgd = new Sgd(3, 0.1f);
        var ex = Assert.Throws<ArgumentException>("parameters", () => sgd.Step(new float[2], new float[3]));
        Assert.Contains("Expected 3", ex.Message);
        Assert.Throws<ArgumentException>("gradients", () => sgd.Step(new float[3], new float[4]));
    }

    [Fact]
    public void Step_DoesNotAllocate()
    {
        var sgd = new Sgd(1000, 0.01f, momentum: 0.9f, weightDecay: 1e-4f, nesterov: true);
        var p = new float[1000];
        var g = new float[1000];
        g.AsSpan().Fill(0.5f);
        sgd.Step(p, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) sgd.Step(p, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
