using System;
using System.Linq;
using System.Threading;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Tests.Generated;
using Xunit;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// Training by parts (<see cref="IPartitionedTraining"/>): which generated networks offer it, the parts' gradient against
/// <see cref="INetwork.ComputeGradients"/>, the ranges each part owns, argument errors, <see cref="SpinBarrier"/>, and
/// <see cref="Trainer{TNet}"/> with several threads landing on exactly the parameters of one thread.
/// </summary>
public class PartitionedTrainingTests
{
    private static float[] RandomFloats(Random rng, int count) => Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    private static Dataset Labelled(int count, int features, int classes, int seed)
    {
        var rng = new Random(seed);
        return new Dataset(RandomFloats(rng, count * features), features, Enumerable.Range(0, count).Select(_ => rng.Next(classes)).ToArray());
    }

    private static Dataset Targets(int count, int features, int outputs, int seed)
    {
        var rng = new Random(seed);
        return new Dataset(RandomFloats(rng, count * features), features, RandomFloats(rng, count * outputs), outputs);
    }

    private static int Bits(float x) => BitConverter.SingleToInt32Bits(x);

    // ---- which networks

    /// <summary>
    /// The rule (generator): two or more dense layers, the first not unrolled (more than 64 weights), at least 32 wide
    /// (two parts of 16 rows), holding at least 3/4 of the weights. Worked by hand: FashionMlp 100,352 of 101,632
    /// weights; Hse37Tanh 37·33 = 1,221 of 1,452 (84%); Aligned64 2,048 of 2,560 (80%). Not: Sce70Tanh (20 wide),
    /// Deep3HiddenHse (2,310 of 3,354 = 69%), InitProbe (30,000 of 51,600 = 58%), Tiny888Hse (unrolled), SingleSigmoid
    /// (one layer), LeNet-5 (convolutions).
    /// </summary>
    [Fact]
    public void TheGeneratorOffersPartsExactlyWhereTheFirstDenseLayerDominates()
    {
        static bool Offers<T>() => typeof(IPartitionedTraining).IsAssignableFrom(typeof(T));
        Assert.True(Offers<FashionMlp>());
        Assert.True(Offers<Hse37Tanh>());
        Assert.True(Offers<Aligned64>());
        Assert.False(Offers<Sce70Tanh>());
        Assert.False(Offers<Deep3HiddenHse>());
        Assert.False(Offers<InitProbe>());
        Assert.False(Offers<Tiny888Hse>());
        Assert.False(Offers<SingleSigmoid>());
        Assert.False(Offers<LeNet5>());
        Assert.Equal(8, ((IPartitionedTraining)new FashionMlp(1)).MaxParts);   // 128 rows / 16
        Assert.Equal(2, ((IPartitionedTraining)new Hse37Tanh(1)).MaxParts);    // 33 rows: 16 + 17
    }

    // ---- the parts' gradients

