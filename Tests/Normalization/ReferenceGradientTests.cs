using System;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Activation;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Normalization;

/// <summary>
/// The generated networks' training step against the double-precision <see cref="ReferenceNetwork"/> (batch
/// statistics, analytic backward through them, running statistics), with the dropout masks recomputed here from the
/// documented generator (docs/design/batchnorm-dropout.md): a hash of (seed, step, layer, sample, unit).
/// </summary>
public class ReferenceGradientTests(ITestOutputHelper output)
{
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The documented mask: unit i of sample s of layer k (1-based) is kept when the top 24 bits of its hash reach round(p·2²⁴).</summary>
    private static double[] Mask(TrainingStep step, int layer, int batch, int size, double p)
    {
        ulong key = Mix(Mix(Mix((ulong)(uint)step.Seed ^ 0x9E3779B97F4A7C15UL) ^ (ulong)step.Step) ^ (ulong)layer);
        ulong threshold = (ulong)Math.Round(p * (1 << 24));
        var mask = new double[batch * size];
        for (int s = 0; s < batch; s++)
        {
            ulong sample = Mix(key ^ (ulong)(uint)s);
            for (int i = 0; i < size; i++) mask[s * size + i] = Mix(sample + (ulong)i * 0x9E3779B97F4A7C15UL) >> 40 >= threshold ? 1 : 0;
        }
        return mask;
    }

    public static TheoryData<string> Names => new() { nameof(BnDense), nameof(BnConvPool), nameof(BnBeforeConv), nameof(BnDropoutConv), nameof(DropoutConv), nameof(DropoutDense), nameof(BnLast) };

    private static (ITrainingModeNetwork Net, ReferenceNetwork Reference) Create(string name) => name switch
    {
        nameof(BnDense) => (new BnDense(2), new([6], [Dense(5), BatchNorm(ReLU), Dense(3)], Loss.SoftmaxCrossEntropy)),
        nameof(BnConvPool) => (new BnConvPool(2), new([2, 6, 7], [Conv2D(3, 3), BatchNorm(ReLU, momentum: 0.25), MaxPool(2), Dense(4), BatchNorm(Tanh, epsilon: 1e-3), Dense(3)], Loss.SoftmaxCrossEntropy)),
        nameof(BnBeforeConv) => (new BnBeforeConv(2), new([1, 9, 8], [Conv2D(4, 3, Tanh), AvgPool(2), BatchNorm(Sigmoid), Conv2D(2, 2), Dense(3)], Loss.HalfSquaredError)),
        nameof(BnDropoutConv) => (new BnDropoutConv(2), new([1, 6, 6], [Conv2D(2, 3), BatchNorm(Tanh), Dropout(0.4), AvgPool(2), Dense(3)], Loss.SoftmaxCrossEntropy)),
        nameof(DropoutConv) => (new DropoutConv(2), new([2, 6, 6], [Dropout(0.2), Conv2D(3, 3, ReLU), Dropout(0.25), Conv2D(2, 2), Dense(2)], Loss.SoftmaxCrossEntropy)),
        nameof(DropoutDense) => (new DropoutDense(2), new([5], [Dense(8, ReLU), Dropout(0.5), Dense(2)], Loss.HalfSquaredError)),
        nameof(BnLast) => (new BnLast(2), new([3], [Dense(4, Tanh), BatchNorm()], Loss.HalfSquaredError)),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Training_step_matches_the_reference(string name)
    {
        var (net, reference) = Create(name);
        int batch = 19, outputs = reference.OutputSize;
        var rng = new Random(7);
        var x = Enumerable.Range(0, batch * reference.InputSize).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var state = Enumerable.Range(0, net.StateCount).Select(_ => (float)(rng.NextDouble() * 0.5 + 0.75)).ToArray();   // positive: valid variances
        state.CopyTo(net.State);
        bool classifier = reference.Loss == Loss.SoftmaxCrossEntropy;
        int[] labels = classifier ? Enumerable.Range(0, batch).Select(i => (i * 5 + 1) % outputs).ToArray() : [];
        float[] targets = classifier ? [] : Enumerable.Range(0, batch * outputs).Select(_ => (float)rng.NextDouble()).ToArray();
        var step = new TrainingStep(123, 45);

        var g = new float[net.Parameters.Length];
        var updated = new float[net.StateCount];
        float loss = net.ComputeGradients(x, targets, labels, g, step, 0, updated);

        var masks = reference.Layers.Select((l, k) => l is RefDropout d ? Mask(step, k + 1, batch, reference.InputShapeOf(k).Size, d.P) : null).ToArray();
        var r = reference.Evaluate(net.Parameters.ToArray().Select(v => (double)v).ToArray(), x.Select(v => (double)v).ToArray(),
            classifier ? reference.OneHot(labels) : targets.Select(v => (double)v).ToArray(), RefMode.Training,
            state.Select(v => (double)v).ToArray(), masks);

        Assert.Equal(r.Loss, loss, 1e-5 * Math.Max(1, Math.Abs(r.Loss)));
        double scale = r.Gradients.Max(Math.Abs), worst = 0;
        for (int i = 0; i < g.Length; i++)
        {
            double error = Math.Abs(g[i] - r.Gradients[i]) / (Math.Abs(r.Gradients[i]) + 1e-2 * scale);
            worst = Math.Max(worst, error);
            Assert.True(error < 1e-4, $"{reference.Describe(i)}: {g[i]:R}, reference {r.Gradients[i]:R}");
        }
        for (int i = 0; i < updated.Length; i++) Assert.Equal(r.State[i], updated[i], 1e-5 * Math.Max(1, Math.Abs(r.State[i])));
        output.WriteLine($"{g.Length} gradients, worst relative error {worst:E2}; {updated.Length} running statistics");
    }
}
