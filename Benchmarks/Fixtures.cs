using System;
using NetCompiler.Benchmarks.Peers;

namespace NetCompiler.Benchmarks;

/// <summary>Synthetic, deterministic data: pixel-like inputs in [0, 1) and class labels.</summary>
public static class SyntheticData
{
    public static float[] Inputs(int count, int seed)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextSingle();
        return x;
    }

    public static int[] Labels(int count, int classes, int seed)
    {
        var rng = new Random(seed);
        var y = new int[count];
        for (int i = 0; i < y.Length; i++) y[i] = rng.Next(classes);
        return y;
    }
}

/// <summary>
/// Forward-pass fixture for one generated network type: the network, every peer loaded with the same parameters,
/// one sample and one batch of inputs, and output buffers. <see cref="SelfCheck"/> proves every peer computes what
/// NetCompiler computes before anything is timed.
/// </summary>
public sealed class ForwardFixture<TNet> : IDisposable where TNet : class, INetwork<TNet>
{
    public const float Tolerance = 1e-4f;

    public ForwardFixture(int batch, int seed = 1)
    {
        Spec = MlpSpec.For<TNet>();
        Batch = batch;
        Net = TNet.Create(seed);
        Parameters = new float[TNet.ParameterCount];
        Net.CopyParametersTo(Parameters);
        Sample = SyntheticData.Inputs(TNet.InputSize, seed + 1);
        Inputs = SyntheticData.Inputs(batch * TNet.InputSize, seed + 2);
        Output = new float[TNet.OutputSize];
        Outputs = new float[batch * TNet.OutputSize];
        Scalar = new ScalarMlp(Spec, Parameters);
        Tp = new TensorPrimitivesMlp(Spec, Parameters);
        if (Array.TrueForAll(Spec.Layers, l => l.Activation is Activation.ReLU or Activation.Identity)
            && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated)
            Packed = new PackedMlp(Spec, Parameters);
        Ort1 = new OrtMlp(Spec, Parameters, 1);
        OrtBatch = new OrtMlp(Spec, Parameters, batch);
        Sample.CopyTo(Ort1.Input, 0);
        Inputs.CopyTo(OrtBatch.Input, 0);
#if TORCHSHARP
        Torch = TorchPeer.TryCreate(() => new TorchMlp(Spec, Parameters, Sample, Inputs, new int[batch], 0.01f));
#endif
    }

    public MlpSpec Spec { get; }
    public int Batch { get; }
    public TNet Net { get; }
    public float[] Parameters { get; }
    public float[] Sample { get; }
    public float[] Inputs { get; }
    public float[] Output { get; }
    public float[] Outputs { get; }
    public ScalarMlp Scalar { get; }
    public TensorPrimitivesMlp Tp { get; }
    /// <summary>The packed-layout prototype, where it applies (ReLU/identity layers, Vector256).</summary>
    public PackedMlp? Packed { get; }
    public OrtMlp Ort1 { get; }
    public OrtMlp OrtBatch { get; }
#if TORCHSHARP
    public TorchMlp? Torch { get; }
#endif

    /// <summary>Runs every peer once on the sample and on the batch and compares with NetCompiler; throws on a mismatch.</summary>
    public void SelfCheck()
    {
        float[] expected = new float[TNet.OutputSize], expectedBatch = new float[Outputs.Length];
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
        if (Packed is { } packed)
        {
            Check("packed prototype", expected, o => packed.Predict(Sample, o));
            Check("packed prototype batch", expectedBatch, o => packed.PredictBatch(Inputs, o));
        }
#if TORCHSHARP
        if (Torch is { } torch)
        {
            Check("TorchSharp", expected, torch.Predict);
            Check("TorchSharp batch", expectedBatch, torch.PredictBatch);
        }
#endif
        // The predictions must not all be equal: a network that outputs a constant would pass the checks above trivially.
        if (TNet.OutputSize > 1 && Math.Abs(expected[0] - expected[1]) < 1e-9f && Math.Abs(expectedBatch[0] - expectedBatch[TNet.OutputSize]) < 1e-9f)
            throw new InvalidOperationException($"{Spec.Name}: NetCompiler's outputs look constant; the self-check would prove nothing.");
    }

