using System;
using NetCompiler.Benchmarks.Peers;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Benchmarks;

/// <summary>
/// Forward-pass fixture for LeNet-5: the generated network, every peer loaded with its parameters, one sample and one
/// batch of synthetic 28×28 inputs. <see cref="SelfCheck"/> proves every peer computes what NetCompiler computes.
/// </summary>
public sealed class LeNetForwardFixture : IDisposable
{
    public const float Tolerance = 1e-4f;

    public LeNetForwardFixture(int batch = 64, int seed = 1)
    {
        LeNetSpec.Check();
        Batch = batch;
        Net = new LeNet5(seed);
        Parameters = new float[LeNet5.ParameterCount];
        Net.CopyParametersTo(Parameters);
        Sample = SyntheticData.Inputs(LeNet5.InputSize, seed + 11);
        Inputs = SyntheticData.Inputs(batch * LeNet5.InputSize, seed + 12);
        Output = new float[LeNet5.OutputSize];
        Outputs = new float[batch * LeNet5.OutputSize];
        Scalar = new ScalarLeNet(Parameters);
        Tp = new TensorPrimitivesLeNet(Parameters);
        byte[] model = OnnxModelWriter.WriteLeNet(Parameters);
        Ort1 = new OrtMlp(model, LeNet5.InputSize, LeNet5.OutputSize, 1);
        OrtBatch = new OrtMlp(model, LeNet5.InputSize, LeNet5.OutputSize, batch);
        Sample.CopyTo(Ort1.Input, 0);
        Inputs.CopyTo(OrtBatch.Input, 0);
#if TORCHSHARP
        Torch = TorchPeer.TryCreate(() => new TorchLeNet(Parameters, Sample, Inputs, new int[batch], 0.01f));
#endif
    }

    public int Batch { get; }
    public LeNet5 Net { get; }
    public float[] Parameters { get; }
    public float[] Sample { get; }
    public float[] Inputs { get; }
    public float[] Output { get; }
    public float[] Outputs { get; }
    public ScalarLeNet Scalar { get; }
    public TensorPrimitivesLeNet Tp { get; }
    public OrtMlp Ort1 { get; }
    public OrtMlp OrtBatch { get; }
#if TORCHSHARP
    public TorchLeNet? Torch { get; }
#endif

    /// <summary>Runs every peer once on the sample and on the batch and compares with NetCompiler; throws on a mismatch.</summary>
    public void SelfCheck()
    {
        float[] expected = new float[LeNet5.OutputSize], expectedBatch = new float[Outputs.Length];
        Net.Predict(Sample, expected);
        Net.PredictBatch(Inputs, expectedBatch);

        Check("scalar C#", expected, o => Scalar.Predict(Sample, o));
        Check("TensorPrimitives", expected, o => Tp.Predict(Sample, o));
        Check("ONNX Runtime (IOBinding)", expected, o => { Ort1.RunBound(); Ort1.Output.CopyTo(o, 0); });
        Check("ONNX Runtime (Run, pre-allocated)", expected, o => { Ort1.RunPreallocated(); Ort1.Output.CopyTo(o, 0); });
        Check("ONNX Runtime (plain Run)", expected, o => { Ort1.RunPlain(); Ort1.Output.CopyTo(o, 0); });
        Check("scalar C# batch", expectedBatch, o => Scalar.PredictBatch(Inputs, o));
        Check("TensorPrimitives batch", expectedBatch, o => Tp.PredictBatch(Inputs, o));
        Check("ONNX Runtime batch (IOBinding)", expectedBatch, o => { OrtBatch.RunBound(); OrtBatch.Output.CopyTo(o, 0); });
        Check("ONNX Runtime batch (Run, pre-allocated)", expectedBatch, o => { OrtBatch.RunPreallocated(); OrtBatch.Output.CopyTo(o, 0); });
        Check("ONNX Runtime batch (plain Run)", expectedBatch, o => { OrtBatch.RunPlain(); OrtBatch.Output.CopyTo(o, 0); });
#if TORCHSHARP
        if (Torch is { } torch)
        {
            Check("TorchSharp", expected, torch.Predict);
            Check("TorchSharp batch", expectedBatch, torch.PredictBatch);
        }
#endif
        // Distinct predictions, else the comparisons above would prove little.
        if (Math.Abs(expected[0] - expected[1]) < 1e-9f && Math.Abs(expectedBatch[0] - expectedBatch[LeNet5.OutputSize]) < 1e-9f)
            throw new InvalidOperationException("LeNet-5: NetCompiler's outputs look constant; the self-check would prove nothing.");
    }

    private static void Check(string peer, float[] expected, Action<float[]> run)
    {
        var actual = new float[expected.Length];
        run(actual);
        float worst = ForwardFixture<FashionMlp>.MaxAbsDifference(expected, actual);
        if (!(worst <= Tolerance))
            throw new InvalidOperationException($"Self-check failed: {peer} differs from NetCompiler on LeNet-5 by {worst:g3} (> {Tolerance:g1}).");
    }

    public void Dispose()
    {
        Ort1.Dispose();
        OrtBatch.Dispose();
#if TORCHSHARP
        Torch?.Dispose();
#endif
    }
}

