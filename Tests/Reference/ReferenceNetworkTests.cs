using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Reference;

/// <summary>
/// The reference implementation checked on its own: its analytic backward pass (batch normalisation included, through
/// the batch statistics) against central finite differences of its own forward pass in double, and its batch
/// normalisation and dropout against cases small enough to work out by hand. (Tests/Reference/PyTorchStepTests.cs
/// compares it with PyTorch itself.)
/// </summary>
public class ReferenceNetworkTests
{
    private const Activation Identity = Activation.Identity, ReLU = Activation.ReLU, Tanh = Activation.Tanh, Sigmoid = Activation.Sigmoid;

    private static readonly Dictionary<string, (ReferenceNetwork Network, RefMode Mode, int Batch)> Cases = new()
    {
        ["conv-bn2d-pool-dense-bn1d-dropout, training"] = (new ReferenceNetwork([2, 6, 6],
            [Conv2D(3, 3), BatchNorm(ReLU), MaxPool(2), Dense(5), BatchNorm(Tanh), Dropout(0.5), Dense(3)], Loss.SoftmaxCrossEntropy),
            RefMode.Training, 4),
        ["conv-bn2d-pool-dense-bn1d-dropout, inference"] = (new ReferenceNetwork([2, 6, 6],
            [Conv2D(3, 3), BatchNorm(ReLU), MaxPool(2), Dense(5), BatchNorm(Tanh), Dropout(0.5), Dense(3)], Loss.SoftmaxCrossEntropy),
            RefMode.Inference, 3),
        ["mlp-bn1d, momentum and epsilon, half squared error"] = (new ReferenceNetwork([5],
            [Dense(6, bias: false), BatchNorm(ReLU, momentum: 0.3, epsilon: 1e-3), Dense(4), BatchNorm(Sigmoid), Dense(2, Sigmoid)], Loss.HalfSquaredError),
            RefMode.Training, 3),
        ["bn2d on a 1x1 map after pooling, batch 2"] = (new ReferenceNetwork([1, 4, 4],
            [Conv2D(2, 2, Tanh), AvgPool(3), BatchNorm(Identity), Dense(2)], Loss.SoftmaxCrossEntropy),
            RefMode.Training, 2),
        ["strided padded conv, padded pools, no batch norm"] = (new ReferenceNetwork([2, 7, 6],
            [Conv2D(3, 3, 2, ReLU, stride: 2, padding: 1), AvgPool(2, 1, 1, countIncludePad: false), MaxPool(3, 2, 1), Dense(3, Sigmoid)], Loss.HalfSquaredError),
            RefMode.Training, 3),
    };

    public static readonly TheoryData<string> Networks = new(Cases.Keys);

    /// <summary>Every element of the analytic gradient against a central difference of the batch loss in double, the
    /// dropout masks fixed; the branch pattern (ReLU signs, max-pool winners) is checked unchanged at each evaluation.</summary>
    [Theory]
    [MemberData(nameof(Networks))]
    public void Backward_matches_finite_differences(string name)
    {
        var (r, mode, batch) = Cases[name];
        var rng = new Random(name.Length * 7919 + batch);
        double[] p = RandomParameters(r, rng);
        double[] state = RandomState(r, rng);
        double[]?[] masks = r.RandomMasks(rng, batch);
        double[] x = InputsAwayFromKinks(r, p, mode, state, masks, batch, rng);
        double[] t = RandomTargets(r, batch, rng);

        var trace = new ForwardTrace(r.Layers.Count);
        RefResult result = r.Evaluate(p, x, t, mode, state, masks, trace);
        Assert.Equal(r.BatchLoss(p, x, t, mode, state, masks), result.Loss);

        var q = (double[])p.Clone();
        double worst = 0, norm = 0;
        var failures = new List<string>();
        for (int i = 0; i < p.Length; i++)
        {
            double h = 1e-6 * Math.Max(1, Math.Abs(p[i]));
            q[i] = p[i] + h;
            double plus = LossKeepingBranches(r, q, x, t, mode, state, masks, trace, i);
            q[i] = p[i] - h;
            double minus = LossKeepingBranches(r, q, x, t, mode, state, masks, trace, i);
            q[i] = p[i];
            double fd = (plus - minus) / (2 * h), g = result.Gradients[i];
            norm = Math.Max(norm, Math.Abs(fd));
            worst = Math.Max(worst, Math.Abs(g - fd));
            if (!(Math.Abs(g - fd) <= 1e-8 + 1e-6 * Math.Abs(fd)))
                failures.Add($"{r.Describe(i)}: backward {g:R}, finite difference {fd:R}");
        }
        Assert.True(norm > 1e-3, $"{name}: the gradient is (nearly) zero everywhere: the check would be vacuous.");
        Assert.True(failures.Count == 0, $"{name} ({r}): {failures.Count} of {p.Length} off:\n  " + string.Join("\n  ", failures.Take(12)));
        TestReport.Line($"{name}: {p.Length} parameters, max |backward − finite difference| {worst:E2} (max |g| {norm:E2})");
    }