    /// <summary>
    /// Runs the parts of one gradient on threads of their own, each writing into its own buffer filled with NaN (so
    /// what a part leaves alone stays NaN): inside the ranges OwnedRanges gives the part, its buffer must hold exactly
    /// the bits ComputeGradients writes; outside them, NaN. Batches of 1, 37, 64 and 150 samples (one, two and three
    /// chunks of 64). Measured: passes for every part count up to MaxParts (capped at 5); a part that skips its last row
    /// block, or writes a neighbour's row, fails.
    /// </summary>
    [Theory]
    [InlineData(nameof(FashionMlp), 1)]
    [InlineData(nameof(FashionMlp), 64)]
    [InlineData(nameof(FashionMlp), 150)]
    [InlineData(nameof(Hse37Tanh), 1)]
    [InlineData(nameof(Hse37Tanh), 37)]
    [InlineData(nameof(Hse37Tanh), 150)]
    [InlineData(nameof(Aligned64), 70)]
    [InlineData(nameof(Packed256Hse), 70)]
    public void Parts_WriteExactlyTheirOwnRanges_WithTheBitsOfComputeGradients(string name, int batch)
    {
        INetwork net = name switch
        {
            nameof(FashionMlp) => new FashionMlp(5),
            nameof(Hse37Tanh) => new Hse37Tanh(5),
            nameof(Packed256Hse) => new Packed256Hse(5),
            _ => new Aligned64(5),
        };
        var parted = (IPartitionedTraining)net;
        int inputSize = net is FashionMlp ? FashionMlp.InputSize : net is Hse37Tanh ? Hse37Tanh.InputSize : net is Packed256Hse ? Packed256Hse.InputSize : Aligned64.InputSize;
        int outputSize = net is FashionMlp ? FashionMlp.OutputSize : net is Hse37Tanh ? Hse37Tanh.OutputSize : net is Packed256Hse ? Packed256Hse.OutputSize : Aligned64.OutputSize;
        int count = net.Parameters.Length;
        Dataset data = net is FashionMlp ? Labelled(batch, inputSize, outputSize, batch) : Targets(batch, inputSize, outputSize, batch);

        var expected = new float[count];
        float expectedLoss = data.Labels is { } labels0
            ? ((IClassifier)net).ComputeGradients(data.Features, labels0, expected)
            : net.ComputeGradients(data.Features, data.Targets, expected);

        for (int parts = 1; parts <= Math.Min(parted.MaxParts, 5); parts++)
        {
            var buffers = Enumerable.Range(0, parts).Select(_ => Enumerable.Repeat(float.NaN, count).ToArray()).ToArray();
            var losses = new float[parts];
            var shared = new float[parted.SharedWorkspaceSize];
            var barrier = new SpinBarrier(parts);
            int p0 = parts;
            var threads = Enumerable.Range(0, parts).Select(part => new Thread(() =>
            {
                losses[part] = data.Labels is { } labels
                    ? parted.ComputeGradientsPart(part, p0, data.Features, default, labels, buffers[part], shared, barrier)
                    : parted.ComputeGradientsPart(part, p0, data.Features, data.Targets, default, buffers[part], shared, barrier);
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());

            var owner = new int[count];
            Array.Fill(owner, -1);
            for (int part = 0; part < parts; part++)
            {
                Assert.Equal(Bits(expectedLoss), Bits(losses[part]));
                var starts = new int[3];
                var lengths = new int[3];
                int ranges = parted.OwnedRanges(part, parts, starts, lengths);
                for (int r = 0; r < ranges; r++)
                    for (int i = starts[r]; i < starts[r] + lengths[r]; i++)
                    {
                        Assert.True(owner[i] < 0, $"parameter {i} is owned by parts {owner[i]} and {part} of {parts}");
                        owner[i] = part;
                    }
                for (int i = 0; i < count; i++)
                {
                    if (owner[i] == part)
                        Assert.True(Bits(expected[i]) == Bits(buffers[part][i]), $"{parts} parts: part {part}, gradient {i}: {buffers[part][i]} instead of {expected[i]}");
                    else
                        Assert.True(float.IsNaN(buffers[part][i]), $"{parts} parts: part {part} wrote gradient {i}, owned by part {owner[i]}");
                }
            }
            Assert.DoesNotContain(-1, owner); // every parameter has an owner
        }
    }

    /// <summary>
    /// The parts must agree on where layer 1's outputs lie in the shared workspace even when the GC moves it between
    /// their calls: here part 0 starts, then a compacting collection moves the (unpinned) array, then part 1 starts.
    /// If each part aligned the workspace from its current address, the two parts would read each other's rows at
    /// different offsets; with that alignment put into the generator, this test fails.
    /// </summary>
    [Fact]
    public void Parts_AgreeOnTheSharedWorkspace_WhenTheGcMovesItBetweenTheirCalls()
    {
        var net = new FashionMlp(5);
        var parted = (IPartitionedTraining)net;
        int count = FashionMlp.ParameterCount;
        Dataset data = Labelled(64, FashionMlp.InputSize, FashionMlp.OutputSize, 64);
        var expected = new float[count];
        float expectedLoss = net.ComputeGradients(data.Features, data.Labels!, expected);

        for (int round = 0; round < 4; round++)
        {
            var buffers = new[] { Enumerable.Repeat(float.NaN, count).ToArray(), Enumerable.Repeat(float.NaN, count).ToArray() };
            var losses = new float[2];
            float[] shared = SharedAfterGarbage(parted.SharedWorkspaceSize + 16, garbageBytes: 1004 + 200 * round);
            long before = ParametersSpanTests.AddressOf(shared, 0);
            long after = before;
            var barrier = new SpinBarrier(2);
            var first = new Thread(() => losses[0] = parted.ComputeGradientsPart(0, 2, data.Features, default, data.Labels, buffers[0], shared, barrier));
            var second = new Thread(() =>
            {
                Thread.Sleep(20);   // part 0 is at the first barrier by now, holding references into the workspace
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                after = ParametersSpanTests.AddressOf(shared, 0);
                losses[1] = parted.ComputeGradientsPart(1, 2, data.Features, default, data.Labels, buffers[1], shared, barrier);
            });
            first.Start();
            second.Start();
            first.Join();
            second.Join();

            Assert.True(before != after, "the collection did not move the workspace, so this round tests nothing");
            for (int part = 0; part < 2; part++)
            {
                Assert.Equal(Bits(expectedLoss), Bits(losses[part]));
                var starts = new int[3];
                var lengths = new int[3];
                int ranges = parted.OwnedRanges(part, 2, starts, lengths);
                for (int r = 0; r < ranges; r++)
                    for (int i = starts[r]; i < starts[r] + lengths[r]; i++)
                        Assert.True(Bits(expected[i]) == Bits(buffers[part][i]), $"round {round}, part {part}, gradient {i}: {buffers[part][i]} instead of {expected[i]}");
            }
        }
    }

    /// <summary>A new workspace allocated just after some garbage, so that a compacting collection moves it down.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static float[] SharedAfterGarbage(int floats, int garbageBytes)
    {
        GC.KeepAlive(new byte[garbageBytes]);
        return new float[floats];
    }

    [Fact]
    public void BadPartArguments_AreRejected_NamingTheArgument()
    {
        var parted = (IPartitionedTraining)new FashionMlp(1);
        var x = new float[FashionMlp.InputSize];
        var g = new float[FashionMlp.ParameterCount];
        var shared = new float[parted.SharedWorkspaceSize];
        var barrier = new SpinBarrier(1);
        int[] label = [3];
        var e = Assert.Throws<ArgumentOutOfRangeException>("parts", () => parted.ComputeGradientsPart(0, 9, x, default, label, g, shared, barrier));
        Assert.Contains("parts must be in [1, 8]", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>("parts", () => parted.ComputeGradientsPart(0, 0, x, default, label, g, shared, barrier));
        Assert.Throws<ArgumentOutOfRangeException>("part", () => parted.ComputeGradientsPart(2, 2, x, default, label, g, shared, barrier));
        Assert.Throws<ArgumentOutOfRangeException>("part", () => parted.OwnedRanges(-1, 2, new int[3], new int[3]));
        var small = Assert.Throws<ArgumentException>("shared", () => parted.ComputeGradientsPart(0, 1, x, default, label, g, new float[parted.SharedWorkspaceSize - 1], barrier));
        Assert.Contains($"at least {parted.SharedWorkspaceSize}", small.Message);
        Assert.Throws<ArgumentOutOfRangeException>("labels", () => parted.ComputeGradientsPart(0, 1, x, default, [10], g, shared, barrier));
        Assert.Throws<ArgumentException>("gradients", () => parted.ComputeGradientsPart(0, 1, x, default, label, new float[5], shared, barrier));
        Assert.Throws<ArgumentNullException>("barrier", () => parted.ComputeGradientsPart(0, 1, x, default, label, g, shared, null!));
        var hse = (IPartitionedTraining)new Hse37Tanh(1);
        Assert.Throws<ArgumentException>("labels", () => hse.ComputeGradientsPart(0, 1, new float[37], new float[7], [1], new float[Hse37Tanh.ParameterCount], new float[hse.SharedWorkspaceSize], barrier));
    }

    // ---- the barrier

    /// <summary>
    /// A partner 20 ms late: the waiting thread has stopped spinning (after 50 µs) and blocked, and the late arrival must
    /// wake it, ten rounds in a row. Without the wake-up the waiter sleeps for ever (tried: the test times out).
    /// </summary>
    [Fact]
    public void SpinBarrier_WakesAThreadThatHasBlocked()
    {
        var barrier = new SpinBarrier(2);
        var passed = new int[2];
        // Both participants on background threads of their own: if a wake-up is lost, they block for ever and the
        // test thread reports it after the timeout instead of blocking with them.
        var threads = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            for (int r = 0; r < 10; r++)
            {
                if (t == 1) Thread.Sleep(20);
                barrier.SignalAndWait();
                passed[t]++;
            }
        }) { IsBackground = true }).ToList();
        threads.ForEach(th => th.Start());
        Assert.True(threads.All(th => th.Join(TimeSpan.FromSeconds(30))), "a blocked waiter was not woken");
        Assert.Equal(new[] { 10, 10 }, passed);
    }

