using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using NetCompiler.Benchmarks.Peers;

namespace NetCompiler.Benchmarks;

/// <summary>One contender in a workload: <see cref="Run"/>(n) does the workload n times.</summary>
public sealed record Case(string Peer, Action<long> Run)
{
    /// <summary>
    /// The case computes on more than one thread, so the calling thread's CPU time undercounts it: its row shows, and
    /// its ratio uses, wall time.
    /// </summary>
    public bool WallTime { get; init; }
}

/// <summary>
/// One workload and what bounds it from below on this machine: <see cref="Flops"/> at peak FMA throughput, and
/// <see cref="L2Bytes"/> / <see cref="MemoryBytes"/> at the measured read bandwidths (the larger term is the floor).
/// </summary>
public sealed record Workload(string Key, string Name, long Flops, long L2Bytes, long MemoryBytes, List<Case> Cases, int Rounds, double TargetMs)
{
    /// <summary>False for networks so small that call latency, not FLOPs or bytes, bounds them: the floor is printed but not compared.</summary>
    public bool FloorMeaningful { get; init; } = true;

    public double FloorNs(Floors.Measured m) => Math.Max(Flops / m.PeakGFlops, Math.Max(L2Bytes / m.L2GBps, MemoryBytes / m.MemoryGBps));

    public string FloorText(Floors.Measured m) =>
        $"{Format(Flops / m.PeakGFlops)} compute ({Flops:N0} FLOP), {Format(L2Bytes / m.L2GBps)} L2 ({L2Bytes / 1024.0:N0} KiB)" +
        (MemoryBytes > 0 ? $", {Format(MemoryBytes / m.MemoryGBps)} memory ({MemoryBytes / 1048576.0:N0} MiB)" : "");

    public static string Format(double ns) => ns switch
    {
        < 1e3 => $"{ns:F1} ns",
        < 1e6 => $"{ns / 1e3:F2} µs",
        < 1e9 => $"{ns / 1e6:F2} ms",
        _ => $"{ns / 1e9:F2} s",
    };
}

/// <summary>
/// The quick mode: a plain timing harness, not BenchmarkDotNet. Each case is warmed up (so tiered JIT reaches its
/// optimised code), calibrated to about <see cref="Workload.TargetMs"/> per repetition, then the cases of a workload run
/// round-robin (each round in a rotated order) so that noise from other processes hits them alike; the result per
/// case is the median of the repetitions' time per operation, by the thread's CPU time (see <see cref="Clock"/>; the
/// ratios use it) and by wall time.
/// </summary>
public static class Quick
{
    /// <summary>The label of <see cref="PackedMlp"/>'s rows: a prototype of a layout for the generator, not a peer.</summary>
    public const string PackedName = "(prototype) packed [in][8-out] panels, C# Vector256";

