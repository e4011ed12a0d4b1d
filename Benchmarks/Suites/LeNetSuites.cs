using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace NetCompiler.Benchmarks.Suites;

/// <summary>(la) LeNet-5, one sample.</summary>
[MemoryDiagnoser]
public class LeNetLatency
{
    private LeNetForwardFixture _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new LeNetForwardFixture(batch: 64);
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

/// <summary>(lb) LeNet-5, a batch of 64 samples.</summary>
[MemoryDiagnoser]
public class LeNetBatch64
{
    private LeNetForwardFixture _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new LeNetForwardFixture(batch: 64);
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

/// <summary>(lc) LeNet-5, one SGD step on a batch of 64.</summary>
[MemoryDiagnoser]
public class LeNetTrainingStep
{
    private LeNetTrainingFixture _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new LeNetTrainingFixture(withEpoch: false);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public float NetCompiler() => _f.NetCompilerStep();
    [Benchmark] public float NetCompilerComputeGradientsOnly() => _f.Net.ComputeGradients(_f.Inputs, _f.Labels, _f.Gradients);
    [Benchmark] public float ScalarCSharp() => _f.Scalar.TrainStep(_f.Inputs, _f.Labels, LeNetTrainingFixture.LearningRate);
#if TORCHSHARP
    [Benchmark] public float TorchSharp() => _f.Torch!.TrainStep();
#endif
}

/// <summary>(lepoch) LeNet-5, one epoch over 60,000 synthetic samples in batches of 64 (the scalar peer, ~2–3 minutes an
/// epoch here, is left to the quick mode's --scalar-epoch). Few, long iterations; BenchmarkDotNet reports wall time,
/// so the two-thread TorchSharp case is comparable.</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class LeNetTrainingEpoch
{
    private LeNetTrainingFixture _f = null!;

    [GlobalSetup]
    public void Setup()
    {
        _f = new LeNetTrainingFixture(withEpoch: true);
        _f.SelfCheck();
    }

    [GlobalCleanup]
    public void Cleanup() => _f.Dispose();

    [Benchmark(Baseline = true)] public float NetCompiler() => _f.NetCompilerEpoch();
#if TORCHSHARP
    [Benchmark] public float TorchSharp() => _f.Torch!.TrainEpoch(LeNetTrainingFixture.Batch);
    [Benchmark] public float TorchSharpTwoThreads() => _f.Torch!.TrainEpoch(LeNetTrainingFixture.Batch, threads: 2);
#endif
}
