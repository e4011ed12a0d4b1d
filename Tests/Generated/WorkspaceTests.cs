using System;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// A network whose scratch space exceeds the generated stack limit (16,384 floats), so that Predict and
/// ComputeGradients rent their workspace from the array pool. Compiled at run time (Release): in this Debug test
/// assembly a 16,385-unit layer would be needlessly slow.
/// </summary>
public class WorkspaceTests
{
    private static readonly ReferenceNetwork Spec =
        new(1, new RefDense[] { new(16385, Activation.Tanh), new(1, Activation.Identity) }, Loss.HalfSquaredError);

    private static readonly Lazy<NetCase> s_wide = new(() => RandomNetworks.Compile(new[] { Spec }, "Wide").Single(),
        LazyThreadSafetyMode.ExecutionAndPublication);

    private static NetCase Wide => s_wide.Value;

    [Fact]
    public void Pooled_workspace_predict_matches_reference() => NetworkChecks.PredictCheck(Wide, dataSeed: 3);

    [Fact]
    public void Pooled_workspace_gradients_match_finite_differences()
    {
        // Batch 2 and 60 checked parameters per layer (plus the directional checks) keep the double reference cheap.
        NetworkChecks.GradientCheck(Wide, batch: 2, useLabels: false, dataSeed: 4, perLayerLimit: 60);
    }

    [Fact]
    public void Pooled_workspace_does_not_allocate_once_warm()
    {
        var net = Wide.Create(1);
        var x = new float[] { 0.3f };
        var y = new float[1];
        var xs = new float[] { 0.3f, -0.7f };
        var t = new float[] { 0.1f, 0.2f };
        var g = new float[Spec.ParameterCount];
        for (int k = 0; k < 20; k++) net.Predict(x, y);
        net.ComputeGradients(xs, t, g);

        // Least of three runs each (AllocatedBytes): a one-off allocation by the runtime during tiering is not the network's.
        Assert.Equal(0, AllocationAndThreadingTests.AllocatedBytes(() => { for (int k = 0; k < 1000; k++) net.Predict(x, y); }));
        Assert.Equal(0, AllocationAndThreadingTests.AllocatedBytes(() => net.ComputeGradients(xs, t, g)));
    }

    [Fact]
    public void Pooled_workspace_concurrent_predict_is_bit_identical_to_sequential()
    {
        // Rented buffers must not be shared between concurrent calls.
        var net = Wide.Create(2);
        const int threads = 8, calls = 300, pool = 16;
        float[] inputs = NetworkChecks.RandomFloats(new Random(6), pool, -2, 2);
        var expected = new float[pool];
        for (int s = 0; s < pool; s++) net.Predict(inputs.AsSpan(s, 1), expected.AsSpan(s, 1));

        var mismatches = new int[threads];
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var y = new float[1];
            start.SignalAndWait();
            for (int k = 0; k < calls; k++)
            {
                int s = (t * 5 + k * (2 * t + 1)) % pool;
                net.Predict(inputs.AsSpan(s, 1), y);
                if (BitConverter.SingleToInt32Bits(y[0]) != BitConverter.SingleToInt32Bits(expected[s])) mismatches[t]++;
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Assert.Equal(new int[threads], mismatches);
    }
}
