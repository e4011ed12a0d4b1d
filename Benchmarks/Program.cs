using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using NetCompiler.Benchmarks.Peers;

namespace NetCompiler.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Benchmarks -- --quick</c>: the Stopwatch comparison of every workload (seconds).
/// <c>dotnet run -c Release --project Benchmarks -- --filter *</c>: the BenchmarkDotNet suites (any BenchmarkSwitcher arguments;
/// add <c>--inprocess</c> to run them in this process, which torchsharp.sh does).
/// <c>dotnet run -c Release --project Benchmarks -- --build-time [--dotnet-build]</c>: what generating and compiling a network costs.
/// <c>dotnet run -c Release --project Benchmarks -- --compare OLD.dll self [--network FashionMlp]</c>: two builds side by side (<see cref="Compare"/>).
/// <c>dotnet run -c Release --project Benchmarks -- --first-calls [--runs 9]</c>: the first 100 calls after start-up against steady state (<see cref="FirstCalls"/>).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        // A first-calls child measures from process start-up: nothing else runs before it (see FirstCalls).
        if (args.Length >= 2 && args[0] == "--first-calls-child") return FirstCalls.Child(args[1], Quick.IntOption(args, "--calls", 100));
        Console.WriteLine(MachineSummary(null));
        Console.WriteLine();
        if (args.Contains("--machine")) return 0;   // the summary alone: which instruction sets .NET uses here (.ci/run)
        if (args.Contains("--quick")) return Quick.Run(args);
        if (args.Contains("--build-time")) return BuildTime.Run(args);
        if (args.Contains("--compare")) return Compare.Run(args);
        if (args.Contains("--first-calls")) return FirstCalls.Run(args);

        IConfig config = DefaultConfig.Instance;
        if (args.Contains("--inprocess"))
        {
            config = config.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).AsDefault());
            args = args.Where(a => a != "--inprocess").ToArray();
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return 0;
    }

    /// <summary>The machine, the instruction sets .NET uses on it, and the versions of everything compared.</summary>
    public static string MachineSummary(Floors.Measured? floors)
    {
        string cpu = "unknown CPU", flags = "";
        if (File.Exists("/proc/cpuinfo"))
        {
            string[] lines = File.ReadAllLines("/proc/cpuinfo");
            cpu = lines.FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu;
            string[] all = lines.FirstOrDefault(l => l.StartsWith("flags"))?.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? [];
            string[] wanted = ["sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile"];
            flags = string.Join(' ', wanted.Select(f => all.Contains(f) ? f : $"-{f}"));
        }
        string torch =
#if TORCHSHARP
            TorchPeer.Failure is null ? "built in (loaded on first use)" : $"failed: {TorchPeer.Failure}";
#else
            "not built in (see torchsharp.sh)";
#endif
        var lines2 = new[]
        {
            $"date: {DateTime.Now:yyyy-MM-dd HH:mm zzz}",
            $"machine: {cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}",
            $"cpu flags (- = absent): {flags}",
            $".NET {Environment.Version}: Vector128 {Vector128.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, " +
                $"Vector512 {Vector512.IsHardwareAccelerated}; Avx2 {Avx2.IsSupported}, Fma {Fma.IsSupported}, Avx512F {Avx512F.IsSupported}, AvxVnni {AvxVnni.IsSupported}",
            $"peers: ONNX Runtime {OrtMlp.Version} (CPU, 1 thread); System.Numerics.Tensors {typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.GetName().Version}; TorchSharp: {torch}",
        };
        string summary = string.Join(Environment.NewLine, lines2);
        if (floors is not null)
            summary += Environment.NewLine + $"floors (one core): FMA {floors.Fma256GFlops:F1} GFLOP/s (Vector256)" +
                       (floors.Fma512GFlops is { } f ? $", {f:F1} GFLOP/s (Vector512)" : ", Vector512 not accelerated") +
                       $"; read {floors.L2GBps:F1} GB/s from L2 ({Floors.L2Bytes / 1024} KiB), {floors.MemoryGBps:F1} GB/s from memory ({Floors.MemoryBytes >> 20} MiB)";
        return summary;
    }
}
