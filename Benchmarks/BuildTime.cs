using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetCompiler.Generator;

namespace NetCompiler.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project Benchmarks -- --build-time [--runs 7] [--dotnet-build]</c>: how long NetCompiler
/// adds to a build. In process, with Roslyn (the version the generator is built against) and the generator assembly:
/// (1) parse the network's source and create the compilation (against the .NET reference pack, as a build does),
/// (2) run <see cref="NetworkGenerator"/> through <see cref="CSharpGeneratorDriver"/>, (3) compile and emit the
/// result (Release). "Cold" is the first run in a fresh process (JIT of Roslyn and of the generator included; each cold
/// figure comes from its own child process); "warm" is the median of the next runs in one process. The same is timed
/// for the class without layer attributes (nothing generated), the fixed cost of any compilation. With
/// <c>--dotnet-build</c> it also times incremental <c>dotnet build</c>s of small projects holding only one network.
/// </summary>
public static class BuildTime
{
    /// <summary>The networks timed: LeNet-5 (as in Samples/LeNet5) and a 5-layer, 1024-wide MLP; and an empty class.</summary>
    public static readonly (string Key, string Name, string Source)[] Networks =
    [
        ("lenet", "LeNet-5", LeNetSpec.Declaration),
        ("mlp1024", "MLP 1024 → 4 × Dense(1024, ReLU) → Dense(1024), softmax CE (5 dense layers, all 1024 wide)", """
            using NetCompiler;
            namespace BuildTimeProbe;
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1024)]
            [Dense(1024, Activation.ReLU)]
            [Dense(1024, Activation.ReLU)]
            [Dense(1024, Activation.ReLU)]
            [Dense(1024, Activation.ReLU)]
            [Dense(1024)]
            public partial class Net { }
            """),
        ("empty", "empty class (no attributes: nothing generated)", """
            using NetCompiler;
            namespace BuildTimeProbe;
            public partial class Net { }
            """),
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>Times of one run, in ms, and what it produced.</summary>
    public readonly record struct Sample(double ParseMs, double GenerateMs, double EmitMs, double CpuMs, int GeneratedChars, int GeneratedLines, int PeBytes)
    {
        public double TotalMs => ParseMs + GenerateMs + EmitMs;
    }

    public static int Run(string[] args)
    {
        int childIndex = Array.IndexOf(args, "--build-time-child");
        if (childIndex >= 0)
        {
            // One cold run in this fresh process; the parent parses the line.
            Sample s = Once(Networks.Single(n => n.Key == args[childIndex + 1]).Source);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"COLD {s.ParseMs} {s.GenerateMs} {s.EmitMs} {s.CpuMs} {s.GeneratedChars} {s.GeneratedLines} {s.PeBytes}"));
            return 0;
        }

        int runs = Math.Max(3, IntOption(args, "--runs", 7));
        _ = References.Value;
        Console.WriteLine($"Roslyn {typeof(CSharpCompilation).Assembly.GetName().Version}; references: {ReferenceSource}");
        Console.WriteLine($"Each cold figure: the first run in a new process ({Environment.ProcessPath} --build-time-child KEY). " +
                          $"Warm: median of {runs} runs after one discarded, in this process. Wall times; 'CPU' is the process's CPU time over the whole run (Roslyn compiles method bodies in parallel).");
        Console.WriteLine();
        Console.WriteLine("| network | run | parse + compilation | generator | compile + emit (Release) | total (wall) | process CPU | generated C# | IL assembly |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (key, name, source) in Networks)
        {
            Sample? cold = ColdInChild(key);
            if (cold is { } c) Console.WriteLine(Row(name, "cold (new process)", c));
            Once(source);   // not counted: the first in-process run of this network
            var samples = new List<Sample>();
            for (int r = 0; r < runs; r++) samples.Add(Once(source));
            Sample median = new(
                Median(samples.Select(s => s.ParseMs)), Median(samples.Select(s => s.GenerateMs)), Median(samples.Select(s => s.EmitMs)),
                Median(samples.Select(s => s.CpuMs)), samples[0].GeneratedChars, samples[0].GeneratedLines, samples[0].PeBytes);
            Console.WriteLine(Row(name, $"warm (median of {runs})", median, Median(samples.Select(s => s.TotalMs))));
        }

        if (args.Contains("--dotnet-build")) DotnetBuild(IntOption(args, "--build-runs", 5));
        return 0;
    }