    private void Check(string peer, float[] expected, Action<float[]> run)
    {
        var actual = new float[expected.Length];
        run(actual);
        float worst = MaxAbsDifference(expected, actual);
        if (!(worst <= Tolerance))
            throw new InvalidOperationException($"Self-check failed: {peer} differs from NetCompiler on {Spec.Name} by {worst:g3} (> {Tolerance:g1}).");
    }

    public static float MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) return float.PositiveInfinity;
        float worst = 0;
        for (int i = 0; i < a.Length; i++) worst = MathF.Max(worst, MathF.Abs(a[i] - b[i]));
        return float.IsNaN(worst) ? float.PositiveInfinity : worst;
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

/// <summary>The batch, epoch and learning rate of every dense training workload.</summary>
public static class TrainingFixture
{
    public const int Batch = 64;
    public const int EpochSamples = 60_000;
    public const float LearningRate = 0.01f;
}

/// <summary>
/// Training fixture for a dense network (the Fashion MLP, or the 1024-wide MLP of workload (wt)): one batch of 64
/// labelled samples for the step, and optionally a synthetic epoch of 60,000 samples, each peer holding its own copy of
/// the same starting parameters. NetCompiler's step is what <see cref="Trainer{TNet}"/> does per batch:
/// <c>ComputeGradients</c>, then <see cref="Sgd.Step"/> on the network's own <c>Parameters</c>.
/// </summary>
public sealed class TrainingFixture<TNet> : IDisposable where TNet : class, INetwork<TNet>, IClassifier
{
    public const int Batch = TrainingFixture.Batch;
    public const int EpochSamples = TrainingFixture.EpochSamples;
    public const float LearningRate = TrainingFixture.LearningRate;

    /// <param name="epochSamples">Samples of the synthetic epoch (with <paramref name="withEpoch"/>): 60,000 by default.</param>
    public TrainingFixture(bool withEpoch, int seed = 1, int epochSamples = TrainingFixture.EpochSamples)
    {
        Spec = MlpSpec.For<TNet>();
        Net = TNet.Create(seed);
        Gradients = new float[TNet.ParameterCount];
        Sgd = new Sgd(TNet.ParameterCount, LearningRate);
        Inputs = SyntheticData.Inputs(Batch * TNet.InputSize, seed + 3);
        Labels = SyntheticData.Labels(Batch, TNet.OutputSize, seed + 4);
        if (withEpoch)
        {
            EpochInputs = SyntheticData.Inputs(epochSamples * TNet.InputSize, seed + 5);
            EpochLabels = SyntheticData.Labels(epochSamples, TNet.OutputSize, seed + 6);
        }
        Scalar = new ScalarMlp(Spec, Parameters);
        Tp = new TensorPrimitivesMlp(Spec, Parameters);
#if TORCHSHARP
        Torch = TorchPeer.TryCreate(() => new TorchMlp(Spec, Parameters, Inputs.AsSpan(0, TNet.InputSize).ToArray(), Inputs, Labels, LearningRate));
        if (withEpoch) Torch?.SetEpochData(EpochInputs!, EpochLabels!);
#endif
    }

    public MlpSpec Spec { get; }
    public TNet Net { get; }
    /// <summary>A copy of NetCompiler's current parameters (the step updates <see cref="Net"/>'s own in place).</summary>
    public float[] Parameters => Net.Parameters.ToArray();
    public float[] Gradients { get; }
    public Sgd Sgd { get; }
    public float[] Inputs { get; }
    public int[] Labels { get; }
    public float[]? EpochInputs { get; }
    public int[]? EpochLabels { get; }
    public ScalarMlp Scalar { get; }
    public TensorPrimitivesMlp Tp { get; }
#if TORCHSHARP
    public TorchMlp? Torch { get; }
#endif

