using System;
using System.Linq;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Tests.Generated;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// A step whose loss or gradient is NaN or infinite stops Fit with a <see cref="TrainingDivergedException"/> naming the
/// epoch and batch, and the network keeps the parameters from before that step: on one thread, by slices (Sce70Tanh
/// with two threads) and by parts (the Fashion MLP with two threads).
/// </summary>
public class DivergenceTests
{
    private static Dataset Labelled(int count, int features, int classes, int seed)
    {
        var rng = new Random(seed);
        return new Dataset(Enumerable.Range(0, count * features).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), features,
            Enumerable.Range(0, count).Select(_ => rng.Next(classes)).ToArray());
    }

    [Theory]
    [InlineData(nameof(Sce70Tanh), 1)]
    [InlineData(nameof(Sce70Tanh), 2)]
    [InlineData(nameof(FashionMlp), 1)]
    [InlineData(nameof(FashionMlp), 2)]
    public void NaN_in_epoch_2_stops_at_its_batch_with_the_parameters_from_before_it(string name, int threads)
    {
        if (name == nameof(Sce70Tanh)) Run<Sce70Tanh>(Labelled(100, 70, 10, 3));
        else Run<FashionMlp>(Labelled(100, 784, 10, 3));

        void Run<T>(Dataset data) where T : class, INetwork<T>
        {
            T net = T.Create(5);
            float[]? before = null;
            // Unshuffled batches of 16: sample 37 is in batch 3. After epoch 1 it becomes NaN.
            var trainer = new Trainer<T>(net, new Adam(T.ParameterCount, 1e-3f), new TrainerOptions
            {
                Epochs = 3, BatchSize = 16, Shuffle = false, Threads = threads,
                Progress = r => { if (r.Epoch == 1) data.Features[37 * T.InputSize + 5] = float.NaN; },
                BatchProgress = (in BatchProgress p) => { if (p.Epoch == 2 && p.Batch == 2) before = net.Parameters.ToArray(); },
            });
            var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
            Assert.Equal(2, error.Epoch);
            Assert.Equal(3, error.Batch);
            Assert.Contains("epoch 2, batch 3", error.Message);
            Assert.NotNull(before);
            Assert.True(before.AsSpan().SequenceEqual(net.Parameters), "the parameters changed in the step that diverged");
            Assert.True(net.Parameters.ToArray().All(float.IsFinite));
            Assert.Equal(2 * 7 - 5, trainer.Optimizer.StepCount);   // 7 batches in epoch 1, 2 in epoch 2
            if (threads > 1) Assert.True(trainer.LastWorkers!.IsStopped);
        }
    }

    /// <summary>A finite loss with an infinite gradient diverges too (the gradient is checked, not only the loss).</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Infinite_gradient_with_a_finite_loss_diverges(int threads)
    {
        var net = new InfiniteGradient(1);
        var trainer = new Trainer<InfiniteGradient>(net, new Sgd(1, 0.1f), new TrainerOptions { Epochs = 2, BatchSize = 4, Shuffle = false, Threads = threads });
        var data = new Dataset([1, 2, 3, 4, 5, 6, 7, InfiniteGradient.Poison], 1, [0, 0, 0, 0, 0, 0, 0, 0], 1);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(data));
        Assert.Equal((1, 2), (error.Epoch, error.Batch));
        Assert.Equal(0f, error.Loss);
        Assert.Equal(1f - 0.1f, net.Parameters[0]);   // batch 1's step only
    }

    [Fact]
    public void TrainStep_refuses_a_diverging_step()
    {
        var net = new InfiniteGradient(1);
        var trainer = new Trainer<InfiniteGradient>(net, new Sgd(1, 0.1f), new TrainerOptions { BatchSize = 4 });
        var data = new Dataset([InfiniteGradient.Poison], 1, [0f], 1);
        Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep(data, [0]));
        Assert.Equal(1f, net.Parameters[0]);
    }

    /// <summary>y = w·x; the gradient is 1 per slice, or +∞ when an input equals <see cref="Poison"/>; the loss is always 0.</summary>
    private sealed class InfiniteGradient(int seed) : OneWeightNetwork(seed), INetwork<InfiniteGradient>
    {
        public const float Poison = 8f;
        public static int InputSize => 1;
        public static int OutputSize => 1;
        public static int ParameterCount => 1;
        public static Loss Loss => Loss.HalfSquaredError;
        public static string Architecture => "InfiniteGradient";
        public static ulong ArchitectureHash => 2;
        public static InfiniteGradient Create(int seed) => new(seed);

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients)
        {
            gradients[0] = inputs.Contains(Poison) ? float.PositiveInfinity : 1f;
            return 0f;
        }
    }
}