    private static double LossKeepingBranches(ReferenceNetwork r, double[] q, double[] x, double[] t, RefMode mode, double[] state,
        double[]?[] masks, ForwardTrace at, int i)
    {
        var trace = new ForwardTrace(r.Layers.Count);
        double loss = r.BatchLoss(q, x, t, mode, state, masks, trace);
        for (int l = 0; l < r.Layers.Count; l++)
            if (trace.Patterns[l] != at.Patterns[l])
                Assert.Fail($"Test setup: the finite difference of {r.Describe(i)} flips a ReLU or max-pool branch in layer {l}.");
        return loss;
    }

    /// <summary>Weights in [−0.5, 0.5], biases and β in [−0.2, 0.2], γ in [0.5, 1.5].</summary>
    internal static double[] RandomParameters(ReferenceNetwork r, Random rng)
    {
        var p = new double[r.ParameterCount];
        for (int l = 0; l < r.Layers.Count; l++)
        {
            bool bn = r.Layers[l] is RefBatchNorm;
            for (int k = 0; k < r.WeightCount(l); k++)
                p[r.WeightOffset(l) + k] = bn ? 0.5 + rng.NextDouble() : rng.NextDouble() - 0.5;
            for (int k = 0; k < r.BiasCount(l); k++) p[r.BiasOffset(l) + k] = 0.4 * rng.NextDouble() - 0.2;
        }
        return p;
    }

    /// <summary>Running means in [−0.5, 0.5], variances in [0.2, 1.2].</summary>
    private static double[] RandomState(ReferenceNetwork r, Random rng)
    {
        var state = new double[r.StateCount];
        for (int l = 0; l < r.Layers.Count; l++)
            if (r.StateOffset(l) >= 0)
            {
                int c = r.OutputShapeOf(l).C;
                for (int k = 0; k < c; k++)
                {
                    state[r.StateOffset(l) + k] = rng.NextDouble() - 0.5;
                    state[r.StateOffset(l) + c + k] = 0.2 + rng.NextDouble();
                }
            }
        return state;
    }

    private static double[] RandomTargets(ReferenceNetwork r, int batch, Random rng)
    {
        var t = new double[batch * r.OutputSize];
        for (int s = 0; s < batch; s++)
        {
            double sum = 0;
            for (int k = 0; k < r.OutputSize; k++) sum += t[s * r.OutputSize + k] = 0.05 + rng.NextDouble();
            if (r.Loss == Loss.SoftmaxCrossEntropy)
                for (int k = 0; k < r.OutputSize; k++) t[s * r.OutputSize + k] /= sum;
        }
        return t;
    }