    public static int Run(string[] args)
    {
        int rounds = IntOption(args, "--rounds", 21);
        double targetMs = IntOption(args, "--target-ms", 4);
        bool scalarEpoch = args.Contains("--scalar-epoch");
        string? only = StringOption(args, "--only");
        string? markdown = StringOption(args, "--markdown");

        Console.WriteLine("Measuring this core's floors (FMA peak, L2 and memory read bandwidth)...");
        Floors.Measured floors = Floors.Measure();
        Console.WriteLine($"  FMA peak: {floors.Fma256GFlops:F1} GFLOP/s (Vector256)" +
                          (floors.Fma512GFlops is { } f512 ? $", {f512:F1} GFLOP/s (Vector512)" : ", Vector512: not accelerated here"));
        Console.WriteLine($"  read bandwidth: L2 ({Floors.L2Bytes / 1024} KiB) {floors.L2GBps:F1} GB/s, memory ({Floors.MemoryBytes >> 20} MiB) {floors.MemoryGBps:F1} GB/s");
        var (twoBest, twoMedian) = Floors.TwoThreadFma256();
        string twoThreads = $"FMA on two threads at once (wall clock, 15 runs): best {twoBest:F1}, median {twoMedian:F1} GFLOP/s (2 × one core = {2 * floors.Fma256GFlops:F1})";
        Console.WriteLine("  " + twoThreads);
        Console.WriteLine();

        var results = new List<(Workload Workload, Result[] Medians)>();
        var disposables = new List<IDisposable>();
        try
        {
            foreach ((string key, Func<Workload> make) in Workloads(rounds, targetMs, scalarEpoch, disposables).Concat(QuickLeNet.Workloads(args, rounds, targetMs, disposables)).Concat(QuickBatchNorm.Workloads(rounds, targetMs)))
            {
                if (only is not null && !only.Split(',').Contains(key)) continue;
                Workload w = make();
                Console.WriteLine($"({w.Key}) {w.Name}: {w.Cases.Count} cases × {w.Rounds} rounds...");
                Result[] medians = Measure(w);
                results.Add((w, medians));
                Print(Console.Out, w, medians, floors);
                Console.WriteLine();
            }
        }
        finally
        {
            foreach (IDisposable d in disposables) d.Dispose();
        }

        if (markdown is not null)
        {
            using var writer = new StreamWriter(markdown);
            writer.WriteLine(Program.MachineSummary(floors));
            writer.WriteLine();
            writer.WriteLine(twoThreads + ".");
            writer.WriteLine();
            foreach (var (w, medians) in results) { Print(writer, w, medians, floors); writer.WriteLine(); }
            Console.WriteLine($"Markdown written to {markdown}");
        }
        return 0;
    }

