using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.Loader;

namespace NetCompiler.Benchmarks;

/// <summary>
/// <c>--compare OLD.dll [NEW.dll …] [--network LeNet5|FashionMlp|Wide1024|LeNet5BatchNorm] [--rounds N]</c>: the same network from two or more builds of
/// this assembly (e.g. the previous commit's, built into another directory, and this one: <c>self</c>), timed in one process
/// in alternating rounds. This machine's speed drifts by 10–50% over seconds (other tenants share its cores), which
/// swamps a change of a few percent between two runs of the quick mode; within one round every build sees the same
/// machine, so the median of the per-round ratios is a fair comparison even when the medians of the times are not.
/// </summary>
/// <remarks>
/// Each build is loaded into its own <see cref="AssemblyLoadContext"/> and shares this process's NetCompiler.Runtime, so the
/// builds must agree on the runtime's API. Workloads: a training step (<c>ComputeGradients</c> on 64 samples),
/// <c>PredictBatch</c> of 64 and <c>Predict</c> of one sample. With <c>--bits</c>, nothing is timed: each build's outputs,
/// gradients and loss are compared bit for bit with the first build's, for batches of 2, 5, 64 and 100 samples (the exit
/// code is the number of batches that differ).
/// </remarks>
public static class Compare
{
    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--compare");
        var builds = args.Skip(at + 1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
        if (builds.Count == 0)
        {
            Console.Error.WriteLine("--compare needs the paths of NetCompiler.Benchmarks.dll builds (or 'self' for this one).");
            return 2;
        }
        string network = Quick.StringOption(args, "--network") ?? "LeNet5";
        int rounds = Quick.IntOption(args, "--rounds", 101);
        if (rounds < 1)
        {
            Console.Error.WriteLine($"--rounds must be positive, not {rounds}.");
            return 2;
        }
        if (network is not ("LeNet5" or "FashionMlp" or "Wide1024" or "LeNet5BatchNorm"))
        {
            Console.Error.WriteLine($"--network must be LeNet5, FashionMlp, Wide1024 or LeNet5BatchNorm, not '{network}'.");
            return 2;
        }
        var nets = new List<IClassifier>();
        foreach (string build in builds)
        {
            if (build != "self" && !File.Exists(build))
            {
                Console.Error.WriteLine($"No such build: '{build}'.");
                return 2;
            }
            nets.Add(Load(build, network));
        }

        const int batch = 64;
        bool wide = network == "Wide1024";
        int inputSize = wide ? Wide1024.InputSize : 784, outputSize = wide ? Wide1024.OutputSize : 10;
        if (args.Contains("--bits")) return SameBits(network, builds, nets, inputSize, outputSize);
        float[] x = SyntheticData.Inputs(batch * inputSize, 3);
        int[] labels = SyntheticData.Labels(batch, outputSize, 4);
        var outputs = new float[batch * outputSize];
        var gradients = nets.Select(n => new float[n.Parameters.Length]).ToArray();
        var workloads = new (string Name, int Reps, Action<int> Call)[]
        {
            ("training step, 64 samples", network switch { "LeNet5" => 5, "Wide1024" or "LeNet5BatchNorm" => 1, _ => 20 }, k => nets[k].ComputeGradients(x, labels, gradients[k])),
            ("PredictBatch, 64 samples", network switch { "LeNet5" => 10, "Wide1024" or "LeNet5BatchNorm" => 2, _ => 40 }, k => nets[k].PredictBatch(x, outputs)),
            ("Predict, 1 sample", network switch { "LeNet5" => 500, "Wide1024" => 20, "LeNet5BatchNorm" => 100, _ => 2000 }, k => nets[k].Predict(x.AsSpan(0, inputSize), outputs.AsSpan(0, outputSize))),
        };
        Console.WriteLine($"{network}: {builds.Count} builds, {rounds} alternating rounds per workload; ratio = time ÷ the first build's in the same round");
        foreach (var (name, reps, call) in workloads)
        {
            // Past tiered compilation's delays and on-stack replacement: 3 s and at least 200 calls of each build (a
            // Wide1024 training step is called ~130 times in 3 s, and its kernels were not all at tier 1 by then).
            var warm = Stopwatch.StartNew();
            for (int calls = 0; warm.ElapsedMilliseconds < 3000 || calls < 200; calls++)
                for (int k = 0; k < nets.Count; k++) call(k);
            var times = nets.Select(_ => new double[rounds]).ToArray();
            for (int round = 0; round < rounds; round++)
                for (int k = 0; k < nets.Count; k++)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int i = 0; i < reps; i++) call(k);
                    times[k][round] = Stopwatch.GetElapsedTime(start).TotalMicroseconds / reps;
                }
            Console.WriteLine();
            Console.WriteLine($"{name}");
            Console.WriteLine("| build | min | median | ratio: median (q1, q3) |");
            Console.WriteLine("| --- | ---: | ---: | --- |");
            for (int k = 0; k < nets.Count; k++)
            {
                double[] sorted = times[k].Order().ToArray();
                double[] ratios = Enumerable.Range(0, rounds).Select(i => times[k][i] / times[0][i]).Order().ToArray();
                Console.WriteLine($"| {builds[k]} | {sorted[0]:F2} µs | {sorted[rounds / 2]:F2} µs | {ratios[rounds / 2]:F3} ({ratios[rounds / 4]:F3}, {ratios[3 * rounds / 4]:F3}) |");
            }
        }
        return 0;
    }

    /// <summary>Whether every build computes the first build's bits: outputs of <c>PredictBatch</c>, gradients and loss.</summary>
    private static int SameBits(string network, List<string> builds, List<IClassifier> nets, int inputSize, int outputSize)
    {
        int differing = 0;
        foreach (int batch in new[] { 2, 5, 64, 100 })
        {
            float[] x = SyntheticData.Inputs(batch * inputSize, batch);
            int[] labels = SyntheticData.Labels(batch, outputSize, batch + 1);
            var results = nets.Select(net =>
            {
                var outputs = new float[batch * outputSize];
                net.PredictBatch(x, outputs);
                var gradients = new float[net.Parameters.Length];
                float loss = net.ComputeGradients(x, labels, gradients);
                return (Outputs: outputs, Gradients: gradients, Loss: BitConverter.SingleToInt32Bits(loss));
            }).ToList();
            for (int k = 1; k < nets.Count; k++)
            {
                int outputs = results[k].Outputs.Zip(results[0].Outputs).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
                int gradients = results[k].Gradients.Zip(results[0].Gradients).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
                bool same = outputs == 0 && gradients == 0 && results[k].Loss == results[0].Loss;
                if (!same) differing++;
                Console.WriteLine(same
                    ? $"{network}, batch of {batch}: {builds[k]} gives the bits of {builds[0]}"
                    : $"{network}, batch of {batch}: {builds[k]} differs from {builds[0]} in {outputs} outputs, {gradients} gradients{(results[k].Loss == results[0].Loss ? "" : " and the loss")}");
            }
        }
        return differing;
    }

    private static IClassifier Load(string build, string network)
    {
        System.Reflection.Assembly assembly;
        if (build == "self") assembly = typeof(Compare).Assembly;
        else
        {
            string path = Path.GetFullPath(build);
            var context = new AssemblyLoadContext(path);
            // Everything but the build itself (the runtime, BCL) comes from this process, so interfaces are the same types.
            context.Resolving += (_, name) => AssemblyLoadContext.Default.LoadFromAssemblyName(name);
            assembly = context.LoadFromAssemblyPath(path);
        }
        // The benchmarks' own networks, or one linked in from a sample (LeNet-5 is declared once, in Samples/LeNet5).
        Type type = assembly.GetType($"NetCompiler.Benchmarks.{network}")
            ?? LoadableTypes(assembly).SingleOrDefault(t => t.Name == network && typeof(IClassifier).IsAssignableFrom(t))
            ?? throw new InvalidOperationException($"{build} has no network class named {network}.");
        return (IClassifier)Activator.CreateInstance(type, 1)!;
    }

    /// <summary>
    /// The types of a build that load against this process's runtime: an older build's networks may lack a member that
    /// a runtime interface has gained since, which fails only those types.
    /// </summary>
    private static IEnumerable<Type> LoadableTypes(System.Reflection.Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (System.Reflection.ReflectionTypeLoadException e)
        {
            return e.Types.Where(t => t is not null)!;
        }
    }
}
