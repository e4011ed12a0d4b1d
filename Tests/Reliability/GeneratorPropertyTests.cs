using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using CsCheck;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Generated;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Reliability;

/// <summary>One random model declaration: the input, the layers as attribute text, the loss and the class shape.</summary>
public sealed record Declaration(string Input, string[] Layers, int Loss, int ClassShape)
{
    /// <summary>The class shapes a user can write, {0} the attributes; each is supported or refused with an NC diagnostic.</summary>
    public static readonly string[] ClassShapes =
    {
        "{0} public partial class Net { }",
        "{0} internal sealed partial class Net { }",
        "public partial class Outer { {0} public partial class Net { } }",
        "public partial record struct Outer { {0} private partial class Net { } }",
        "{0} public class Net { }",
        "{0} public partial class Net(int label) { public int Label => label; }",
        "{0} file partial class Net { }",
        "{0} public partial record Net { }",
        "{0} public partial class Net<T> { }",
        "{0} public static partial class Net { }",
        "{0} public abstract partial class Net { }",
        "{0} public partial class Net : Base { }\n[Network] [Input(2)] [Dense(1)] public partial class Base { }",
        "{0} public partial class Net : Base { }\npublic class Base { public void Predict() { } }",
        "{0} public partial class Net { private int _start = 1; public int Start => _start; }",
        "{0} public partial class Net { public Net(int seed) { } }",
        "{0} public partial class GeneratedKernels { }",
        "{0} public partial class Layer1Weights { }",
        "using D = NetCompiler.DenseAttribute;\n{0} public partial class Net { }",
    };

    public string Source =>
        "using NetCompiler;\nnamespace Models;\n"
        + ClassShapes[ClassShape].Replace("{0}", $"[Network(Loss = (Loss)({Loss}))] [{Input}] {string.Concat(Layers.Select(l => "[" + l + "] "))}");

    public override string ToString() => Source.Replace("\n", " ");
}

/// <summary>
/// Random model declarations through the generator, as users' mistakes would come: sizes from 0 to int.MaxValue and
/// products past it, undefined enum values, every class shape. For each, the generator finishes in bounded time and
/// memory without an exception, and the compilation has no errors or NC diagnostics only. A sample of the valid ones
/// is built and gradient-checked against finite differences. The generator is the same on every instruction-set
/// path; only the gradient checks depend on it.
/// </summary>
public class GeneratorPropertyTests
{
    /// <summary>
    /// Random declarations per run: 2,000 on the default instruction-set path; 200 where CI turns AVX-512 or AVX2 off
    /// (the generator does not depend on the machine, so the full run there would repeat the same work).
    /// </summary>
    public static int Cases => Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0"
        || Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0" ? 200 : 2000;

    /// <summary>The seed of each run is printed; a failure prints its seed and shrunk declaration, which go into
    /// <c>GeneratorRegressions.txt</c> and are checked on every run by <see cref="Regressions_build_or_give_NC_diagnostics"/>.</summary>
    private const long MaxMillisecondsPerCase = 20_000;

    private const long MaxBytesPerCase = 2L << 30;

    private readonly ITestOutputHelper _output;

    public GeneratorPropertyTests(ITestOutputHelper output) => _output = output;

    private static readonly Gen<int> Size = Gen.Frequency(
        (12, Gen.Int[1, 9]),
        (3, Gen.Int[10, 300]),
        (1, Gen.Int[0, int.MaxValue]),
        (1, Gen.Int[-3, 0]),
        (2, Gen.OneOf(int.MaxValue, int.MaxValue - 1, 1 << 30, 46341, 65536, 1 << 20, 2049)));

    private static readonly Gen<int> Activation = Gen.Frequency((10, Gen.Int[0, 3]), (1, Gen.Int[-2, 40]));

    private static readonly Gen<string> Dense =
        Gen.Select(Size, Activation, Gen.Bool, (units, a, bias) => $"Dense({units}, (Activation)({a}){(bias ? "" : ", Bias = false")})");

    private static readonly Gen<int> Small = Gen.Frequency((10, Gen.Int[1, 5]), (1, Size));

    private static readonly Gen<string> Conv =
        Gen.Select(Small, Small, Gen.Frequency((6, Gen.Const(1)), (1, Small)), Gen.Frequency((6, Gen.Const(0)), (1, Size)), Activation,
            (filters, kernel, stride, padding, a) => $"Conv2D({filters}, {kernel}, (Activation)({a}), Stride = {stride}, Padding = {padding})");

    private static readonly Gen<string> Pool =
        Gen.Select(Gen.Bool, Small, Gen.Frequency((4, Gen.Const(0)), (1, Size)),
            (max, size, stride) => $"{(max ? "Max" : "Avg")}Pool2D({size}, Stride = {stride})");

    private static readonly Gen<string> Input = Gen.Frequency(
        (3, Size.Select(n => $"Input({n})")),
        (2, Gen.Select(Small, Gen.Frequency((4, Gen.Int[4, 16]), (1, Size)), Gen.Frequency((4, Gen.Int[4, 16]), (1, Size)),
            (c, h, w) => $"Input({c}, {h}, {w})")),
        (1, Gen.Const("Input")));

