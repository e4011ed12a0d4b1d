using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using static NetCompiler.Activation;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Conv;

/// <summary>
/// The stride-1 convolution kernels (forward, weight gradient, input gradient) on the instruction-set paths this
/// machine does not take, by the trick of <see cref="Generated.VectorPathTests"/>: compile at run time with the
/// generated conditions rewritten to constants. Forcing Vector512 on a machine without AVX-512 runs the 512-bit code
/// on .NET's software vectors (slow, exact); forcing 512 and 256 off selects the Vector128 path. Output widths are
/// chosen for each path: whole 4-vector chunks looped or single, partial chunks, scalar tails, rows narrower than a
/// vector (which use the next narrower vectors).
/// </summary>
public class ConvVectorPathTests
{
    private const string V512 = "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated";
    private const string V256 = "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated";

    private static ReferenceNetwork R(int[] input, Loss loss, params RefLayer[] layers) => new(input, layers, loss);

    private static readonly (string Name, ReferenceNetwork Spec)[] Specs =
    {
        // ow 72 (512: one whole chunk + 8 tail; 256: chunk loop ×2 + 1 vector; 128: loop ×4 + 2 vectors), then ow 34
        // after pooling (512: 2 vectors + 2 tail).
        ("Wide72", R(new[] { 2, 5, 72 }, Loss.SoftmaxCrossEntropy, Conv2D(3, 3, ReLU, padding: 1), MaxPool(2), Conv2D(2, 2, 3, Tanh), Dense(3))),
        // ow 146 (512: loop ×2 + 1 vector + 2 tail; 256: loop ×4 + 2 vectors + 2 tail), then ow 73 with padding.
        ("Wide146", R(new[] { 1, 4, 150 }, Loss.HalfSquaredError, Conv2D(2, 3, 5, Sigmoid), AvgPool(2), Conv2D(2, 1, 3, Identity, padding: 1), Dense(2))),
        // ow 16 exactly (one 512 vector, two 256, one whole 128 chunk), no bias, then a padded ReLU conv, ow 18.
        ("Exact16", R(new[] { 3, 6, 16 }, Loss.SoftmaxCrossEntropy, Conv2D(4, 3, Identity, padding: 1, bias: false), Conv2D(2, 3, ReLU, padding: 2), Dense(3))),
        // ow 10 (narrower than 16: 8-wide vectors + 2 tail on the 512 path), then ow 7 (4-wide + 3 tail).
        ("Narrow10", R(new[] { 1, 9, 13 }, Loss.HalfSquaredError, Conv2D(2, 4, 6, Tanh, padding: 1), Conv2D(2, 3, 4, ReLU), Dense(2))),
        // Filters in lanes: 8 filters over 7-wide rows (the 256-bit path; tanh after the sums), then 16 filters without
        // bias over 5-wide rows (two 256-bit vectors of filters, or one 512-bit).
        ("FiltersInLanes", R(new[] { 3, 9, 9 }, Loss.HalfSquaredError, Conv2D(8, 3, Tanh), Conv2D(16, 3, ReLU, bias: false), Dense(2))),
        // The conv is the output layer, ow 20 (16 + 4).
        ("OutputConv20", R(new[] { 2, 4, 20 }, Loss.HalfSquaredError, Conv2D(2, 3, Sigmoid, padding: 1))),
    };

    private static readonly Dictionary<string, (string From, string To)[]> Rewrites = new()
    {
        ["Vector512"] = new[] { (V512, "true") },
        ["Vector128"] = new[] { (V512, "false"), (V256, "false") },
    };

    /// <summary>Both forced paths in one run-time compilation (one Roslyn compile instead of two): each generated file
    /// is rewritten according to the prefix of its class, Forced{path}_.</summary>
    private static readonly Lazy<IReadOnlyDictionary<string, NetCase>> s_compiled = new(Compile, LazyThreadSafetyMode.ExecutionAndPublication);

    private static IReadOnlyDictionary<string, NetCase> Compile()
    {
        var replaced = Rewrites.ToDictionary(kv => kv.Key, kv => new int[kv.Value.Length]);
        var specs = Rewrites.Keys.SelectMany(path => Specs.Select(s => ($"{path}_{s.Name}", s.Spec))).ToList();
        var cases = ConvCompiler.Compile(specs, "Forced", text =>
        {
            string path = Rewrites.Keys.Single(k => text.Contains($"partial class Forced{k}_", StringComparison.Ordinal));
            var rewrites = Rewrites[path];
            for (int i = 0; i < rewrites.Length; i++)
            {
                int count = (text.Length - text.Replace(rewrites[i].From, "", StringComparison.Ordinal).Length) / rewrites[i].From.Length;
                replaced[path][i] += count;
                text = text.Replace(rewrites[i].From, rewrites[i].To, StringComparison.Ordinal);
            }
            return text;
        });
        foreach (var (path, rewrites) in Rewrites)
            for (int i = 0; i < rewrites.Length; i++)
                Assert.True(replaced[path][i] > 0, $"The generated code no longer contains \"{rewrites[i].From}\": update {nameof(ConvVectorPathTests)}.");
        return cases.ToDictionary(c => c.Name);
    }

    public static IEnumerable<object[]> Cases() =>
        from path in Rewrites.Keys
        from i in Enumerable.Range(0, Specs.Length)
        select new object[] { path, Specs[i].Name };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forced_vector_path_matches_reference(string path, string name)
    {
        int index = Array.FindIndex(Specs, s => s.Name == name);
        var c = s_compiled.Value[$"Forced{path}_{name}"];
        NetworkChecks.PredictCheck(c, dataSeed: 700 + index);
        NetworkChecks.GradientCheck(c, batch: 1, useLabels: false, dataSeed: 710 + index);
        NetworkChecks.GradientCheck(c, batch: 3, useLabels: c.Reference.Loss == Loss.SoftmaxCrossEntropy, dataSeed: 720 + index);
    }
}