    /// <summary>A broken barrier throws at once, for a thread already waiting and for later calls.</summary>
    [Fact]
    public void SpinBarrier_Broken_ReleasesWaitersWithAnException()
    {
        var barrier = new SpinBarrier(2);
        Exception? seen = null;
        var waiter = new Thread(() => { try { barrier.SignalAndWait(); } catch (Exception e) { seen = e; } }) { IsBackground = true };
        waiter.Start();
        Thread.Sleep(50);
        Assert.False(barrier.IsBroken);
        barrier.Break();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(30)));
        Assert.IsType<InvalidOperationException>(seen);
        Assert.True(barrier.IsBroken);
        Assert.Throws<InvalidOperationException>(barrier.SignalAndWait);
    }

    /// <summary>
    /// Three threads, 20,000 rounds: each publishes its round, meets the others, and then every thread must see every
    /// other at that round or later. A barrier that lets a thread through early (tried: returning at once) fails at once.
    /// </summary>
    [Fact]
    public void SpinBarrier_HoldsEveryThreadUntilAllArrive_RoundAfterRound()
    {
        const int threads = 3, rounds = 20_000;
        var barrier = new SpinBarrier(threads);
        var round = new int[threads * 16]; // a cache line per thread
        var early = new int[threads];
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (int r = 1; r <= rounds; r++)
            {
                Volatile.Write(ref round[t * 16], r);
                barrier.SignalAndWait();
                for (int u = 0; u < threads; u++)
                    if (Volatile.Read(ref round[u * 16]) < r) early[t]++;
                barrier.SignalAndWait(); // no one publishes r + 1 before everyone has looked
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(new int[threads], early);
        Assert.Equal(threads, barrier.Participants);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpinBarrier(0));
    }

    // ---- the trainer

    /// <summary>
    /// Fit with 2, 3 and 8 threads trains by parts and must land on the bits one thread lands on: parameters and every
    /// epoch's training loss, with plain SGD, momentum, Nesterov and weight decay, shuffled, in batches of 64, 100 (a
    /// chunk of 64 and one of 36), 10 and 7 (300 samples: the last batch of an epoch is short for 64, 100 and 7; with 8
    /// threads, a batch of 10 is cut into slices of 2 and 1 for the gathering). Hse37Tanh learns from targets and has
    /// 33 rows (parts of 16 and 17, the last taking the odd row block).
    /// </summary>
    [Theory]
    [InlineData(nameof(FashionMlp), 2, 64, 0f, false, 0f)]
    [InlineData(nameof(FashionMlp), 3, 100, 0.9f, false, 0f)]
    [InlineData(nameof(FashionMlp), 8, 10, 0.9f, true, 1e-3f)]
    [InlineData(nameof(Hse37Tanh), 2, 64, 0.9f, false, 1e-3f)]
    [InlineData(nameof(Hse37Tanh), 2, 100, 0f, false, 0f)]
    [InlineData(nameof(Aligned64), 2, 7, 0.5f, true, 0f)]
    [InlineData(nameof(Packed256Hse), 2, 64, 0.9f, false, 0f)]
    public void FitByParts_LandsOnTheBitsOfOneThread(string name, int threads, int batch, float momentum, bool nesterov, float decay)
    {
        switch (name)
        {
            case nameof(FashionMlp): Compare<FashionMlp>(Labelled(300, 784, 10, 21)); break;
            case nameof(Hse37Tanh): Compare<Hse37Tanh>(Targets(300, 37, 7, 22)); break;
            case nameof(Packed256Hse): Compare<Packed256Hse>(Targets(300, 256, 4, 24)); break;
            default: Compare<Aligned64>(Targets(300, 64, 16, 23)); break;
        }

        void Compare<T>(Dataset data) where T : class, INetwork<T>
        {
            (float[] Parameters, TrainingResult Result) Train(int t)
            {
                T net = T.Create(9);
                var trainer = new Trainer<T>(net, new Sgd(T.ParameterCount, 0.05f, momentum, decay, nesterov),
                    new TrainerOptions { Epochs = 2, BatchSize = batch, Threads = t, Seed = 4 });
                Assert.Equal(t > 1, trainer.TrainsByParts);
                TrainingResult result = trainer.Fit(data);
                if (t > 1) Assert.True(trainer.LastWorkers!.IsStopped);
                return (net.Parameters.ToArray(), result);
            }
            var one = Train(1);
            var many = Train(threads);
            int differing = Enumerable.Range(0, one.Parameters.Length).Count(i => Bits(one.Parameters[i]) != Bits(many.Parameters[i]));
            Assert.True(differing == 0, $"{differing} of {one.Parameters.Length} parameters differ from one thread's");
            Assert.Equal(one.Result.Epochs.Select(e => e.TrainingLoss), many.Result.Epochs.Select(e => e.TrainingLoss));
            Assert.NotEqual(T.Create(9).Parameters.ToArray(), many.Parameters); // it did train
        }
    }

    /// <summary>
    /// A part that throws (here part 1, on a poisoned sample, before its barrier) breaks the barrier: part 0 stops
    /// waiting, Fit reports part 1's exception with its own stack (within seconds, not a hang), the parameters are those
    /// of the last completed step, the helpers are stopped, and the trainer trains again afterwards. Without the break,
    /// part 0 spins at the barrier for ever (tried: the test times out).
    /// </summary>
    [Fact]
    public async System.Threading.Tasks.Task APartThatFails_BreaksTheBarrier_AndFitReportsItsException()
    {
        var net = new FaultyParts(1);
        var trainer = new Trainer<FaultyParts>(net, new Sgd(1, 0.1f), new TrainerOptions { Epochs = 1, BatchSize = 4, Threads = 2, Shuffle = false });
        Assert.True(trainer.TrainsByParts);
        var x = new float[8];
        x[6] = FaultyParts.Poison; // the second batch, in part 1's slice
        var fit = System.Threading.Tasks.Task.Run(() => trainer.Fit(new Dataset(x, 1, new float[8], 1)));
        bool ended = await System.Threading.Tasks.Task.WhenAny(fit, System.Threading.Tasks.Task.Delay(TimeSpan.FromSeconds(60))) == fit;
        Assert.True(ended, "Fit hangs: a part waits for one that failed");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => fit);
        Assert.Equal(FaultyParts.Message, e.Message);
        Assert.Contains(nameof(FaultyParts.ComputeGradientsPart), e.StackTrace);
        Assert.Equal(0.9, net.Parameters[0], 1e-6); // the first step (gradient 1) completed, the second did not
        Assert.True(trainer.LastWorkers!.IsStopped);

        trainer.Fit(new Dataset(new float[8], 1, new float[8], 1)); // a fresh barrier: two more steps
        Assert.Equal(0.7, net.Parameters[0], 1e-6);
    }

    /// <summary>One parameter with gradient 1; two parts that meet at the barrier twice; part 1 throws on <see cref="Poison"/>.</summary>
    private sealed class FaultyParts(int seed) : OneWeightNetwork(seed), INetwork<FaultyParts>, IPartitionedTraining
    {
        public const float Poison = 13f;
        public const string Message = "poisoned sample in part 1";

        public static int InputSize => 1;
        public static int OutputSize => 1;
        public static int ParameterCount => 1;
        public static Loss Loss => Loss.HalfSquaredError;
        public static string Architecture => "FaultyParts";
        public static ulong ArchitectureHash => 2;
        public static FaultyParts Create(int seed) => new(seed);

        public float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients)
        {
            gradients[0] = 1f;
            return 0f;
        }

        public int SharedWorkspaceSize => 1;
        public int MaxParts => 2;

        public float ComputeGradientsPart(int part, int parts, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
            Span<float> gradients, Span<float> shared, SpinBarrier barrier)
        {
            if (part == 1 && inputs.Contains(Poison)) throw new InvalidOperationException(Message);
            barrier.SignalAndWait();
            if (part == 0) gradients[0] = 1f;
            barrier.SignalAndWait();
            return 0f;
        }

        public int OwnedRanges(int part, int parts, Span<int> starts, Span<int> lengths)
        {
            if (part != 0) return 0;
            starts[0] = 0;
            lengths[0] = 1;
            return 1;
        }
    }

    /// <summary>More threads than parts (Hse37Tanh has 2): the trainer slices the batch instead, as for any network.</summary>
    [Fact]
    public void MoreThreadsThanParts_FallsBackToSlicesOfTheBatch()
    {
        var trainer = new Trainer<Hse37Tanh>(new Hse37Tanh(1), new Sgd(Hse37Tanh.ParameterCount, 0.05f), new TrainerOptions { Epochs = 1, BatchSize = 16, Threads = 3 });
        Assert.False(trainer.TrainsByParts);
        Assert.True(double.IsFinite(trainer.Fit(Targets(50, 37, 7, 3)).Last.TrainingLoss));
    }
}
