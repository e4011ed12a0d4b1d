using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetCompiler.Samples.LeNet5;
using Xunit;
using static NetCompiler.Tests.Infrastructure.NetworkChecks;

namespace NetCompiler.Tests.Normalization;

/// <summary>
/// A training step cut into slices that run at once on several threads (<see cref="ITrainingModeNetwork.ComputeGradientsPart"/>)
/// against the same step on the whole batch: the parts' losses and gradients add up to the batch's, and part 0 writes
/// the batch's running statistics, up to the order of the sums; one part gives the same bits. Then the trainer, whose
/// threads train a batch-normalised network this way.
/// </summary>
public class SynchronizedPartsTests
{
    private static float[] Random(int n, int seed) => RandomFloats(new Random(seed), n);

    private static ITrainingModeNetwork Create(string name) => name switch
    {
        nameof(BnDense) => new BnDense(3),
        nameof(BnConvPool) => new BnConvPool(3),
        nameof(BnDropoutConv) => new BnDropoutConv(3),
        nameof(BnBeforeConv) => new BnBeforeConv(3),
        nameof(BnLast) => new BnLast(3),
        nameof(BatchNormStepNet) => new BatchNormStepNet(3),
        nameof(LeNet5BatchNorm) => new LeNet5BatchNorm(3),
        _ => throw new ArgumentException(name),
    };

    private static (int Inputs, int Outputs, bool Classifier) Shape(string name) => name switch
    {
        nameof(BnDense) => (BnDense.InputSize, BnDense.OutputSize, true),
        nameof(BnConvPool) => (BnConvPool.InputSize, BnConvPool.OutputSize, true),
        nameof(BnDropoutConv) => (BnDropoutConv.InputSize, BnDropoutConv.OutputSize, true),
        nameof(BnBeforeConv) => (BnBeforeConv.InputSize, BnBeforeConv.OutputSize, false),
        nameof(BnLast) => (BnLast.InputSize, BnLast.OutputSize, false),
        nameof(BatchNormStepNet) => (BatchNormStepNet.InputSize, BatchNormStepNet.OutputSize, true),
        nameof(LeNet5BatchNorm) => (LeNet5BatchNorm.InputSize, LeNet5BatchNorm.OutputSize, true),
        _ => throw new ArgumentException(name),
    };

    private static void Close(float expected, float actual, string what)
        => Assert.True(Math.Abs(actual - expected) <= 2e-5 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, the whole batch's {expected}");

    /// <summary>The parts on their own threads, at once; the sums of their losses and gradients, and part 0's running statistics.</summary>
    private static (float Loss, float[] Gradients, float[] State) RunParts(ITrainingModeNetwork net, int parts, float[] x, float[] t, int[] l,
        int inputs, int outputs, int batch, TrainingStep step)
    {
        var barrier = new SpinBarrier(parts);
        var shared = new double[parts * net.SharedPerPart];
        var gradients = Enumerable.Range(0, parts).Select(_ => Enumerable.Repeat(float.NaN, net.Parameters.Length).ToArray()).ToArray();
        var state = Enumerable.Repeat(float.NaN, net.StateCount).ToArray();
        var losses = new float[parts];
        int size = batch / parts, extra = batch % parts;
        var threads = Enumerable.Range(0, parts).Select(part =>
        {
            int first = part * size + Math.Min(part, extra), count = size + (part < extra ? 1 : 0);
            return new Thread(() =>
            {
                try
                {
                    losses[part] = net.ComputeGradientsPart(part, parts, x.AsSpan(first * inputs, count * inputs),
                        t.Length == 0 ? default : t.AsSpan(first * outputs, count * outputs),
                        l.Length == 0 ? default : l.AsSpan(first, count),
                        gradients[part], step, first, batch, part == 0 ? state : default, shared, barrier);
                }
                catch
                {
                    barrier.Break();
                    throw;
                }
            });
        }).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());
        var sum = new float[net.Parameters.Length];
        for (int i = 0; i < sum.Length; i++)
            for (int part = 0; part < parts; part++) sum[i] += gradients[part][i];
        return (losses.Sum(), sum, state);
    }