    /// <summary>NetCompiler: one SGD step on a batch, as the trainer does it.</summary>
    public float NetCompilerStep(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels)
    {
        float loss = Net.ComputeGradients(inputs, labels, Gradients);
        Sgd.Step(Net.Parameters, Gradients);   // in place: no copy in or out of the network
        return loss;
    }

    public float NetCompilerStep() => NetCompilerStep(Inputs, Labels);

    public float NetCompilerEpoch() => Epoch(NetCompilerStep);

    public float ScalarEpoch() => Epoch((x, y) => Scalar.TrainStep(x, y, LearningRate));

    public float TensorPrimitivesEpoch() => Epoch((x, y) => Tp.TrainStep(x, y, LearningRate));

    private TrainerEpochs<TNet>? _trainerEpochs;

    /// <summary>NetCompiler through <see cref="Trainer{TNet}.Fit"/>: see <see cref="TrainerEpochs{TNet}"/>. Fit gathers each batch's rows into its buffers, which the loop above does not.</summary>
    public double TrainerEpoch(int threads) =>
        (_trainerEpochs ??= new TrainerEpochs<TNet>(EpochInputs, EpochLabels, Batch, LearningRate)).Run(threads);

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
            sum += step(x.AsSpan(first * TNet.InputSize, n * TNet.InputSize), y.AsSpan(first, n)) * n;
        }
        return (float)(sum / y.Length);
    }

    /// <summary>One step of every peer from the same parameters must land on the same parameters (within 1e-4); throws otherwise.</summary>
    public void SelfCheck()
    {
        float[] before = Parameters;
        NetCompilerStep();
        Compare("scalar C#", () => { Scalar.TrainStep(Inputs, Labels, LearningRate); return Scalar.Parameters.ToArray(); });
        Compare("TensorPrimitives", () => { Tp.TrainStep(Inputs, Labels, LearningRate); return Tp.Parameters.ToArray(); });
#if TORCHSHARP
        if (Torch is { } torch) Compare("TorchSharp", () => { torch.TrainStep(); return torch.Parameters(); });
#endif
        if (ForwardFixture<TNet>.MaxAbsDifference(before, Parameters) == 0)
            throw new InvalidOperationException("Self-check: NetCompiler's training step changed no parameter.");
    }

    private void Compare(string peer, Func<float[]> step)
    {
        float worst = ForwardFixture<TNet>.MaxAbsDifference(Parameters, step());
        if (!(worst <= ForwardFixture<TNet>.Tolerance))
            throw new InvalidOperationException($"Self-check failed: after one training step {peer}'s parameters differ from NetCompiler's by {worst:g3}.");
    }

    public void Dispose()
    {
#if TORCHSHARP
        Torch?.Dispose();
#endif
    }
}

/// <summary>
/// One epoch through <see cref="Trainer{TNet}.Fit"/> per <see cref="Run"/>: the given synthetic data in order (no shuffle,
/// no validation), with <see cref="TrainerOptions.Threads"/> = threads; one trainer per thread count, each with its own
/// network (seed 1) and plain SGD, made on first use.
/// </summary>
public sealed class TrainerEpochs<TNet> where TNet : class, INetwork<TNet>
{
    private readonly Trainer<TNet>?[] _trainers = new Trainer<TNet>?[3];
    private readonly Dataset _data;
    private readonly int _batch;
    private readonly float _learningRate;

    public TrainerEpochs(float[]? inputs, int[]? labels, int batch, float learningRate)
    {
        _data = new Dataset(inputs ?? throw new InvalidOperationException("This fixture has no epoch data."), TNet.InputSize, labels!);
        _batch = batch;
        _learningRate = learningRate;
    }

    public double Run(int threads)
    {
        Trainer<TNet> trainer = _trainers[threads] ??= new Trainer<TNet>(TNet.Create(1),
            new Sgd(TNet.ParameterCount, _learningRate),
            new TrainerOptions { Epochs = 1, BatchSize = _batch, Shuffle = false, Threads = threads });
        return trainer.Fit(_data).Last.TrainingLoss;
    }
}
