using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Text;
using NetCompiler.Tests.Infrastructure;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// Randomly shaped networks (fixed seed, so the same shapes every run), declared as source text and compiled at run
/// time through <see cref="GeneratorHarness.CompileAndLoad"/> — all in one assembly, compiled once per process.
/// </summary>
public static class RandomNetworks
{
    public const int Count = 14;
    private const int ShapeSeed = 20250611;
    public const string Namespace = "NetCompiler.Dynamic.RandomShapes";

    /// <summary>The random architectures, in order.</summary>
    public static readonly IReadOnlyList<ReferenceNetwork> Specs = MakeSpecs(new Random(ShapeSeed), Count);

    private static readonly Lazy<IReadOnlyList<NetCase>> s_cases = new(() => Compile(Specs, "R"));

    /// <summary>The compiled random networks (compiling them on first use).</summary>
    public static IReadOnlyList<NetCase> Cases => s_cases.Value;

    public static IEnumerable<object[]> Indices => Enumerable.Range(0, Count).Select(i => new object[] { i, Specs[i].ToString() });

    /// <summary>Depth 1–4 dense layers, widths 1–70, random activations, Bias, and loss. SoftmaxCrossEntropy gets an
    /// Identity logits layer of at least 2 units.</summary>
    public static IReadOnlyList<ReferenceNetwork> MakeSpecs(Random rng, int count)
    {
        var specs = new List<ReferenceNetwork>();
        for (int n = 0; n < count; n++)
        {
            var loss = rng.Next(2) == 0 ? Loss.HalfSquaredError : Loss.SoftmaxCrossEntropy;
            int depth = 1 + rng.Next(4);
            int input = 1 + rng.Next(70);
            var layers = new List<RefDense>();
            for (int l = 0; l < depth; l++)
            {
                bool last = l == depth - 1;
                int units = 1 + rng.Next(70);
                var activation = (Activation)rng.Next(4);
                if (last && loss == Loss.SoftmaxCrossEntropy)
                {
                    activation = Activation.Identity;
                    units = Math.Max(units, 2);
                }
                layers.Add(new RefDense(units, activation, rng.Next(5) != 0));
            }
            specs.Add(new ReferenceNetwork(input, layers, loss));
        }
        return specs;
    }

    /// <summary>Declares <paramref name="specs"/> as classes <c>{prefix}0…</c>, compiles them (with the optional rewrite
    /// of the generated code) and returns them as test cases.</summary>
    public static IReadOnlyList<NetCase> Compile(IReadOnlyList<ReferenceNetwork> specs, string prefix,
        Func<string, string>? rewriteGenerated = null)
    {
        var source = new StringBuilder($"namespace {Namespace};\n\n");
        for (int i = 0; i < specs.Count; i++) source.Append(specs[i].ToSource(prefix + i)).Append('\n');
        Assembly assembly = GeneratorHarness.CompileAndLoad(source.ToString(), rewriteGenerated);
        return specs.Select((spec, i) =>
            NetCase.ForRuntimeType(assembly.GetType($"{Namespace}.{prefix}{i}", throwOnError: true)!, spec)).ToList();
    }
}