    /// <summary>The workloads, built lazily so each fixture is made, self-checked and measured in turn.</summary>
    private static IEnumerable<(string Key, Func<Workload> Make)> Workloads(int rounds, double targetMs, bool scalarEpoch, List<IDisposable> disposables)
    {
        MlpSpec fashion = MlpSpec.Fashion;
        ForwardFixture<FashionMlp>? ff = null;
        ForwardFixture<FashionMlp> Fashion()
        {
            if (ff is null)
            {
                ff = new ForwardFixture<FashionMlp>(batch: 64);
                disposables.Add(ff);
                ff.SelfCheck();
                Console.WriteLine("  self-check passed: every peer's Fashion MLP outputs are within 1e-4 of NetCompiler's (batch 1 and 64)");
            }
            return ff;
        }

        yield return ("a", () =>
        {
            var f = Fashion();
            var cases = new List<Case>
            {
                new("NetCompiler", n => { for (long i = 0; i < n; i++) f.Net.Predict(f.Sample, f.Output); }),
                new("ORT IOBinding", n => { for (long i = 0; i < n; i++) f.Ort1.RunBound(); }),
                new("ORT Run (pre-allocated OrtValues)", n => { for (long i = 0; i < n; i++) f.Ort1.RunPreallocated(); }),
                new("ORT Run (plain, NamedOnnxValue)", n => { for (long i = 0; i < n; i++) f.Ort1.RunPlain(); }),
                new("TensorPrimitives (Dot per neuron)", n => { for (long i = 0; i < n; i++) f.Tp.Predict(f.Sample, f.Output); }),
                new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.Predict(f.Sample, f.Output); }),
            };
#if TORCHSHARP
            if (f.Torch is { } t) cases.Add(new("TorchSharp", n => { for (long i = 0; i < n; i++) t.Predict(f.Output); }));
#endif
            if (f.Packed is { } pk) cases.Add(new(PackedName, n => { for (long i = 0; i < n; i++) pk.Predict(f.Sample, f.Output); }));
            return new Workload("a", "Fashion MLP 784-128-10, one sample (latency)", fashion.ForwardFlops,
                fashion.ParameterBytes + 4L * fashion.InputSize, 0, cases, rounds, targetMs);
        });

        yield return ("b", () => BatchWorkload("b", "Fashion MLP, batch of 64 (throughput; time per batch)", Fashion(), allPeers: true, rounds, targetMs));

        TrainingFixture<FashionMlp>? tf = null;
        TrainingFixture<FashionMlp> Training()
        {
            if (tf is null)
            {
                tf = new TrainingFixture<FashionMlp>(withEpoch: true);
                disposables.Add(tf);
                tf.SelfCheck();
                Console.WriteLine("  self-check passed: after one SGD step every peer's parameters are within 1e-4 of NetCompiler's");
            }
            return tf;
        }

        // One step reads the weights and writes the gradients per sample, then SGD reads both and writes the weights.
        long stepFlops = TrainingFixture.Batch * fashion.TrainingFlops + 2L * fashion.ParameterCount;
        long stepL2Bytes = 4 * fashion.ParameterBytes + 4L * TrainingFixture.Batch * fashion.InputSize;
        yield return ("c", () => StepWorkload("c", "Fashion MLP, one training step on a batch of 64 (ONNX Runtime has no training here)",
            Training(), scalar: true, stepFlops, stepL2Bytes, 0, rounds, targetMs));

        yield return ("epoch", () =>
        {
            var f = Training();
            long steps = (TrainingFixture.EpochSamples + TrainingFixture.Batch - 1) / TrainingFixture.Batch;
            var cases = new List<Case>
            {
                new("NetCompiler", n => { for (long i = 0; i < n; i++) f.NetCompilerEpoch(); }),
                new("TensorPrimitives", n => { for (long i = 0; i < n; i++) f.TensorPrimitivesEpoch(); }),
            };
            cases.AddRange(TrainerEpochCases(f));
            if (scalarEpoch) cases.Add(new("scalar C#", n => { for (long i = 0; i < n; i++) f.ScalarEpoch(); }));
            AddTorchEpochCases(cases, f);
            return new Workload("epoch", "Fashion MLP, one training epoch: 60,000 synthetic samples in batches of 64, in order",
                (long)TrainingFixture.EpochSamples * fashion.TrainingFlops + steps * 2L * fashion.ParameterCount,
                steps * 4 * fashion.ParameterBytes, 4L * fashion.InputSize * TrainingFixture.EpochSamples,
                cases, Math.Max(3, rounds / 7), 0);
        });

        yield return ("d1", () => Tiny<Tiny221>("d1", rounds, targetMs, disposables));
        yield return ("d2", () => Tiny<Tiny888>("d2", rounds, targetMs, disposables));

        // A medium network, where the weights (21 MB) live in L3 and memory: PredictBatch of 64 samples. Without the
        // scalar peer (a third of a second a call), the plain Run and the packed prototype.
        yield return ("w", () =>
        {
            var f = new ForwardFixture<Wide1024>(batch: 64);
            disposables.Add(f);
            f.SelfCheck();
            return BatchWorkload("w", "MLP 1024 → 4 × 1024 ReLU → 1024, batch of 64 (throughput; time per batch)", f, allPeers: false, rounds, targetMs);
        });

        // The same medium network, one training step on a batch of 64: W, its gradient and SGD's pass over both are
        // 21 MB each, so the step streams them from L3 and memory. Without the scalar peer (seconds a step).
        TrainingFixture<Wide1024>? wf = null;
        TrainingFixture<Wide1024> WideTraining()
        {
            if (wf is null)
            {
                wf = new TrainingFixture<Wide1024>(withEpoch: true, epochSamples: WideEpochSamples);
                disposables.Add(wf);
                wf.SelfCheck();
                Console.WriteLine("  self-check passed: after one SGD step every peer's parameters are within 1e-4 of NetCompiler's");
            }
            return wf;
        }
        MlpSpec wide = MlpSpec.Wide1024;
        yield return ("wt", () => StepWorkload("wt", "MLP 1024 → 4 × 1024 ReLU → 1024, one training step on a batch of 64", WideTraining(), scalar: false,
            TrainingFixture.Batch * wide.TrainingFlops + 2L * wide.ParameterCount,
            4L * TrainingFixture.Batch * wide.InputSize, 4 * wide.ParameterBytes, rounds, targetMs));

        // The same network trained on one and on two threads, against LibTorch on one and two: a short epoch (50 batches
        // of 64, in order) through Trainer.Fit, so the two-thread figure includes the trainer's reduction of two 21 MB
        // gradients.
        yield return ("wepoch", () =>
        {
            var f = WideTraining();
            long steps = WideEpochSamples / TrainingFixture.Batch;
            var cases = TrainerEpochCases(f);
            AddTorchEpochCases(cases, f);
            return new Workload("wepoch", $"MLP 1024 → 4 × 1024 ReLU → 1024, {WideEpochSamples:N0} synthetic samples in batches of 64, in order",
                WideEpochSamples * wide.TrainingFlops + steps * 2L * wide.ParameterCount,
                4L * wide.InputSize * WideEpochSamples, steps * 4 * wide.ParameterBytes, cases, Math.Max(3, rounds / 7), 0);
        });
    }

    /// <summary>An epoch of the fixture through <see cref="Trainer{TNet}.Fit"/> on one thread, and on two (wall time).</summary>
    private static List<Case> TrainerEpochCases<TNet>(TrainingFixture<TNet> f) where TNet : class, INetwork<TNet>, IClassifier =>
    [
        new("NetCompiler Trainer.Fit, 1 thread", n => { for (long i = 0; i < n; i++) f.TrainerEpoch(1); }),
        new("NetCompiler Trainer.Fit, 2 threads", n => { for (long i = 0; i < n; i++) f.TrainerEpoch(2); }) { WallTime = true },
    ];

    /// <summary>TorchSharp's epoch of the fixture with one LibTorch thread, and with two (wall time), when it is built in.</summary>
    private static void AddTorchEpochCases<TNet>(List<Case> cases, TrainingFixture<TNet> f) where TNet : class, INetwork<TNet>, IClassifier
    {
#if TORCHSHARP
        if (f.Torch is not { } t) return;
        cases.Add(new("TorchSharp", n => { for (long i = 0; i < n; i++) t.TrainEpoch(TrainingFixture.Batch); }));
        cases.Add(new("TorchSharp, 2 threads", n =>
        {
            TorchMlp.SetThreads(2);
            try { for (long i = 0; i < n; i++) t.TrainEpoch(TrainingFixture.Batch); }
            finally { TorchMlp.SetThreads(1); }
        }) { WallTime = true });
#endif
    }

    /// <summary>Samples of workload (wepoch): 50 batches of 64 (≈ 0.5 s a pass on one thread).</summary>
    private const int WideEpochSamples = 50 * TrainingFixture.Batch;

    /// <summary>
    /// One SGD step on the fixture's batch: NetCompiler (and its ComputeGradients alone), TensorPrimitives, TorchSharp;
    /// with <paramref name="scalar"/> also the scalar peer.
    /// </summary>
    private static Workload StepWorkload<TNet>(string key, string name, TrainingFixture<TNet> f, bool scalar,
        long flops, long l2Bytes, long memoryBytes, int rounds, double targetMs)
        where TNet : class, INetwork<TNet>, IClassifier
    {
        var cases = new List<Case>
        {
            new("NetCompiler (ComputeGradients + Sgd.Step in place)", n => { for (long i = 0; i < n; i++) f.NetCompilerStep(); }),
            new("  of which NetCompiler ComputeGradients alone", n => { for (long i = 0; i < n; i++) f.Net.ComputeGradients(f.Inputs, f.Labels, f.Gradients); }),
            new("TensorPrimitives", n => { for (long i = 0; i < n; i++) f.Tp.TrainStep(f.Inputs, f.Labels, TrainingFixture.LearningRate); }),
        };
        if (scalar) cases.Add(new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.TrainStep(f.Inputs, f.Labels, TrainingFixture.LearningRate); }));