/// <summary>
/// Training fixture for LeNet-5: one batch of 64 labelled samples for the step, and (optionally) a synthetic epoch of
/// 60,000 samples; each peer holds its own copy of the same starting parameters. NetCompiler's step is what
/// <see cref="Trainer{TNet}"/> does per batch: <c>ComputeGradients</c>, then <see cref="Sgd.Step"/> on the network's own
/// <c>Parameters</c>.
/// </summary>
public sealed class LeNetTrainingFixture : IDisposable
{
    public const int Batch = 64;
    public const int EpochSamples = 60_000;
    public const float LearningRate = 0.01f;

    public LeNetTrainingFixture(bool withEpoch, int seed = 1)
    {
        LeNetSpec.Check();
        Net = new LeNet5(seed);
        Gradients = new float[LeNet5.ParameterCount];
        Sgd = new Sgd(LeNet5.ParameterCount, LearningRate);
        Inputs = SyntheticData.Inputs(Batch * LeNet5.InputSize, seed + 13);
        Labels = SyntheticData.Labels(Batch, LeNet5.OutputSize, seed + 14);
        if (withEpoch)
        {
            EpochInputs = SyntheticData.Inputs(EpochSamples * LeNet5.InputSize, seed + 15);
            EpochLabels = SyntheticData.Labels(EpochSamples, LeNet5.OutputSize, seed + 16);
        }
        Scalar = new ScalarLeNet(Parameters);
#if TORCHSHARP
        Torch = TorchPeer.TryCreate(() => new TorchLeNet(Parameters, Inputs.AsSpan(0, LeNet5.InputSize).ToArray(), Inputs, Labels, LearningRate));
        if (withEpoch) Torch?.SetEpochData(EpochInputs!, EpochLabels!);
#endif
    }

    public LeNet5 Net { get; }
    /// <summary>A copy of NetCompiler's current parameters (the step updates <see cref="Net"/>'s own in place).</summary>
    public float[] Parameters => Net.Parameters.ToArray();
    public float[] Gradients { get; }
    public Sgd Sgd { get; }
    public float[] Inputs { get; }
    public int[] Labels { get; }
    public float[]? EpochInputs { get; }
    public int[]? EpochLabels { get; }
    public ScalarLeNet Scalar { get; }
#if TORCHSHARP
    public TorchLeNet? Torch { get; }
#endif

    public float NetCompilerStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        float loss = Net.ComputeGradients(inputs, labels, Gradients);
        Sgd.Step(Net.Parameters, Gradients);   // in place: no copy in or out of the network
        return loss;
    }

    private TrainerEpochs<LeNet5>? _trainerEpochs;

    /// <summary>NetCompiler through <see cref="Trainer{TNet}.Fit"/>: see <see cref="TrainerEpochs{TNet}"/>.</summary>
    public double TrainerEpoch(int threads) =>
        (_trainerEpochs ??= new TrainerEpochs<LeNet5>(EpochInputs, EpochLabels, Batch, LearningRate)).Run(threads);

    public float NetCompilerStep() => NetCompilerStep(Inputs, Labels);

    public float NetCompilerEpoch() => Epoch(NetCompilerStep);

    public float ScalarEpoch() => Epoch((x, y) => Scalar.TrainStep(x, y, LearningRate));

    private delegate float Step(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels);

    /// <summary>One pass over the synthetic epoch in order, in batches of 64 (the last one smaller); returns the mean loss.</summary>
    private float Epoch(Step step)
    {
        float[] x = EpochInputs ?? throw new InvalidOperationException("This fixture has no epoch data.");
        int[] y = EpochLabels!;
        double sum = 0;
        for (int first = 0; first < y.Length; first += Batch)
        {
            int n = Math.Min(Batch, y.Length - first);
            sum += step(x.AsSpan(first * LeNet5.InputSize, n * LeNet5.InputSize), y.AsSpan(first, n)) * n;
        }
        return (float)(sum / y.Length);
    }

    /// <summary>One step of every trainable peer from the same parameters must land on the same parameters (within
    /// 1e-4) and report the same loss; throws otherwise.</summary>
    public void SelfCheck()
    {
        float[] before = (float[])Parameters.Clone();
        float loss = NetCompilerStep();
        Compare("scalar C#", loss, () => (Scalar.TrainStep(Inputs, Labels, LearningRate), Scalar.Parameters.ToArray()));
#if TORCHSHARP
        if (Torch is { } torch) Compare("TorchSharp", loss, () => (torch.TrainStep(), torch.Parameters()));
#endif
        MaxUpdate = ForwardFixture<FashionMlp>.MaxAbsDifference(before, Parameters);
        if (MaxUpdate == 0)
            throw new InvalidOperationException("Self-check: NetCompiler's LeNet-5 training step changed no parameter.");
    }

    /// <summary>The largest change of a parameter in the self-check's step (to judge the 1e-4 tolerance against).</summary>
    public float MaxUpdate { get; private set; }

    private void Compare(string peer, float expectedLoss, Func<(float Loss, float[] Parameters)> step)
    {
        var (loss, parameters) = step();
        float worst = ForwardFixture<FashionMlp>.MaxAbsDifference(Parameters, parameters);
        if (!(worst <= LeNetForwardFixture.Tolerance) || !(MathF.Abs(loss - expectedLoss) <= 1e-4f * MathF.Max(1f, expectedLoss)))
            throw new InvalidOperationException($"Self-check failed: after one LeNet-5 training step {peer}'s parameters differ from " +
                                                $"NetCompiler's by {worst:g3} (loss {loss} vs {expectedLoss}).");
    }

    public void Dispose()
    {
#if TORCHSHARP
        Torch?.Dispose();
#endif
    }
}
