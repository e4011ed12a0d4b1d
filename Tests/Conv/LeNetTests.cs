using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Tests.Conv;

/// <summary>LeNet-5 as declared in <see cref="LeNet5"/>: gradients, Predict, allocation and threads.</summary>
public class LeNetTests
{
    private static NetCase LeNet => ConvNetworks.LeNet;

    /// <summary>
    /// The parameters checked one by one by finite differences, about 280 of the 61,706 (the double reference costs
    /// milliseconds per evaluation in this Debug assembly). Per layer: every bias if it has at most 16, else 10 random
    /// ones; the first tap of every conv filter and the whole first kernel plane W[0, 0, :, :]; for the dense layers,
    /// the first and last 4 columns of the first and last rows; plus 10 (conv) or 30 (dense) random weights — all from
    /// a fixed seed. Two random directional derivatives of the full gradient then cover every parameter at once.
    /// </summary>
    public static int[] CheckedParameters()
    {
        var r = LeNet.Reference;
        var rng = new Random(5);
        var set = new SortedSet<int>();
        for (int l = 0; l < r.Layers.Count; l++)
        {
            int w = r.WeightOffset(l), count = r.WeightCount(l), biases = r.BiasCount(l);
            if (count == 0) continue;
            if (biases <= 16) for (int k = 0; k < biases; k++) set.Add(r.BiasOffset(l) + k);
            else for (int k = 0; k < 10; k++) set.Add(r.BiasOffset(l) + rng.Next(biases));
            int units = r.OutputShapeOf(l).C, fanIn = count / units; // weights per output unit / filter
            if (r.Layers[l] is RefConv2D conv)
            {
                for (int i = 0; i < conv.KernelHeight * conv.KernelWidth; i++) set.Add(w + i); // W[0, 0, :, :]
                for (int o = 0; o < units; o++) set.Add(w + o * fanIn);                      // W[o, 0, 0, 0]
                for (int k = 0; k < 10; k++) set.Add(w + rng.Next(count));
            }
            else
            {
                foreach (int row in new[] { 0, units - 1 })
                    for (int k = 0; k < 4; k++) { set.Add(w + row * fanIn + k); set.Add(w + row * fanIn + fanIn - 1 - k); }
                for (int k = 0; k < 30; k++) set.Add(w + rng.Next(count));
            }
        }
        return set.ToArray();
    }