#if TORCHSHARP
        if (f.Torch is { } t) cases.Add(new("TorchSharp (cross_entropy, backward, optim.SGD)", n => { for (long i = 0; i < n; i++) t.TrainStep(); }));
#endif
        return new Workload(key, name, flops, l2Bytes, memoryBytes, cases, rounds, targetMs);
    }

    /// <summary>
    /// PredictBatch of the fixture's batch against ORT (IOBinding, pre-allocated Run), TensorPrimitives and TorchSharp;
    /// with <paramref name="allPeers"/> also ORT's plain Run, the scalar peer and the packed prototype.
    /// </summary>
    private static Workload BatchWorkload<TNet>(string key, string name, ForwardFixture<TNet> f, bool allPeers, int rounds, double targetMs)
        where TNet : class, INetwork<TNet>
    {
        TNet net = f.Net;
        var cases = new List<Case>
        {
            new("NetCompiler", n => { for (long i = 0; i < n; i++) net.PredictBatch(f.Inputs, f.Outputs); }),
            new("ORT IOBinding", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunBound(); }),
            new("ORT Run (pre-allocated OrtValues)", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunPreallocated(); }),
        };
        if (allPeers) cases.Add(new("ORT Run (plain, NamedOnnxValue)", n => { for (long i = 0; i < n; i++) f.OrtBatch.RunPlain(); }));
        cases.Add(new("TensorPrimitives (Dot per neuron)", n => { for (long i = 0; i < n; i++) f.Tp.PredictBatch(f.Inputs, f.Outputs); }));
        if (allPeers) cases.Add(new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.PredictBatch(f.Inputs, f.Outputs); }));
