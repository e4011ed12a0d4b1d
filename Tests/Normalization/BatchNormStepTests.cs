using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Normalization;

/// <summary>
/// One SGD step of the generated <see cref="BatchNormStepNet"/> (Conv → BN2d → ReLU → MaxPool → Dense → BN1d → ReLU →
/// Dropout(0) → Dense), through <see cref="Trainer{TNet}"/>, against PyTorch's (Tests/Fixtures/batchnorm/
/// make_step_fixture.py, computed in float64): loss, gradients, parameters and running statistics after the step, and
/// inference after it.
/// </summary>
public class BatchNormStepTests(ITestOutputHelper output)
{
    private sealed class StepFixture
    {
        public int Batch, Channels, Height, Width, Classes, ParameterCount, StateCount;
        public double LearningRate, Momentum, Epsilon, Dropout, Loss;
        public double[] Parameters = [], State = [], Inputs = [], Logits = [], Gradients = [], ParametersAfter = [], StateAfter = [], EvalLogits = [];
        public int[] Labels = [];
    }

    private static StepFixture Read([CallerFilePath] string here = "")
    {
        using var r = new BinaryReader(File.OpenRead(Path.Combine(Path.GetDirectoryName(here)!, "..", "Fixtures", "batchnorm", "step_fixture.bin")));
        Assert.Equal("NCBN"u8.ToArray(), r.ReadBytes(4));
        Assert.Equal(1, r.ReadInt32());
        var f = new StepFixture
        {
            Batch = r.ReadInt32(), Channels = r.ReadInt32(), Height = r.ReadInt32(), Width = r.ReadInt32(), Classes = r.ReadInt32(),
            ParameterCount = r.ReadInt32(), StateCount = r.ReadInt32(),
        };
        f.LearningRate = r.ReadDouble(); f.Momentum = r.ReadDouble(); f.Epsilon = r.ReadDouble(); f.Dropout = r.ReadDouble();
        double[] D(int n) => Enumerable.Range(0, n).Select(_ => r.ReadDouble()).ToArray();
        f.Parameters = D(f.ParameterCount);
        f.State = D(f.StateCount);
        f.Inputs = D(f.Batch * f.Channels * f.Height * f.Width);
        f.Labels = Enumerable.Range(0, f.Batch).Select(_ => r.ReadInt32()).ToArray();
        f.Loss = r.ReadDouble();
        f.Logits = D(f.Batch * f.Classes);
        f.Gradients = D(f.ParameterCount);
        f.ParametersAfter = D(f.ParameterCount);
        f.StateAfter = D(f.StateCount);
        f.EvalLogits = D(f.Batch * f.Classes);
        Assert.Equal(r.BaseStream.Length, r.BaseStream.Position);
        return f;
    }

    /// <summary>|a − e| ≤ relative · (|e| + floor): 1e-5 relative, the floor absolute for values that are 0 in exact arithmetic.</summary>
    private void AssertClose(string what, double[] expected, ReadOnlySpan<float> actual, double floor, double relative = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]) / (Math.Abs(expected[i]) + floor);
            worst = Math.Max(worst, error);
            Assert.True(error <= relative, $"{what}[{i}]: {actual[i]:R}, PyTorch {expected[i]:R}");
        }
        output.WriteLine($"{what}: {expected.Length} values, worst error {worst:E2} of {relative:E0} · (|expected| + {floor:E0})");
    }

    [Fact]
    public void One_SGD_step_matches_PyTorch()
    {
        var f = Read();
        Assert.Equal(BatchNormStepNet.ParameterCount, f.ParameterCount);
        Assert.Equal(BatchNormStepNet.StateCount, f.StateCount);
        Assert.Equal(0.1, f.Momentum, 1e-12);
        Assert.Equal(1e-5, f.Epsilon, 1e-12);
        Assert.Equal(0, f.Dropout);

        var net = new BatchNormStepNet(1);
        net.LoadParameters(f.Parameters.Select(v => (float)v).ToArray());
        f.State.Select(v => (float)v).ToArray().CopyTo(net.State);
        var inputs = f.Inputs.Select(v => (float)v).ToArray();
        var data = new Dataset(inputs, BatchNormStepNet.InputSize, f.Labels);

        // The gradient the step is computed from (the conv's and first dense layer's biases feed a batch normalisation,
        // which cancels them: their exact gradient is 0, so an absolute floor).
        var g = new float[BatchNormStepNet.ParameterCount];
        float loss = net.ComputeGradients(inputs, f.Labels, g);
        AssertClose("loss", [f.Loss], [loss], 0);
        AssertClose("gradients", f.Gradients, g, 1e-2);

        var trainer = new Trainer<BatchNormStepNet>(net, new Sgd(BatchNormStepNet.ParameterCount, (float)f.LearningRate),
            new TrainerOptions { BatchSize = f.Batch });
        float stepLoss = trainer.TrainStep(data, Enumerable.Range(0, f.Batch).ToArray());
        Assert.Equal(loss, stepLoss);
        AssertClose("parameters after the step", f.ParametersAfter, net.Parameters, 1e-2);
        AssertClose("running statistics after the step", f.StateAfter, net.State, 1e-2);

        var probabilities = new float[f.Batch * f.Classes];
        net.PredictBatch(inputs, probabilities);
        var expected = new double[f.Batch * f.Classes];
        for (int s = 0; s < f.Batch; s++)
        {
            var z = f.EvalLogits.AsSpan(s * f.Classes, f.Classes);
            double max = double.NegativeInfinity, sum = 0;
            foreach (var v in z) max = Math.Max(max, v);
            foreach (var v in z) sum += Math.Exp(v - max);
            for (int k = 0; k < f.Classes; k++) expected[s * f.Classes + k] = Math.Exp(z[k] - max) / sum;
        }
        AssertClose("inference after the step", expected, probabilities, 1e-2);
    }
}