    public static readonly Gen<Declaration> Declarations =
        Gen.Select(
            Input,
            Gen.Frequency((6, Dense), (3, Conv), (2, Pool)).Array[0, 5],
            Gen.Frequency((10, Gen.Int[0, 1]), (1, Gen.Int[-1, 9])),
            Gen.Frequency((8, Gen.Int[0, 3]), (6, Gen.Int[0, Declaration.ClassShapes.Length - 1])),
            (input, layers, loss, shape) => new Declaration(input, layers, loss, shape));

    /// <summary>What one declaration gives: refused (NC diagnostics only) or generated (and compiled without error).</summary>
    public static bool Check(Declaration declaration)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();   // this thread's: the samples and other tests run in parallel
        var clock = Stopwatch.StartNew();
        var run = GeneratorHarness.Run(declaration.Source);
        if (run.Exception is not null) throw new Exception($"The generator threw on {declaration}", run.Exception);
        var errors = run.GeneratorDiagnostics.Concat(run.CompilationErrors).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var foreign = errors.Where(d => !d.Id.StartsWith("NC", StringComparison.Ordinal)).ToList();
        if (foreign.Count > 0)
            throw new Exception($"Errors other than NC diagnostics for {declaration}:\n{string.Join("\n", foreign)}");
        if (errors.Count == 0 && run.GeneratedSources.Count == 0)
            throw new Exception($"Neither a network nor a diagnostic for {declaration}");
        long elapsed = clock.ElapsedMilliseconds, allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (elapsed > MaxMillisecondsPerCase || allocated > MaxBytesPerCase)
            throw new Exception($"{declaration} took {elapsed} ms and {allocated:N0} bytes");
        return errors.Count == 0;
    }

    [Fact]
    public void Random_declarations_give_a_network_or_NC_diagnostics_only()
    {
        int tried = 0, built = 0;
        var validDense = new ConcurrentBag<Declaration>();
        Declarations.Sample(d =>
        {
            System.Threading.Interlocked.Increment(ref tried);
            if (Check(d))
            {
                System.Threading.Interlocked.Increment(ref built);
                if (d.ClassShape == 0 && d.Layers.Length > 0 && d.Layers.All(l => l.StartsWith("Dense(", StringComparison.Ordinal))) validDense.Add(d);
            }
        }, iter: Cases, threads: 1, seed: Environment.GetEnvironmentVariable("CsCheck_Seed"));
        string summary = $"GeneratorPropertyTests: {tried} random declarations, {built} built, {tried - built} refused with NC diagnostics only; {validDense.Count} valid dense networks";
        _output.WriteLine(summary);
        TestReport.Line(summary);
        Assert.True(tried >= Cases);
    }

    /// <summary>Valid random dense networks, built and gradient-checked against finite differences of the reference.</summary>
    [Fact]
    public void A_sample_of_valid_random_networks_is_gradient_checked()
    {
        var checkedCount = 0;
        var reference = Gen.Select(Gen.Int[1, 9], Gen.Select(Gen.Int[1, 9], Gen.Int[0, 3], Gen.Bool).Array[1, 3], Gen.Int[0, 1], (input, layers, loss) =>
        {
            var specs = layers.Select((l, i) => new RefDense(loss == 1 && i == layers.Length - 1 ? Math.Max(l.Item1, 2) : l.Item1,
                loss == 1 && i == layers.Length - 1 ? NetCompiler.Activation.Identity : (NetCompiler.Activation)l.Item2, l.Item3)).ToArray();
            return new ReferenceNetwork(input, specs, (Loss)loss);
        });
        var sample = new List<ReferenceNetwork>();
        reference.Sample(r => { sample.Add(r); }, iter: 6, threads: 1);
        foreach (var (c, i) in RandomNetworks.Compile(sample, "Property").Select((c, i) => (c, i)))
        {
            Assert.True(Check(new Declaration("Input(1)", new[] { "Dense(1)" }, 0, 0))); // the harness itself is sound
            NetworkChecks.GradientCheck(c, batch: 3, useLabels: false, dataSeed: 100 + i, allowZeroGradient: true); // random networks may have a dead output
            checkedCount++;
        }
        string summary = $"GeneratorPropertyTests: {checkedCount} valid random networks built and gradient-checked";
        _output.WriteLine(summary);
        TestReport.Line(summary);
    }

    /// <summary>Every declaration that once failed, one per line of GeneratorRegressions.txt.</summary>
    [Fact]
    public void Regressions_build_or_give_NC_diagnostics()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Reliability", "GeneratorRegressions.txt");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var run = GeneratorHarness.Run("using NetCompiler;\nnamespace Models;\n" + line);
            Assert.Null(run.Exception);
            var errors = run.GeneratorDiagnostics.Concat(run.CompilationErrors).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.All(d => d.Id.StartsWith("NC", StringComparison.Ordinal)), line + "\n" + string.Join("\n", errors));
            Assert.True(errors.Count > 0 || run.GeneratedSources.Count > 0, line);
        }
        _output.WriteLine($"GeneratorPropertyTests: {lines.Count} regression declarations");
    }
}
