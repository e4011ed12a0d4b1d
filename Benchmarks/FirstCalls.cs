using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Benchmarks -- --first-calls [--runs 9] [--calls 100] [--only mlp-predict,...] [--against OTHER.dll,...]</c>:
/// what the first calls after process start-up cost, against the same calls at steady state.
/// <para>
/// Each measurement is a fresh process (this program started again with <c>--first-calls-child WORKLOAD</c>), so the
/// generated code has never been compiled when the first call starts: the first <c>--calls</c> calls are timed one by
/// one, then the workload runs for <see cref="SteadyWarmup"/> more (long enough for tiered compilation to finish), and
/// the same number of calls is timed again as the steady state. The parent runs the workloads round-robin and reports
/// medians over the runs. Wall time throughout: JIT compilation on a background thread is part of what a user waits for.
/// </para>
/// </summary>
public static class FirstCalls
{
    /// <summary>How long a child keeps calling after the first calls before it measures the steady state.</summary>
    private static readonly TimeSpan SteadyWarmup = TimeSpan.FromSeconds(2);

    /// <summary>One workload: a name, what it does, and a factory that builds its inputs and returns one call.</summary>
    private sealed record Workload(string Key, string Description, Func<Action> Make);

    private static readonly Workload[] Workloads =
    [
        new("mlp-predict", "Fashion MLP Predict, 1 sample", () =>
        {
            var net = new FashionMlp();
            float[] x = Inputs(FashionMlp.InputSize, 1), y = new float[FashionMlp.OutputSize];
            return () => net.Predict(x, y);
        }),
        new("mlp-predictbatch", "Fashion MLP PredictBatch, 256 samples", () =>
        {
            const int batch = 256;
            var net = new FashionMlp();
            float[] x = Inputs(FashionMlp.InputSize, batch), y = new float[FashionMlp.OutputSize * batch];
            return () => net.PredictBatch(x, y);
        }),
        new("mlp-gradients", "Fashion MLP ComputeGradients, 64 samples", () =>
        {
            const int batch = 64;
            var net = new FashionMlp();
            float[] x = Inputs(FashionMlp.InputSize, batch), g = new float[FashionMlp.ParameterCount];
            int[] labels = Labels(batch, FashionMlp.OutputSize);
            return () => net.ComputeGradients(x, labels, g);
        }),
        new("lenet-gradients", "LeNet-5 ComputeGradients, 32 samples", () =>
        {
            const int batch = 32;
            var net = new LeNet5();
            float[] x = Inputs(LeNet5.InputSize, batch), g = new float[LeNet5.ParameterCount];
            int[] labels = Labels(batch, LeNet5.OutputSize);
            return () => net.ComputeGradients(x, labels, g);
        }),
    ];

    private static float[] Inputs(int size, int batch)
    {
        var rng = new SplitMix64(7, size);
        var x = new float[size * batch];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        return x;
    }

    private static int[] Labels(int batch, int classes) => Enumerable.Range(0, batch).Select(i => i % classes).ToArray();

    /// <summary>The child: times the first <paramref name="calls"/> calls, then the same number at steady state, and
    /// prints one line "RESULT key firstCallMs firstCallsMs steadyCallsMs".</summary>
    public static int Child(string key, int calls)
    {
        Workload w = Workloads.Single(w => w.Key == key);
        Action call = w.Make();
        var each = new double[calls];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            call();
            each[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        double first = Stopwatch.GetElapsedTime(start).TotalMilliseconds;

        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < SteadyWarmup) { call(); Thread.Yield(); }

        long s0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++) call();
        double steady = Stopwatch.GetElapsedTime(s0).TotalMilliseconds;

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {key} {each[0]:F4} {first:F4} {steady:F4}"));
        return 0;
    }

    public static int Run(string[] args)
    {
        int runs = Quick.IntOption(args, "--runs", 9);
        int calls = Quick.IntOption(args, "--calls", 100);
        string? only = Quick.StringOption(args, "--only");
        Workload[] chosen = Workloads.Where(w => only is null || only.Split(',').Contains(w.Key)).ToArray();

        // The builds to start: this one, and any given with --against (other builds of this program, e.g. before a
        // change, or built with -p:BenchmarksOptimize=false to see what a Debug build of the networks costs).
        string self = typeof(FirstCalls).Assembly.Location;
        string[] builds = [self, .. (Quick.StringOption(args, "--against")?.Split(',') ?? [])];

        var results = new Dictionary<(string Build, string Key), List<(double First, double FirstCalls, double Steady)>>();
        Console.WriteLine($"{runs} fresh processes per workload and build, first {calls} calls against {calls} calls after " +
                          $"{SteadyWarmup.TotalSeconds:F0} s of warm-up (wall time); builds, run in turn:");
        for (int b = 0; b < builds.Length; b++) Console.WriteLine($"  [{b}] {builds[b]}");
        for (int r = 0; r < runs; r++)
        {
            foreach (Workload w in chosen)
                foreach (string build in builds)
                {
                    if (!results.TryGetValue((build, w.Key), out var list)) results[(build, w.Key)] = list = [];
                    list.Add(StartChild(build, w.Key, calls));
                }
            Console.Write($"\r  run {r + 1}/{runs}");
        }
        Console.WriteLine();
        Console.WriteLine();
        Console.WriteLine($"| workload | build | first call | first {calls} calls | {calls} calls, steady state | first {calls} / steady |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (Workload w in chosen)
            for (int b = 0; b < builds.Length; b++)
            {
                var list = results[(builds[b], w.Key)];
                double first = Median(list.Select(x => x.First)), firstCalls = Median(list.Select(x => x.FirstCalls));
                double steady = Median(list.Select(x => x.Steady)), ratio = Median(list.Select(x => x.FirstCalls / x.Steady));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {w.Description} | [{b}] | {first:F2} ms | {firstCalls:F1} ms | {steady:F2} ms | {ratio:F2}× |"));
            }
        Console.WriteLine("(medians over the runs; the last column is the median of each run's own ratio)");
        return 0;
    }

    /// <summary>Starts <paramref name="build"/> (a NetCompiler.Benchmarks.dll) as a first-calls child and parses its result.</summary>
    private static (double First, double FirstCalls, double Steady) StartChild(string build, string key, int calls)
    {
        // The same host as this process (dotnet, with the same runtime settings in the environment).
        var psi = new ProcessStartInfo(Environment.ProcessPath ?? "dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        if (!Path.GetFileNameWithoutExtension(psi.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            psi.FileName = "dotnet";   // started through the apphost: run the dll with dotnet instead
        foreach (string a in new[] { build, "--first-calls-child", key, "--calls", calls.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        using Process child = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
            throw new InvalidOperationException($"the child {build} {key} failed (exit {child.ExitCode}):\n{output}");
        double[] v = line.Split(' ').Skip(2).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return (v[0], v[1], v[2]);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] a = values.OrderBy(v => v).ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
