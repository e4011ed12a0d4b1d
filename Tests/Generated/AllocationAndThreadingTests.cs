using System;
using NetCompiler.Tests.Infrastructure;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace NetCompiler.Tests.Generated;

public class AllocationAndThreadingTests
{
    public static TheoryData<string> Names => new()
    {
        nameof(Deep3HiddenHse), nameof(Deep3HiddenSce), nameof(Sce70ReLU), nameof(Xor221Tanh), nameof(Aligned64), nameof(Scalar11),
    };

    private static NetCase Case(string name) => name.StartsWith("R", StringComparison.Ordinal) && int.TryParse(name.AsSpan(1), out int i)
        ? RandomNetworks.Cases[i]
        : DeclaredNetworks.All[name];

    [Theory]
    [MemberData(nameof(Names))]
    [InlineData("R0")] // compiled at run time in Release
    [InlineData("R1")]
    public void Predict_does_not_allocate(string name)
    {
        var c = Case(name);
        var net = c.Create(3);
        var x = NetworkChecks.RandomFloats(new Random(1), c.Reference.InputSize);
        var y = new float[c.Reference.OutputSize];
        // 70 samples: a chunk of 64 (on AVX-512 the lane path of dense networks) and one of 6.
        var xs = NetworkChecks.RandomFloats(new Random(2), 70 * c.Reference.InputSize);
        var ys = new float[70 * c.Reference.OutputSize];
        for (int k = 0; k < 200; k++) { net.Predict(x, y); net.PredictBatch(xs, ys); }

        Assert.Equal(0, AllocatedBytes(() => { for (int k = 0; k < 1000; k++) net.Predict(x, y); }));
        Assert.Equal(0, AllocatedBytes(() => { for (int k = 0; k < 100; k++) net.PredictBatch(xs, ys); }));
    }

    /// <summary>
    /// Bytes allocated on this thread by <paramref name="calls"/>: the least of three runs. The runtime can make a
    /// one-off allocation on a thread while tiered compilation swaps code under a busy machine; an allocation made by
    /// the calls themselves shows in every run.
    /// </summary>
    public static long AllocatedBytes(Action calls)
    {
        long least = long.MaxValue;
        for (int attempt = 0; attempt < 3 && least != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            calls();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return least;
    }

    [Theory]
    [MemberData(nameof(Names))]
    [InlineData("R0")]
    [InlineData("R1")]
    public void ComputeGradients_does_not_allocate_after_the_first_call(string name)
    {
        var c = Case(name);
        var r = c.Reference;
        var net = c.Create(3);
        const int n = 70; // a chunk of 64 (on AVX-512 the lane path of dense networks not trained by parts) and one of 6
        var rng = new Random(5);
        var x = NetworkChecks.RandomFloats(rng, n * r.InputSize);
        var t = r.Loss == Loss.SoftmaxCrossEntropy ? NetworkChecks.RandomDistributions(rng, n, r.OutputSize) : NetworkChecks.RandomFloats(rng, n * r.OutputSize);
        var labels = Enumerable.Range(0, n).Select(i => i % r.OutputSize).ToArray();
        var g = new float[r.ParameterCount];

        net.ComputeGradients(x, t, g);
        long before = GC.GetAllocatedBytesForCurrentThread();
        net.ComputeGradients(x, t, g);
        long second = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, second);

        if (net is IClassifier classifier)
        {
            classifier.ComputeGradients(x, labels, g);
            before = GC.GetAllocatedBytesForCurrentThread();
            classifier.ComputeGradients(x, labels, g);
            second = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(0, second);
        }

        // Many calls after warm-up (lets tiered compilation replace the code meanwhile): still nothing.
        for (int k = 0; k < 50; k++) net.ComputeGradients(x, t, g);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int k = 0; k < 50; k++) net.ComputeGradients(x, t, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(nameof(Deep3HiddenHse))]
    [InlineData(nameof(Sce70Tanh))]
    [InlineData(nameof(Tiny342ReLUSce))]
    [InlineData("R2")]
    public void Concurrent_predict_on_one_instance_is_bit_identical_to_sequential(string name)
    {
        var c = Case(name);
        var r = c.Reference;
        var net = c.Create(11);
        const int pool = 64, threads = 8, calls = 2000;
        var inputs = NetworkChecks.RandomFloats(new Random(8), pool * r.InputSize);
        var expected = new float[pool * r.OutputSize];
        for (int s = 0; s < pool; s++)
            net.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), expected.AsSpan(s * r.OutputSize, r.OutputSize));

        var mismatches = new int[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var y = new float[r.OutputSize];
            start.SignalAndWait();
            for (int k = 0; k < calls; k++)
            {
                int s = (t * 13 + k * (2 * t + 1)) % pool; // different sample sequence per thread
                net.Predict(inputs.AsSpan(s * r.InputSize, r.InputSize), y);
                for (int o = 0; o < y.Length; o++)
                    if (BitConverter.SingleToInt32Bits(y[o]) != BitConverter.SingleToInt32Bits(expected[s * r.OutputSize + o]))
                        mismatches[t]++;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(new int[threads], mismatches);
    }

    [Fact]
    public async Task Concurrent_predict_batch_on_one_instance_is_bit_identical_to_sequential()
    {
        var c = DeclaredNetworks.All[nameof(Deep3HiddenSce)];
        var r = c.Reference;
        var net = c.Create(11);
        const int batch = 73, threads = 8, calls = 300; // a chunk of 64 (on AVX-512, the lane path) and one of 9
        var inputs = Enumerable.Range(0, threads).Select(t => NetworkChecks.RandomFloats(new Random(100 + t), batch * r.InputSize)).ToArray();
        var expected = inputs.Select(x => { var y = new float[batch * r.OutputSize]; net.PredictBatch(x, y); return y; }).ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            var y = new float[batch * r.OutputSize];
            int bad = 0;
            for (int k = 0; k < calls; k++)
            {
                net.PredictBatch(inputs[t], y);
                if (!y.AsSpan().SequenceEqual(expected[t])) bad++;
            }
            return bad;
        }, TaskCreationOptions.LongRunning)));
        Assert.Equal(new int[threads], results);
    }
}
