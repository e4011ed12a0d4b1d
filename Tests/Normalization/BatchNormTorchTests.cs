using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Normalization;

/// <summary>
/// The generated networks with batch normalisation against PyTorch itself (Tests/Fixtures/batchnorm/
/// make_network_fixtures.py): one training step's loss, gradients and running statistics, and inference with the
/// running statistics, from the same parameters, state and batch.
/// </summary>
public class BatchNormTorchTests(ITestOutputHelper output)
{
    private sealed record TorchCase(string Name, int Batch, float[] Inputs, int[] Labels, float[] Targets, float[] Parameters, float[] State,
        double Loss, double[] Gradients, double[] StateAfter, double[] EvalOutputs);

    private sealed record TorchFixture(string Torch, TorchCase[] Cases);

    private static string FixturePath([CallerFilePath] string here = "")
        => Path.Combine(Path.GetDirectoryName(here)!, "..", "Fixtures", "batchnorm", "network_fixtures.json");

    private static readonly Lazy<TorchFixture> Fixture = new(() =>
        JsonSerializer.Deserialize<TorchFixture>(File.ReadAllText(FixturePath()), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!);

    internal static ITrainingModeNetwork Create(string name) => name switch
    {
        nameof(BnDense) => new BnDense(1),
        nameof(BnConvPool) => new BnConvPool(1),
        nameof(BnBeforeConv) => new BnBeforeConv(1),
        nameof(BnLast) => new BnLast(1),
        _ => throw new ArgumentException(name),
    };

    /// <summary>
    /// |actual − expected| ≤ 1e-5 · (|expected| + the largest |expected| of the vector / 10): relative, with a floor for
    /// entries that are small next to their vector's (a sum of float32 terms of that size carries their rounding).
    /// </summary>
    private void AssertClose(string what, double[] expected, ReadOnlySpan<float> actual, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs) / 10, worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / (Math.Abs(expected[i]) + scale + 1e-30);
            worst = Math.Max(worst, error);
            Assert.True(error <= relative, $"{what}[{i}]: {actual[i]:R}, PyTorch {expected[i]:R} (relative error {error:E2})");
        }
        output.WriteLine($"{what}: {expected.Length} values, worst relative error {worst:E2}");
    }

    public static TheoryData<string> Names => new() { nameof(BnDense), nameof(BnConvPool), nameof(BnBeforeConv), nameof(BnLast) };

    [Theory]
    [MemberData(nameof(Names))]
    public void Training_step_matches_PyTorch(string name)
    {
        var c = Fixture.Value.Cases.Single(k => k.Name == name);
        var net = Create(name);
        net.LoadParameters(c.Parameters);
        c.State.CopyTo(net.State);
        var gradients = new float[c.Gradients.Length];
        var updated = new float[net.StateCount];
        float loss = net.ComputeGradients(c.Inputs, c.Targets, c.Labels, gradients, default, 0, updated);
        AssertClose("loss", [c.Loss], [loss]);
        AssertClose("gradients", c.Gradients, gradients);
        AssertClose("running statistics", c.StateAfter, updated);
        // The step does not write the network: the caller applies the running statistics.
        Assert.Equal(c.State, net.State.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Inference_matches_PyTorch(string name)
    {
        var c = Fixture.Value.Cases.Single(k => k.Name == name);
        var net = Create(name);
        net.LoadParameters(c.Parameters);
        c.State.CopyTo(net.State);
        int outputs = c.EvalOutputs.Length / c.Batch, inputs = c.Inputs.Length / c.Batch;
        var batch = new float[c.EvalOutputs.Length];
        net.PredictBatch(c.Inputs, batch);
        AssertClose("PredictBatch", c.EvalOutputs, batch);
        var one = new float[c.EvalOutputs.Length];
        for (int s = 0; s < c.Batch; s++) net.Predict(c.Inputs.AsSpan(s * inputs, inputs), one.AsSpan(s * outputs, outputs));
        AssertClose("Predict", c.EvalOutputs, one);
    }
}