    private static string Row(string name, string run, Sample s, double? total = null) =>
        $"| {name} | {run} | {s.ParseMs:F0} ms | {s.GenerateMs:F0} ms | {s.EmitMs:F0} ms | {total ?? s.TotalMs:F0} ms | {s.CpuMs:F0} ms | " +
        $"{s.GeneratedChars / 1024.0:N0} KiB, {s.GeneratedLines:N0} lines | {s.PeBytes / 1024.0:N0} KiB |";

    private static Sample? ColdInChild(string key)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, ["--build-time", "--build-time-child", key])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using Process child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        string? line = output.Split('\n').FirstOrDefault(l => l.StartsWith("COLD ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            Console.WriteLine($"(cold run of {key} failed, exit code {child.ExitCode})");
            return null;
        }
        double[] v = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new Sample(v[0], v[1], v[2], v[3], (int)v[4], (int)v[5], (int)v[6]);
    }

    /// <summary>One run of the three phases on <paramref name="source"/>; throws if anything reports an error.</summary>
    public static Sample Once(string source)
    {
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long t0 = Stopwatch.GetTimestamp();
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "Net.cs");
        var compilation = CSharpCompilation.Create("BuildTimeProbe", [tree], References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                nullableContextOptions: NullableContextOptions.Enable, deterministic: true));
        long t1 = Stopwatch.GetTimestamp();

        GeneratorDriver driver = CSharpGeneratorDriver.Create([new NetworkGenerator().AsSourceGenerator()], parseOptions: ParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        long t2 = Stopwatch.GetTimestamp();

        using var pe = new MemoryStream();
        var emit = output.Emit(pe);
        long t3 = Stopwatch.GetTimestamp();
        TimeSpan cpu1 = Process.GetCurrentProcess().TotalProcessorTime;

        var errors = generatorDiagnostics.Concat(emit.Diagnostics).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emit.Success || errors.Count > 0)
            throw new InvalidOperationException("The probe does not compile:\n" + string.Join("\n", errors.Take(10)));
        var generated = driver.GetRunResult().GeneratedTrees.Select(t => t.GetText()).ToList();
        return new Sample(Ms(t1 - t0), Ms(t2 - t1), Ms(t3 - t2), (cpu1 - cpu0).TotalMilliseconds,
            generated.Sum(t => t.Length), generated.Sum(t => t.Lines.Count), (int)pe.Length);
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    private static string ReferenceSource = "";

    /// <summary>The reference assemblies a build compiles against (Microsoft.NETCore.App.Ref next to this runtime, the
    /// newest version), else the running runtime's assemblies; plus NetCompiler.Runtime.</summary>
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        string runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;                   // …/shared/Microsoft.NETCore.App/10.0.x
        string packs = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
        string? refDir = Directory.Exists(packs)
            ? Directory.GetDirectories(packs).Select(d => Path.Combine(d, "ref", $"net{Environment.Version.Major}.0"))
                .Where(Directory.Exists).OrderBy(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out var v) ? v : new Version())
                .LastOrDefault()
            : null;
        string dir = refDir ?? runtimeDir;
        ReferenceSource = refDir is null ? $"runtime assemblies in {runtimeDir}" : $"reference pack {refDir}";
        return Directory.GetFiles(dir, "*.dll")
            .Where(p => refDir is not null || !Path.GetFileName(p).StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(INetwork).Assembly.Location))
            .ToArray();
    });

    /// <summary>
    /// Wall time of incremental <c>dotnet build -c Release --no-restore</c> of three small projects (one source file
    /// each: LeNet-5, the 1024-wide MLP, the empty class), each referencing NetCompiler.Runtime and the generator as
    /// project references: one build to restore and warm up, then <paramref name="runs"/> builds each after editing the
    /// source file (a comment with a counter), so the compiler and the generator run again every time.
    /// </summary>
    private static void DotnetBuild(int runs)
    {
        string repo = FindRepository();
        string root = Path.Combine(Path.GetTempPath(), "nc-buildtime");
        Console.WriteLine();
        Console.WriteLine($"dotnet build (incremental, after editing the network's file): projects in {root}, referencing {repo}");
        Console.WriteLine($"compiler server: UseSharedCompilation={Environment.GetEnvironmentVariable("UseSharedCompilation") ?? "(unset: on)"}, " +
                          $"MSBUILDDISABLENODEREUSE={Environment.GetEnvironmentVariable("MSBUILDDISABLENODEREUSE") ?? "(unset)"}");
        Console.WriteLine("| project | first build (restore + all), wall | incremental build, wall: median (min–max) | incremental build, CPU of the process tree: median (min–max) |");
        Console.WriteLine("| --- | ---: | ---: | ---: |");
        foreach (var (key, name, source) in Networks)
        {
            string dir = Path.Combine(root, key);
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "Probe.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <ProjectReference Include="{repo}/Runtime/NetCompiler.Runtime.csproj" />
                    <ProjectReference Include="{repo}/Generator/NetCompiler.Generator.csproj" OutputItemType="Analyzer" ReferenceOutputAssembly="false" />
                  </ItemGroup>
                </Project>
                """);
            string file = Path.Combine(dir, "Net.cs");
            File.WriteAllText(file, source + "\n// edit 0\n");
            double first = Build(dir, restore: true).WallMs;
            var wall = new List<double>();
            var cpu = new List<double>();
            for (int r = 1; r <= runs; r++)
            {
                File.WriteAllText(file, source + $"\n// edit {r}\n");
                var (w, c) = Build(dir, restore: false);
                wall.Add(w);
                if (c is { } cc) cpu.Add(cc);
            }
            Console.WriteLine($"| {name} | {first / 1000:F2} s | {Median(wall) / 1000:F2} s ({wall.Min() / 1000:F2}–{wall.Max() / 1000:F2}) | " +
                              (cpu.Count > 0 ? $"{Median(cpu) / 1000:F2} s ({cpu.Min() / 1000:F2}–{cpu.Max() / 1000:F2})" : "–") + " |");
        }
        Console.WriteLine($"command: cd {root}/KEY && dotnet build -c Release --no-restore -nologo -v:q (wall time; CPU time from /usr/bin/time -f '%e %U %S')");
    }

    /// <summary>One <c>dotnet build</c>: wall ms and, where <c>/usr/bin/time</c> exists, the CPU ms (user + system) of the
    /// build's process tree (MSBuild nodes and csc are children that exit when node reuse and the compiler server are off).</summary>
    private static (double WallMs, double? CpuMs) Build(string dir, bool restore)
    {
        var args = new List<string> { "build", "-c", "Release", "-nologo", "-v:q", "-clp:ErrorsOnly" };
        if (!restore) args.Add("--no-restore");
        bool timed = File.Exists("/usr/bin/time");
        var info = timed
            ? new ProcessStartInfo("/usr/bin/time", new[] { "-f", "TIME %e %U %S", "dotnet" }.Concat(args))
            : new ProcessStartInfo("dotnet", args);
        info.WorkingDirectory = dir;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        long t0 = Stopwatch.GetTimestamp();
        using Process p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        double ms = Ms(Stopwatch.GetTimestamp() - t0);
        if (p.ExitCode != 0) throw new InvalidOperationException($"dotnet build failed in {dir}:\n{output}\n{stderr.Result}");
        string? line = stderr.Result.Split('\n').LastOrDefault(l => l.StartsWith("TIME ", StringComparison.Ordinal));
        double? cpu = null;
        if (line is not null)
        {
            double[] v = line.Split(' ').Skip(1).Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            cpu = (v[1] + v[2]) * 1000;
        }
        return (ms, cpu);
    }

    private static string FindRepository()
    {
        for (string? d = AppContext.BaseDirectory; d is not null; d = Path.GetDirectoryName(d))
            if (File.Exists(Path.Combine(d, "Runtime", "NetCompiler.Runtime.csproj"))) return d.TrimEnd('/');
        for (string? d = Directory.GetCurrentDirectory(); d is not null; d = Path.GetDirectoryName(d))
            if (File.Exists(Path.Combine(d, "Runtime", "NetCompiler.Runtime.csproj"))) return d.TrimEnd('/');
        throw new InvalidOperationException("Run from inside the repository: the dotnet build probes reference its Runtime and Generator projects.");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.OrderBy(v => v).ToArray();
        int m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    private static int IntOption(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
