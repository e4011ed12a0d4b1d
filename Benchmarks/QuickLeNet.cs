using System;
using System.Collections.Generic;
using System.Linq;

namespace NetCompiler.Benchmarks;

/// <summary>
/// The LeNet-5 workloads of the quick mode (keys la, lb, lc, lepoch), measured with <see cref="Quick.Measure"/>:
/// (la) one sample, (lb) a batch of 64, (lc) one SGD step on a batch of 64, (lepoch) one epoch of 60,000 synthetic
/// samples in batches of 64 (TorchSharp also with two threads).
/// </summary>
public static class QuickLeNet
{
    public static IEnumerable<(string Key, Func<Workload> Make)> Workloads(string[] args, int rounds, double targetMs, List<IDisposable> disposables)
    {
        bool scalarEpoch = args.Contains("--scalar-epoch");
        LeNetForwardFixture? ff = null;
        LeNetForwardFixture Forward()
        {
            if (ff is null)
            {
                ff = new LeNetForwardFixture(batch: 64);
                disposables.Add(ff);
                ff.SelfCheck();
                Console.WriteLine("  self-check passed: every peer's LeNet-5 outputs are within 1e-4 of NetCompiler's (batch 1 and 64)");
            }
            return ff;
        }

        yield return ("la", () =>
        {
            var f = Forward();
            var cases = new List<Case>
            {
                new("NetCompiler", n => { for (long i = 0; i < n; i++) f.Net.Predict(f.Sample, f.Output); }),
                new("ORT IOBinding", n => { for (long i = 0; i < n; i++) f.Ort1.RunBound(); }),
                new("ORT Run (pre-allocated OrtValues)", n => { for (long i = 0; i < n; i++) f.Ort1.RunPreallocated(); }),
                new("ORT Run (plain, NamedOnnxValue)", n => { for (long i = 0; i < n; i++) f.Ort1.RunPlain(); }),
                new("TensorPrimitives (im2col, Dot per output)", n => { for (long i = 0; i < n; i++) f.Tp.Predict(f.Sample, f.Output); }),
                new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.Predict(f.Sample, f.Output); }),
            };
#if TORCHSHARP
            if (f.Torch is { } t) cases.Add(new("TorchSharp (inference mode)", n => { for (long i = 0; i < n; i++) t.Predict(f.Output); }));
#endif
            return new Workload("la", "LeNet-5, one sample (latency)", LeNetSpec.ForwardFlops,
                LeNetSpec.ParameterBytes + 4L * LeNetSpec.InputSize, 0, cases, rounds, targetMs);
        });

        yield return ("lb", () =>
        {
            var f = Forward();
            var cases = new List<Case>
            {
                new("NetCompiler", n => { for (long i = 0; i < n; i++) f.Net.PredictBatch(f.Inputs, f.Outputs); }),
                new("ORT IOBinding", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunBound(); }),
                new("ORT Run (pre-allocated OrtValues)", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunPreallocated(); }),
                new("ORT Run (plain, NamedOnnxValue)", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunPlain(); }),
                new("TensorPrimitives (im2col, Dot per output)", n => { for (long i = 0; i < n; i++) f.Tp.PredictBatch(f.Inputs, f.Outputs); }),
                new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.PredictBatch(f.Inputs, f.Outputs); }),
            };
#if TORCHSHARP
            if (f.Torch is { } t) cases.Add(new("TorchSharp (inference mode)", n => { for (long i = 0; i < n; i++) t.PredictBatch(f.Outputs); }));
#endif
            return new Workload("lb", "LeNet-5, batch of 64 (throughput; time per batch)", 64 * LeNetSpec.ForwardFlops,
                LeNetSpec.ParameterBytes + 4L * f.Inputs.Length, 0, cases, rounds, targetMs);
        });

        LeNetTrainingFixture? tf = null;
        LeNetTrainingFixture Training()
        {
            if (tf is null)
            {
                tf = new LeNetTrainingFixture(withEpoch: true);
                disposables.Add(tf);
                tf.SelfCheck();
                Console.WriteLine("  self-check passed: after one SGD step every trainable peer's LeNet-5 parameters are within 1e-4 of NetCompiler's " +
                                  $"(the step moved parameters by up to {tf.MaxUpdate:g3})");
            }
            return tf;
        }

        const int batch = LeNetTrainingFixture.Batch;
        yield return ("lc", () =>
        {
            var f = Training();
            var cases = new List<Case>
            {
                new("NetCompiler (ComputeGradients + Sgd.Step in place)", n => { for (long i = 0; i < n; i++) f.NetCompilerStep(); }),
                new("  of which NetCompiler ComputeGradients alone", n => { for (long i = 0; i < n; i++) f.Net.ComputeGradients(f.Inputs, f.Labels, f.Gradients); }),
                new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.TrainStep(f.Inputs, f.Labels, LeNetTrainingFixture.LearningRate); }),
            };
#if TORCHSHARP
            if (f.Torch is { } t) cases.Add(new("TorchSharp (cross_entropy, backward, optim.SGD)", n => { for (long i = 0; i < n; i++) t.TrainStep(); }));
#endif
            return new Workload("lc", "LeNet-5, one training step on a batch of 64 (ONNX Runtime has no training here)",
                batch * LeNetSpec.TrainingFlops + 2L * LeNetSpec.ParameterCount,
                4 * LeNetSpec.ParameterBytes + 4L * batch * LeNetSpec.InputSize, 0, cases, rounds, targetMs);
        });

        yield return ("lepoch", () =>
        {
            var f = Training();
            long steps = (LeNetTrainingFixture.EpochSamples + batch - 1) / batch;
            // The epoch cases are timed without the harness's warm-up: run a few steps of each first so the first
            // epoch is not also the one that compiles the hot code.
            for (int i = 0; i < 40; i++) f.NetCompilerStep();
            var cases = new List<Case>
            {
                new("NetCompiler", n => { for (long i = 0; i < n; i++) f.NetCompilerEpoch(); }),
                new("NetCompiler Trainer.Fit, 1 thread", n => { for (long i = 0; i < n; i++) f.TrainerEpoch(1); }),
                new("NetCompiler Trainer.Fit, 2 threads", n => { for (long i = 0; i < n; i++) f.TrainerEpoch(2); }) { WallTime = true },
            };
            if (scalarEpoch) cases.Add(new("scalar C#", n => { for (long i = 0; i < n; i++) f.ScalarEpoch(); }));
#if TORCHSHARP
            if (f.Torch is { } t)
            {
                for (int i = 0; i < 40; i++) t.TrainStep();
                cases.Add(new("TorchSharp, 1 thread", n => { for (long i = 0; i < n; i++) t.TrainEpoch(batch); }));
                cases.Add(new("TorchSharp, 2 threads (thread CPU time misses the 2nd thread: compare wall)", n => { for (long i = 0; i < n; i++) t.TrainEpoch(batch, threads: 2); }));
            }
#endif
            return new Workload("lepoch", "LeNet-5, one training epoch: 60,000 synthetic samples in batches of 64, in order",
                (long)LeNetTrainingFixture.EpochSamples * LeNetSpec.TrainingFlops + steps * 2L * LeNetSpec.ParameterCount,
                steps * 4 * LeNetSpec.ParameterBytes, 4L * LeNetSpec.InputSize * LeNetTrainingFixture.EpochSamples,
                cases, Math.Max(3, rounds / 7), 0);
        });
    }
}