    [Theory]
    [InlineData(nameof(BnDense), 10, 2)]
    [InlineData(nameof(BnDense), 37, 3)]
    [InlineData(nameof(BnConvPool), 10, 2)]
    [InlineData(nameof(BnConvPool), 37, 4)]
    [InlineData(nameof(BnDropoutConv), 19, 3)]
    [InlineData(nameof(BnBeforeConv), 20, 2)]
    [InlineData(nameof(BnLast), 9, 4)]
    [InlineData(nameof(BatchNormStepNet), 33, 2)]
    [InlineData(nameof(LeNet5BatchNorm), 128, 2)]
    [InlineData(nameof(LeNet5BatchNorm), 40, 3)]
    public void Parts_add_up_to_the_whole_batch_step(string name, int batch, int parts)
    {
        var net = Create(name);
        var (inputs, outputs, classifier) = Shape(name);
        float[] x = Random(batch * inputs, 1);
        float[] t = classifier ? [] : Random(batch * outputs, 2);
        int[] l = classifier ? Enumerable.Range(0, batch).Select(i => (i * 5 + 1) % outputs).ToArray() : [];
        var step = new TrainingStep(7, 3);
        var whole = new float[net.Parameters.Length];
        var wholeState = new float[net.StateCount];
        float wholeLoss = net.ComputeGradients(x, t, l, whole, step, 0, wholeState);

        var (loss, gradients, state) = RunParts(net, parts, x, t, l, inputs, outputs, batch, step);

        Close(wholeLoss, loss, $"{name}, {parts} parts: loss");
        for (int i = 0; i < whole.Length; i++) Close(whole[i], gradients[i], $"{name}, {parts} parts: gradient {i}");
        for (int i = 0; i < wholeState.Length; i++) Close(wholeState[i], state[i], $"{name}, {parts} parts: running statistic {i}");
    }

    [Fact]
    public void One_part_is_the_whole_batch_step_bit_for_bit()
    {
        ITrainingModeNetwork net = new BnConvPool(5);
        int batch = 12;
        float[] x = Random(batch * BnConvPool.InputSize, 3);
        int[] l = Enumerable.Range(0, batch).Select(i => i % BnConvPool.OutputSize).ToArray();
        var step = new TrainingStep(1, 2);
        var whole = new float[net.Parameters.Length];
        var wholeState = new float[net.StateCount];
        float wholeLoss = net.ComputeGradients(x, default, l, whole, step, 0, wholeState);

        var (loss, gradients, state) = RunParts(net, 1, x, [], l, BnConvPool.InputSize, BnConvPool.OutputSize, batch, step);

        Assert.Equal(wholeLoss, loss);
        Assert.Equal(whole, gradients);
        Assert.Equal(wholeState, state);
    }

    [Fact]
    public void A_part_refuses_a_slice_outside_the_batch_or_a_barrier_of_another_size()
    {
        ITrainingModeNetwork net = new BnDense(1);
        float[] x = Random(4 * BnDense.InputSize, 1);
        int[] l = [0, 1, 2, 0];
        var g = new float[net.Parameters.Length];
        var shared = new double[2 * net.SharedPerPart];
        Assert.Throws<ArgumentOutOfRangeException>("firstSample",
            () => net.ComputeGradientsPart(0, 2, x, default, l, g, default, 3, 6, default, shared, new SpinBarrier(2)));
        Assert.Throws<ArgumentException>("barrier",
            () => net.ComputeGradientsPart(0, 2, x, default, l, g, default, 0, 8, default, shared, new SpinBarrier(3)));
        Assert.Throws<ArgumentException>("shared",
            () => net.ComputeGradientsPart(0, 2, x, default, l, g, default, 0, 8, default, new double[1], new SpinBarrier(2)));
        Assert.Throws<ArgumentOutOfRangeException>("part",
            () => net.ComputeGradientsPart(2, 2, x, default, l, g, default, 0, 8, default, shared, new SpinBarrier(2)));
    }

    private static Dataset Data(int samples, int seed)
    {
        var rng = new Random(seed);
        var features = Random(samples * BnConvPool.InputSize, seed);
        var labels = Enumerable.Range(0, samples).Select(_ => rng.Next(BnConvPool.OutputSize)).ToArray();
        return new Dataset(features, BnConvPool.InputSize, labels);
    }

    private static float[] Train(int threads, int epochs)
    {
        var net = new BnConvPool(9);
        var options = new TrainerOptions { Epochs = epochs, BatchSize = 17, Threads = threads, Seed = 4, Patience = 0 };
        new Trainer<BnConvPool>(net, new Sgd(net.Parameters.Length, 0.05f), options).Fit(Data(100, 6));
        return [.. net.Parameters.ToArray(), .. net.State.ToArray()];
    }

    /// <summary>
    /// Two threads train a batch-normalised network by synchronized slices: one step agrees with one thread's up to the
    /// order of the sums, and two runs give the same bits (the parts add their sums in part order).
    /// </summary>
    [Fact]
    public void Trainer_threads_train_a_batch_normalised_network_by_synchronized_slices()
    {
        float[] one = Train(1, 1), two = Train(2, 1), again = Train(2, 1);
        Assert.Equal(two, again);
        Assert.NotEqual(one, two);   // the sums in another order: the threads did take part
        for (int i = 0; i < one.Length; i++)
            Assert.True(Math.Abs(one[i] - two[i]) <= 1e-3 * Math.Max(1, Math.Abs(one[i])), $"parameter or statistic {i}: {two[i]} on two threads, {one[i]} on one");
    }
}
