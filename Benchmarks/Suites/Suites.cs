using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace NetCompiler.Benchmarks.Suites;

/// <summary>(a) Fashion MLP 784-128-10, one sample.</summary>
[MemoryDiagnoser]
public class FashionLatency
{
    private ForwardFixture<FashionMlp> _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new ForwardFixture<FashionMlp>(batch: 64);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public void NetCompiler() => _f.Net.Predict(_f.Sample, _f.Output);
    [Benchmark] public void OrtIoBinding() => _f.Ort1.RunBound();
    [Benchmark] public void OrtRunPreallocated() => _f.Ort1.RunPreallocated();
    [Benchmark] public void OrtRunPlain() => _f.Ort1.RunPlain();
    [Benchmark] public void TensorPrimitives() => _f.Tp.Predict(_f.Sample, _f.Output);
    [Benchmark] public void ScalarCSharp() => _f.Scalar.Predict(_f.Sample, _f.Output);
#if TORCHSHARP
    [Benchmark] public void TorchSharp() => _f.Torch!.Predict(_f.Output);
#endif
}

/// <summary>(b) Fashion MLP, a batch of 64 samples.</summary>
[MemoryDiagnoser]
public class FashionBatch64
{
    private ForwardFixture<FashionMlp> _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new ForwardFixture<FashionMlp>(batch: 64);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public void NetCompiler() => _f.Net.PredictBatch(_f.Inputs, _f.Outputs);
    [Benchmark] public void OrtIoBinding() => _f.OrtBatch.RunBound();
    [Benchmark] public void OrtRunPreallocated() => _f.OrtBatch.RunPreallocated();
    [Benchmark] public void OrtRunPlain() => _f.OrtBatch.RunPlain();
    [Benchmark] public void TensorPrimitives() => _f.Tp.PredictBatch(_f.Inputs, _f.Outputs);
    [Benchmark] public void ScalarCSharp() => _f.Scalar.PredictBatch(_f.Inputs, _f.Outputs);
#if TORCHSHARP
    [Benchmark] public void TorchSharp() => _f.Torch!.PredictBatch(_f.Outputs);
#endif
}

/// <summary>(c) Fashion MLP, one SGD step on a batch of 64.</summary>
[MemoryDiagnoser]
public class FashionTrainingStep
{
    private TrainingFixture<FashionMlp> _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new TrainingFixture<FashionMlp>(withEpoch: false);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public float NetCompiler() => _f.NetCompilerStep();
    [Benchmark] public float NetCompilerComputeGradientsOnly() => _f.Net.ComputeGradients(_f.Inputs, _f.Labels, _f.Gradients);
    [Benchmark] public float TensorPrimitives() => _f.Tp.TrainStep(_f.Inputs, _f.Labels, TrainingFixture.LearningRate);
    [Benchmark] public float ScalarCSharp() => _f.Scalar.TrainStep(_f.Inputs, _f.Labels, TrainingFixture.LearningRate);
#if TORCHSHARP
    [Benchmark] public float TorchSharp() => _f.Torch!.TrainStep();
#endif
}

/// <summary>(c) Fashion MLP, one epoch over 60,000 synthetic samples in batches of 64. Few, long iterations.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class FashionTrainingEpoch
{
    private TrainingFixture<FashionMlp> _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new TrainingFixture<FashionMlp>(withEpoch: true);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public float NetCompiler() => _f.NetCompilerEpoch();
    [Benchmark] public float TensorPrimitives() => _f.TensorPrimitivesEpoch();
    [Benchmark] public float ScalarCSharp() => _f.ScalarEpoch();
    [Benchmark] public double TrainerFitOneThread() => _f.TrainerEpoch(1);
    [Benchmark] public double TrainerFitTwoThreads() => _f.TrainerEpoch(2);   // BenchmarkDotNet reports wall time
#if TORCHSHARP
    [Benchmark] public float TorchSharp() => _f.Torch!.TrainEpoch(TrainingFixture.Batch);
#endif
}

/// <summary>(d) Tiny networks, one sample: where call overhead is everything.</summary>
[MemoryDiagnoser]
[GenericTypeArguments(typeof(Tiny221))]
[GenericTypeArguments(typeof(Tiny888))]
public class TinyLatency<TNet> where TNet : class, INetwork<TNet>
{
    private ForwardFixture<TNet> _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new ForwardFixture<TNet>(batch: 64);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public void NetCompiler() => _f.Net.Predict(_f.Sample, _f.Output);
    [Benchmark] public void OrtIoBinding() => _f.Ort1.RunBound();
    [Benchmark] public void OrtRunPreallocated() => _f.Ort1.RunPreallocated();
    [Benchmark] public void TensorPrimitives() => _f.Tp.Predict(_f.Sample, _f.Output);
    [Benchmark] public void ScalarCSharp() => _f.Scalar.Predict(_f.Sample, _f.Output);
#if TORCHSHARP
    [Benchmark] public void TorchSharp() => _f.Torch!.Predict(_f.Output);
#endif
}

/// <summary>The machine's floors: one core's FMA peak and read bandwidth from L2 and memory (GFLOP/s = FLOPs / time).</summary>
public unsafe class MachineFloors
{
    private const long FmaIterations = 1_000_000;
    private const int L2Passes = 100;
    private float* _l2, _memory;

    [GlobalSetup]
    public void Setup()
    {
        _l2 = Floors.Buffer(Floors.L2Bytes);
        _memory = Floors.Buffer(Floors.MemoryBytes);
    }

    /// <summary>12 chains × 8 lanes × 2 FLOPs × 1,000,000 iterations = 192 MFLOP.</summary>
    [Benchmark] public float Fma256_192MFlop() => Floors.Fma256(FmaIterations);

    /// <summary>384 MFLOP where Vector512 is accelerated; emulated (meaningless) elsewhere.</summary>
    [Benchmark] public float Fma512_384MFlop() => Floors.Fma512(FmaIterations);

    /// <summary>400 KiB × 100 = 40 MiB read from L2.</summary>
    [Benchmark] public float ReadL2_40MiB() => Floors.Read256(_l2, Floors.L2Bytes / 4, L2Passes);

    /// <summary>256 MiB read from memory.</summary>
    [Benchmark] public float ReadMemory_256MiB() => Floors.Read256(_memory, Floors.MemoryBytes / 4, 1);
}