    [Fact]
    public void Sizes_match_reference()
    {
        NetworkChecks.StaticsMatch(LeNet);
        Assert.Equal(61706, LeNet.Reference.ParameterCount); // the well-known count, as a check on the reference itself
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, false)]
    public void Gradients_match_finite_differences(int batch, bool labels)
    {
        int[] subset = CheckedParameters();
        Assert.InRange(subset.Length, 250, 320);
        NetworkChecks.GradientCheck(LeNet, batch, labels, dataSeed: 60 + batch, subset);
    }

    [Fact]
    public void Predict_matches_reference() => NetworkChecks.PredictCheck(LeNet, dataSeed: 61);

    [Fact]
    public void The_400_to_120_layers_weights_start_on_a_cache_line()
    {
        var r = LeNet.Reference;
        int layer = Enumerable.Range(0, r.Layers.Count).MaxBy(r.WeightCount);
        Assert.Equal(48000, r.WeightCount(layer));   // 400 × 120, the largest layer
        for (int seed = 0; seed < 3; seed++)
        {
            INetwork net = LeNet.Create(seed);
            Assert.Equal(0, Generated.ParametersSpanTests.AddressOf(net.Parameters, r.WeightOffset(layer)) % 64);
        }
    }

    [Fact]
    public void Predict_and_ComputeGradients_do_not_allocate_once_warm()
    {
        var r = LeNet.Reference;
        var net = LeNet.Create(3);
        var rng = new Random(1);
        var x = NetworkChecks.RandomFloats(rng, r.InputSize);
        var y = new float[r.OutputSize];
        for (int k = 0; k < 50; k++) net.Predict(x, y);
        // Each measurement is the least of three runs (AllocatedBytes): the runtime may make a one-off allocation on a
        // thread while tiered compilation swaps code (seen once in CI: 8,016 bytes); the calls' own allocations show in every run.
        Assert.Equal(0, Generated.AllocationAndThreadingTests.AllocatedBytes(() => { for (int k = 0; k < 1000; k++) net.Predict(x, y); }));

        // The training workspace (every layer's outputs and two ∂E/∂z buffers for a chunk of samples, the padded input
        // and its gradient) is far above the generator's stack limit of 16,384 floats, and so is PredictBatch's: both
        // live in a buffer per thread, made on the thread's first call. Later calls must not allocate.
        Assert.True(WorkspaceSize(typeof(LeNet5), "TrainingWorkspaceSize") > 16384, "test premise: LeNet-5 trains in a rented workspace");
        const int n = 4;
        var xs = NetworkChecks.RandomFloats(rng, n * r.InputSize);
        var ys = new float[n * r.OutputSize];
        net.PredictBatch(xs, ys);
        Assert.Equal(0, Generated.AllocationAndThreadingTests.AllocatedBytes(() => { for (int k = 0; k < 5; k++) net.PredictBatch(xs, ys); }));

        var t = NetworkChecks.RandomDistributions(rng, n, r.OutputSize);
        var labels = new[] { 3, 1, 4, 1 };
        var g = new float[r.ParameterCount];
        net.ComputeGradients(xs, t, g);
        Assert.Equal(0, Generated.AllocationAndThreadingTests.AllocatedBytes(() => net.ComputeGradients(xs, t, g)));
        var classifier = (IClassifier)net;
        classifier.ComputeGradients(xs, labels, g);
        Assert.Equal(0, Generated.AllocationAndThreadingTests.AllocatedBytes(() => { for (int k = 0; k < 5; k++) classifier.ComputeGradients(xs, labels, g); }));
    }

    /// <summary>
    /// The per-thread workspaces (those above the stack limit) hold every write of every kernel: on a new thread, each
    /// buffer is put in place with as many sentinel floats again past its declared size (and the 16 of alignment slack), then
    /// Predict, PredictBatch of two chunks and ComputeGradients run; the sentinels must be intact and the buffers the
    /// same. The sizes are the generator's sums of each kernel's scratch (forward-only for PredictBatch).
    /// </summary>
    [Theory]
    [InlineData("LeNet5")]
    [InlineData(nameof(PooledWorkspaceConv))]
    [InlineData(nameof(WinogradSample16Pooled))]
    [InlineData(nameof(WinogradBetweenPools))]
    public void Per_thread_workspaces_hold_every_write(string name)
    {
        var c = name == "LeNet5" ? LeNet : name == nameof(PooledWorkspaceConv) ? ConvNetworks.PooledWorkspace : ConvNetworks.All[name];
        int sentinel = 0x7FC0_5A5A; // a NaN no arithmetic produces
        Exception? failure = null;
        int checkedBuffers = 0;
        var thread = new Thread(() =>
        {
            try
            {
                var r = c.Reference;
                var net = c.Create(5);
                var buffers = new List<(string Name, System.Reflection.FieldInfo Field, float[] Buffer, int Size)>();
                foreach (var workspace in new[] { "PredictWorkspace", "PredictBatchWorkspace", "TrainingWorkspace" })
                {
                    var field = c.Type.GetField("t_" + workspace, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
                    if (field is null) continue; // on the stack
                    int size = WorkspaceSize(c.Type, workspace + "Size");
                    var buffer = GC.AllocateArray<float>(2 * size + 16, pinned: true); // an overrun shorter than size lands in the sentinels
                    Array.Fill(buffer, BitConverter.Int32BitsToSingle(sentinel));
                    field.SetValue(null, buffer);
                    buffers.Add((workspace, field, buffer, size));
                }
                var rng = new Random(7);
                const int n = 67;
                var xs = NetworkChecks.RandomFloats(rng, n * r.InputSize);
                net.Predict(xs.AsSpan(0, r.InputSize), new float[r.OutputSize]);
                net.PredictBatch(xs, new float[n * r.OutputSize]);
                net.ComputeGradients(xs, NetworkChecks.RandomDistributions(rng, n, r.OutputSize), new float[r.ParameterCount]);
                foreach (var (workspace, field, buffer, size) in buffers)
                {
                    Assert.Same(buffer, field.GetValue(null));
                    for (int k = size + 16; k < buffer.Length; k++)
                        Assert.True(BitConverter.SingleToInt32Bits(buffer[k]) == sentinel, $"{c.Name}: {workspace} written {k - size - 16} floats past its end");
                    checkedBuffers++;
                }
            }
            catch (Exception e) { failure = e; }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new Xunit.Sdk.XunitException(failure.ToString());
        Assert.True(checkedBuffers >= 2, "test premise: PredictBatch and training rent their workspaces");
    }

    /// <summary>A private size constant of the generated class (the premise of the allocation tests).</summary>
    internal static int WorkspaceSize(Type type, string name)
    {
        var field = type.GetField(name, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static);
        Assert.True(field is not null, $"The generated {type.Name} no longer has a constant {name}: update this test.");
        return (int)field!.GetValue(null)!;
    }

    [Fact]
    public void Pooled_workspace_conv_matches_reference_and_does_not_allocate_once_warm()
    {
        var c = ConvNetworks.PooledWorkspace;
        var r = c.Reference;
        NetworkChecks.StaticsMatch(c);
        Assert.True(WorkspaceSize(typeof(PooledWorkspaceConv), "PredictWorkspaceSize") > 16384, "test premise: Predict rents its workspace");
        NetworkChecks.PredictCheck(c, dataSeed: 90, batch: 66, single: 2);
        // Every conv parameter and 40 random dense ones by finite differences; directional derivatives for the rest.
        var rng = new Random(91);
        int dense = r.WeightOffset(2);
        int[] subset = Enumerable.Range(0, dense).Concat(Enumerable.Range(0, 40).Select(_ => dense + rng.Next(r.ParameterCount - dense)))
            .Distinct().OrderBy(i => i).ToArray();
        NetworkChecks.GradientCheck(c, batch: 1, useLabels: true, dataSeed: 92, subset);

        var net = c.Create(1);
        var x = NetworkChecks.RandomFloats(rng, 2 * r.InputSize);
        var y = new float[2 * r.OutputSize];
        var g = new float[r.ParameterCount];
        var labels = new[] { 0, 2 };
        // Warm-up: each entry point's first call on a thread makes that thread's scratch buffer when it is too large for the stack.
        for (int k = 0; k < 10; k++) net.Predict(x.AsSpan(0, r.InputSize), y.AsSpan(0, r.OutputSize));
        net.PredictBatch(x, y);
        ((IClassifier)net).ComputeGradients(x, labels, g);
        Assert.Equal(0, NetCompiler.Tests.Generated.AllocationAndThreadingTests.AllocatedBytes(() =>
        {
            for (int k = 0; k < 200; k++) net.Predict(x.AsSpan(0, r.InputSize), y.AsSpan(0, r.OutputSize));
            net.PredictBatch(x, y);
            ((IClassifier)net).ComputeGradients(x, labels, g);
        }));
    }

    [Fact]
    public void Concurrent_predict_on_one_instance_is_bit_identical_to_sequential()
    {
        // Half the threads call Predict (stack workspace), half PredictBatch on two samples (a workspace of chunk size,
        // rented from the pool): concurrent calls must share nothing but the weights.
        var r = LeNet.Reference;
        var net = LeNet.Create(11);
        const int pool = 16, threads = 6, calls = 40;
        var inputs = NetworkChecks.RandomFloats(new Random(8), (pool + 1) * r.InputSize);
        var expected = new float[pool * r.OutputSize];     // Predict, sample s
        var expectedPairs = new float[pool * 2 * r.OutputSize]; // PredictBatch of samples s and s + 1
        for (int s = 0; s < pool; s++)
        {
            net.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), expected.AsSpan(s * r.OutputSize, r.OutputSize));
            net.PredictBatch(inputs.AsSpan(s * r.InputSize, 2 * r.InputSize), expectedPairs.AsSpan(s * 2 * r.OutputSize, 2 * r.OutputSize));
        }

        var mismatches = new int[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var y = new float[2 * r.OutputSize];
            start.SignalAndWait();
            for (int k = 0; k < calls; k++)
            {
                int s = (t * 5 + k * (2 * t + 1)) % pool; // a different sample sequence per thread
                int n = t % 2 == 0 ? 1 : 2;
                if (n == 1) net.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), y.AsSpan(0, r.OutputSize));
                else net.PredictBatch(inputs.AsSpan(s * r.InputSize, 2 * r.InputSize), y);
                ReadOnlySpan<float> want = n == 1 ? expected.AsSpan(s * r.OutputSize, r.OutputSize) : expectedPairs.AsSpan(s * 2 * r.OutputSize, 2 * r.OutputSize);
                for (int o = 0; o < want.Length; o++)
                    if (BitConverter.SingleToInt32Bits(y[o]) != BitConverter.SingleToInt32Bits(want[o]))
                        mismatches[t]++;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(new int[threads], mismatches);
    }
}