    private static double[] InputsAwayFromKinks(ReferenceNetwork r, double[] p, RefMode mode, double[] state, double[]?[] masks, int batch, Random rng)
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            double[] x = Enumerable.Range(0, batch * r.InputSize).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            var trace = new ForwardTrace(r.Layers.Count);
            r.ForwardBatch(p, x.Chunk(r.InputSize).ToArray(), mode, state, masks, trace);
            if (trace.MinReluMargin >= 1e-4 && trace.MinPoolGap >= 1e-4) return x;
        }
        Assert.Fail($"Test setup: no batch keeps every ReLU and max-pool kink 1e-4 away for {r}.");
        return null!;
    }

    // ------------------------------------------------------------------ cases worked out by hand

    /// <summary>BatchNorm1d over a batch of two: each feature's mean is (a + b)/2 and its biased variance d² with
    /// d = (a − b)/2, so the outputs are β ± γ·d/√(d² + ε); a feature equal in both samples gives β exactly. The running
    /// statistics move 10% towards the batch mean and the unbiased variance 2d².</summary>
    [Fact]
    public void Batch_norm_1d_over_two_samples_gives_plus_and_minus_gamma()
    {
        var r = new ReferenceNetwork([3], [BatchNorm()], Loss.HalfSquaredError);
        double[] gamma = [2, 0.5, 1.5], beta = [0.1, -0.3, 0.25];
        double[] p = [.. gamma, .. beta];
        double[] x = [1, 5, -2, /* sample 2 */ 3, 5, 4];
        const double eps = 1e-5;

        RefResult result = r.Evaluate(p, x, new double[6], RefMode.Training);

        double[] d = [(1 - 3) / 2.0, 0, (-2 - 4) / 2.0];
        for (int c = 0; c < 3; c++)
        {
            double half = gamma[c] * d[c] / Math.Sqrt(d[c] * d[c] + eps);
            AssertNear(beta[c] + half, result.Outputs[0][c], $"sample 0, feature {c}");
            AssertNear(beta[c] - half, result.Outputs[1][c], $"sample 1, feature {c}");
        }
        double[] mean = [2, 5, 1];
        for (int c = 0; c < 3; c++)
        {
            AssertNear(0.1 * mean[c], result.State[c], $"running mean {c}");
            AssertNear(0.9 * 1 + 0.1 * 2 * d[c] * d[c], result.State[3 + c], $"running variance {c}");
        }

        // Inference normalises with the running statistics instead: γ·(x − m)/√(v + ε) + β, sample by sample.
        double[] y = r.Forward(p, new double[] { 1, 5, -2 }, state: result.State);
        for (int c = 0; c < 3; c++)
            AssertNear(gamma[c] * (x[c] - 0.1 * mean[c]) / Math.Sqrt(0.9 + 0.2 * d[c] * d[c] + eps) + beta[c], y[c], $"inference, feature {c}");
    }

    /// <summary>BatchNorm2d pools each channel over batch × height × width: channel 0 holds 1, 2 | 3, 4 (mean 2.5, biased
    /// variance 1.25, unbiased 5/3), channel 1 holds 0, 0 | 0, 8 (mean 2, biased variance 12, unbiased 16).</summary>
    [Fact]
    public void Batch_norm_2d_normalises_each_channel_over_batch_and_positions()
    {
        var r = new ReferenceNetwork([2, 1, 2], [BatchNorm(ReLU, momentum: 0.25)], Loss.HalfSquaredError);
        double[] p = [1, 1, 0, 0]; // PyTorch's initial γ = 1, β = 0
        double[] x = [1, 2, 0, 0, /* sample 2 */ 3, 4, 0, 8];
        const double eps = 1e-5;

        RefResult result = r.Evaluate(p, x, new double[8], RefMode.Training);

        double s0 = Math.Sqrt(1.25 + eps), s1 = Math.Sqrt(12 + eps);
        double[] expected =
        [
            0, 0, 0, 0,                                   // ReLU of (1 − 2.5)/s0, (2 − 2.5)/s0 and (0 − 2)/s1 twice
            (3 - 2.5) / s0, (4 - 2.5) / s0, 0, (8 - 2) / s1,
        ];
        for (int k = 0; k < 8; k++) AssertNear(expected[k], result.Outputs[k / 4][k % 4], $"output {k}");
        AssertNear(0.25 * 2.5, result.State[0], "running mean 0");
        AssertNear(0.25 * 2, result.State[1], "running mean 1");
        AssertNear(0.75 + 0.25 * 5.0 / 3.0, result.State[2], "running variance 0");
        AssertNear(0.75 + 0.25 * 16, result.State[3], "running variance 1");
    }

    /// <summary>Inverted dropout: kept values are scaled by 1/(1 − p), dropped ones are 0 and pass no gradient; in
    /// inference the layer is the identity.</summary>
    [Fact]
    public void Dropout_scales_kept_values_and_is_the_identity_in_inference()
    {
        var r = new ReferenceNetwork([4], [Dropout(0.25), Dense(1, bias: false)], Loss.HalfSquaredError);
        double[] p = [1, 2, 3, 4];
        double[] x = [0.5, -1, 2, 1];
        double[]?[] masks = [[1, 0, 1, 1], null];

        RefResult training = r.Evaluate(p, x, [0], RefMode.Training, masks: masks);
        double y = (0.5 * 1 + 2 * 3 + 1 * 4) / 0.75;
        AssertNear(y, training.Outputs[0][0], "training output");
        // E = ½y², ∂E/∂w_k = y · x_k · mask_k / (1 − p).
        for (int k = 0; k < 4; k++) AssertNear(y * x[k] * masks[0]![k] / 0.75, training.Gradients[k], $"gradient {k}");

        RefResult inference = r.Evaluate(p, x, [0], RefMode.Inference, masks: masks);
        AssertNear(0.5 * 1 - 1 * 2 + 2 * 3 + 1 * 4, inference.Outputs[0][0], "inference output");
        Assert.Throws<ArgumentException>(() => r.Evaluate(p, x, [0], RefMode.Training));
    }

    [Fact]
    public void Batch_norm_refuses_a_single_value_per_channel_in_training()
    {
        var r = new ReferenceNetwork([3], [BatchNorm()], Loss.HalfSquaredError);
        Assert.Throws<ArgumentException>(() => r.Evaluate([1, 1, 1, 0, 0, 0], [1, 2, 3], new double[3], RefMode.Training));
        Assert.Equal(3, r.Evaluate([1, 1, 1, 0, 0, 0], [1, 2, 3], new double[3], RefMode.Inference).Outputs[0].Length);
    }

    private static void AssertNear(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 + 1e-12 * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");
}
