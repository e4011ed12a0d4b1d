using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using static NetCompiler.Activation;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// The generated kernels branch on <c>Vector512/Vector256.IsHardwareAccelerated</c>, which are JIT-time constants,
/// so one machine only ever runs one branch. To run the others anyway, these tests compile networks at run time with
/// the generated conditions rewritten to constants. With <c>Vector512.IsHardwareAccelerated</c> forced true on a machine
/// without AVX-512, the 512-bit code runs on .NET's software implementation of Vector512 — slow but
/// exact, which is how CI covers that branch. Forcing 512 and 256 off selects the Vector128 path.
/// </summary>
public class VectorPathTests
{
    private const string V512 = "global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated";
    private const string V256 = "global::System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated";

    private static RefDense L(int units, Activation activation = Identity, bool bias = true) => new(units, activation, bias);

    private static readonly ReferenceNetwork[] Specs =
    {
        new(70, new[] { L(33, ReLU), L(20, Tanh, bias: false), L(10) }, Loss.SoftmaxCrossEntropy),
        new(37, new[] { L(17, Sigmoid), L(5) }, Loss.HalfSquaredError),
        new(64, new[] { L(48, Tanh), L(16, Sigmoid) }, Loss.HalfSquaredError),
        new(3, new[] { L(4, Tanh), L(2) }, Loss.SoftmaxCrossEntropy),
        new(18, new[] { L(9, ReLU), L(31, Identity, bias: false), L(2, Sigmoid) }, Loss.HalfSquaredError),
        // 8 → 8 chains: Predict takes the AVX horizontal-add form unless Avx.IsSupported is forced false.
        new(8, new[] { L(8, ReLU), L(8) }, Loss.HalfSquaredError),
        new(8, new[] { L(8, ReLU, bias: false), L(8, ReLU), L(8) }, Loss.SoftmaxCrossEntropy),
    };

    private static readonly Dictionary<string, (string From, string To)[]> Rewrites = new()
    {
        ["Vector512"] = new[] { (V512, "true") },
        ["Vector128"] = new[] { (V512, "false"), (V256, "false") },
        ["NoAvx"] = new[] { ("global::System.Runtime.Intrinsics.X86.Avx.IsSupported", "false") },
    };

    private static readonly Dictionary<string, Lazy<IReadOnlyList<NetCase>>> Compiled =
        Rewrites.ToDictionary(kv => kv.Key, kv => new Lazy<IReadOnlyList<NetCase>>(() => Compile(kv.Key, kv.Value), LazyThreadSafetyMode.ExecutionAndPublication));

    private static IReadOnlyList<NetCase> Compile(string path, (string From, string To)[] rewrites)
    {
        var replaced = new int[rewrites.Length];
        var cases = RandomNetworks.Compile(Specs, "Forced" + path + "_", text =>
        {
            for (int i = 0; i < rewrites.Length; i++)
            {
                int count = (text.Length - text.Replace(rewrites[i].From, "", StringComparison.Ordinal).Length) / rewrites[i].From.Length;
                replaced[i] += count;
                text = text.Replace(rewrites[i].From, rewrites[i].To, StringComparison.Ordinal);
            }
            return text;
        });
        for (int i = 0; i < rewrites.Length; i++)
            Assert.True(replaced[i] > 0, $"The generated code no longer contains \"{rewrites[i].From}\": update {nameof(VectorPathTests)}.");
        return cases;
    }

    public static IEnumerable<object[]> Cases() =>
        from path in Rewrites.Keys
        from i in Enumerable.Range(0, Specs.Length)
        select new object[] { path, i, Specs[i].ToString() };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forced_vector_path_matches_reference(string path, int index, string architecture)
    {
        _ = architecture;
        var c = Compiled[path].Value[index];
        NetworkChecks.PredictCheck(c, dataSeed: 900 + index);
        foreach (int batch in new[] { 1, 5 })
        {
            NetworkChecks.GradientCheck(c, batch, useLabels: false, dataSeed: 950 + 10 * index + batch);
            if (c.Reference.Loss == Loss.SoftmaxCrossEntropy)
                NetworkChecks.GradientCheck(c, batch, useLabels: true, dataSeed: 970 + 10 * index + batch);
        }
    }
}