#if TORCHSHARP
        if (f.Torch is { } t) cases.Add(new("TorchSharp", n => { for (long i = 0; i < n; i++) t.PredictBatch(f.Outputs); }));
#endif
        if (allPeers && f.Packed is { } pk) cases.Add(new(PackedName, n => { for (long i = 0; i < n; i++) pk.PredictBatch(f.Inputs, f.Outputs); }));
        return new Workload(key, name, f.Batch * f.Spec.ForwardFlops, f.Spec.ParameterBytes + 4L * f.Inputs.Length, 0, cases, rounds, targetMs);
    }

    private static Workload Tiny<TNet>(string key, int rounds, double targetMs, List<IDisposable> disposables) where TNet : class, INetwork<TNet>
    {
        var f = new ForwardFixture<TNet>(batch: 64);
        disposables.Add(f);
        f.SelfCheck();
        TNet net = f.Net;
        var cases = new List<Case>
        {
            new("NetCompiler", n => { for (long i = 0; i < n; i++) net.Predict(f.Sample, f.Output); }),
            new("ORT IOBinding", n => { for (long i = 0; i < n; i++) f.Ort1.RunBound(); }),
            new("ORT Run (pre-allocated OrtValues)", n => { for (long i = 0; i < n; i++) f.Ort1.RunPreallocated(); }),
            new("TensorPrimitives", n => { for (long i = 0; i < n; i++) f.Tp.Predict(f.Sample, f.Output); }),
            new("scalar C#", n => { for (long i = 0; i < n; i++) f.Scalar.Predict(f.Sample, f.Output); }),
        };
#if TORCHSHARP
        if (f.Torch is { } t) cases.Add(new("TorchSharp", n => { for (long i = 0; i < n; i++) t.Predict(f.Output); }));
#endif
        if (f.Packed is { } pk) cases.Add(new(PackedName, n => { for (long i = 0; i < n; i++) pk.Predict(f.Sample, f.Output); }));
        return new Workload(key, $"tiny net {f.Spec.Name}, one sample (latency)", f.Spec.ForwardFlops, f.Spec.ParameterBytes, 0, cases, rounds, targetMs)
        {
            FloorMeaningful = false,
        };
    }

    /// <summary>Medians of one case: thread CPU time, wall time and the whole process's CPU time per operation, in ns.</summary>
    public readonly record struct Result(double CpuNs, double WallNs, double ProcessCpuNs);

    /// <summary>Median time per operation of each case; see the class remarks for the method.</summary>
    public static Result[] Measure(Workload w)
    {
        int count = w.Cases.Count;
        var n = new long[count];
        var cpu = new double[count][];
        var wall = new double[count][];
        var process = new double[count][];
        for (int c = 0; c < count; c++)
        {
            Action<long> run = w.Cases[c].Run;
            cpu[c] = new double[w.Rounds];
            wall[c] = new double[w.Rounds];
            process[c] = new double[w.Rounds];
            if (w.TargetMs <= 0)
            {
                n[c] = 1;   // long operations (an epoch): no warm-up beyond what earlier workloads did, one per repetition
                continue;
            }
            // Warm-up: at least 300 ms and 50 calls of the operation so that tier-1 (with PGO) code is in place.
            long calls = 0, batch = 1;
            long start = Clock.ThreadCpuNs();
            while (calls < 50 || Clock.ThreadCpuNs() - start < 300e6)
            {
                run(batch);
                calls += batch;
                if (Clock.ThreadCpuNs() - start < 30e6) batch *= 2;
            }
            double nsPerOp = (double)(Clock.ThreadCpuNs() - start) / calls;
            long probe = Math.Max(1, (long)(1e6 / nsPerOp));   // ~1 ms on warm code, to re-estimate
            start = Clock.ThreadCpuNs();
            run(probe);
            nsPerOp = Math.Min(nsPerOp, (double)(Clock.ThreadCpuNs() - start) / probe);
            n[c] = Math.Max(1, (long)(w.TargetMs * 1e6 / nsPerOp));
        }

        for (int r = 0; r < w.Rounds; r++)
        {
            for (int k = 0; k < count; k++)
            {
                int c = (k + r) % count;
                long wall0 = Clock.WallNs(), process0 = Clock.ProcessCpuNs(), cpu0 = Clock.ThreadCpuNs();
                w.Cases[c].Run(n[c]);
                long cpu1 = Clock.ThreadCpuNs(), process1 = Clock.ProcessCpuNs(), wall1 = Clock.WallNs();
                cpu[c][r] = (double)(cpu1 - cpu0) / n[c];
                wall[c][r] = (double)(wall1 - wall0) / n[c];
                process[c][r] = (double)(process1 - process0) / n[c];
            }
        }
        var results = new Result[count];
        for (int c = 0; c < count; c++) results[c] = new Result(Median(cpu[c]), Median(wall[c]), Median(process[c]));
        return results;
    }

    private static double Median(double[] values)
    {
        double[] sorted = (double[])values.Clone();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static void Print(TextWriter o, Workload w, Result[] medians, Floors.Measured floors)
    {
        double nc = medians[0].CpuNs;
        double floor = w.FloorNs(floors);
        o.WriteLine($"({w.Key}) {w.Name}");
        o.WriteLine($"floor: {Workload.Format(floor)} = max of {w.FloorText(floors)}{(w.FloorMeaningful ? "" : " (not a bound here: call latency rules)")}; medians of {w.Rounds} runs");
        o.WriteLine();
        o.WriteLine("| peer | median (thread CPU time) | NetCompiler / peer | time / floor | median (wall) |");
        o.WriteLine("| --- | ---: | ---: | ---: | ---: |");
        for (int c = 0; c < w.Cases.Count; c++)
        {
            Result m = medians[c];
            bool wall = w.Cases[c].WallTime;
            double time = wall ? m.WallNs : m.CpuNs;
            string ratio = c == 0 ? "1" : (nc / time).ToString("F2", CultureInfo.InvariantCulture);
            string overFloor = w.FloorMeaningful ? (time / floor).ToString("F1", CultureInfo.InvariantCulture) : "–";
            string shown = wall ? $"**{Workload.Format(m.WallNs)} (wall)**; process CPU {Workload.Format(m.ProcessCpuNs)}" : Workload.Format(m.CpuNs);
            o.WriteLine($"| {w.Cases[c].Peer} | {shown} | {ratio} | {overFloor} | {Workload.Format(m.WallNs)} |");
        }
        if (w.Cases.Any(c => c.WallTime))
        {
            o.WriteLine();
            o.WriteLine("Rows marked (wall) run on more than one thread: the calling thread's CPU time would leave out the other threads'");
            o.WriteLine("work, so their first column, ratio and time / floor are wall time (which counts any wait for a core on a busy machine;");
            o.WriteLine("the floor is one core's). \"process CPU\" is the CPU time of all the process's threads (helpers, their spinning");
            o.WriteLine("while they wait, GC and JIT included): on two otherwise idle cores the wall time would be about half of it.");
        }
    }

    internal static int IntOption(string[] args, string name, int fallback)
    {
        string? v = StringOption(args, name);
        return v is null ? fallback : int.Parse(v, CultureInfo.InvariantCulture);
    }

    internal static string? StringOption(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
