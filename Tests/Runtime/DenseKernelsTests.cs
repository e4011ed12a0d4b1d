using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using NetCompiler.Support;
using Xunit;
using static NetCompiler.Tests.Infrastructure.NetworkChecks;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// The runtime's dense kernels called directly, on every path the machine runs natively, against sums in double:
/// shapes chosen so that every tile of the kernels and every remainder appears (rows left over after the tiles of 8 and
/// 4, one or two vectors of columns after the blocks of three, scalar tails, layers wide enough for the input gradient's
/// passes over rows and for the weight gradient's packed input), batches from 1 to 64, ranges of rows, and gradients
/// added to what is there or written over it.
/// </summary>
public class DenseKernelsTests
{
    private readonly struct Tails : IDenseLayer
    {
        public static int Inputs => 37;
        public static int Outputs => 13;
        public static bool Bias => true;
        public static Activation Activation => Activation.Tanh;
        public static Activation Below => Activation.ReLU;
    }

    private readonly struct WholeVectors : IDenseLayer
    {
        public static int Inputs => 80;
        public static int Outputs => 23;
        public static bool Bias => true;
        public static Activation Activation => Activation.ReLU;
        public static Activation Below => Activation.Sigmoid;
    }

    private readonly struct NoBias : IDenseLayer
    {
        public static int Inputs => 48;
        public static int Outputs => 30;
        public static bool Bias => false;
        public static Activation Activation => Activation.Sigmoid;
        public static Activation Below => Activation.Tanh;
    }

    private readonly struct FiveLeft : IDenseLayer
    {
        public static int Inputs => 64;
        public static int Outputs => 21;
        public static bool Bias => true;
        public static Activation Activation => Activation.Identity;
        public static Activation Below => Activation.Identity;
    }

    /// <summary>256 inputs: the weight gradient packs its slice of x; 148 outputs: the input gradient runs in two passes.</summary>
    private readonly struct Wide : IDenseLayer
    {
        public static int Inputs => 256;
        public static int Outputs => 148;
        public static bool Bias => true;
        public static Activation Activation => Activation.Identity;
        public static Activation Below => Activation.ReLU;
    }

    private readonly struct Narrow : IDenseLayer
    {
        public static int Inputs => 3;
        public static int Outputs => 30;
        public static bool Bias => true;
        public static Activation Activation => Activation.ReLU;
        public static Activation Below => Activation.Identity;
    }

    private interface IKernels
    {
        void ForwardBatch(float[] p, int b, float[] x, float[] y, int batch, int rowFrom, int rowTo);
        void Gradients(float[] g, int gb, float[] x, float[] dz, int batch, bool accumulate, int rowFrom, int rowTo);
        void InputGradient(float[] w, float[] x, float[] dz, float[] dzBelow, int batch);
    }

    private sealed class Kernels<TPath, TVector, TLayer> : IKernels
        where TPath : struct, IVectorPath<TVector> where TVector : struct where TLayer : struct, IDenseLayer
    {
        public void ForwardBatch(float[] p, int b, float[] x, float[] y, int batch, int rowFrom, int rowTo)
            => DenseKernels.ForwardBatch<TPath, TVector, TLayer>(ref p[0], ref p[b], ref x[0], ref y[0], batch, rowFrom, rowTo);

        public void Gradients(float[] g, int gb, float[] x, float[] dz, int batch, bool accumulate, int rowFrom, int rowTo)
        {
            if (TLayer.Bias) DenseKernels.BiasGradient<TPath, TVector, TLayer>(ref g[gb], ref dz[0], batch, accumulate, rowFrom, rowTo);
            DenseKernels.WeightGradient<TPath, TVector, TLayer>(ref g[0], ref x[0], ref dz[0], batch, accumulate, rowFrom, rowTo);
        }

        public void InputGradient(float[] w, float[] x, float[] dz, float[] dzBelow, int batch)
            => DenseKernels.InputGradient<TPath, TVector, TLayer>(ref w[0], ref x[0], ref dz[0], ref dzBelow[0], batch);
    }

    private sealed record Layer(string Name, int Inputs, int Outputs, bool Bias, Activation Activation, Activation Below,
        Func<string, IKernels?> For);

    private static IKernels? On<TLayer>(string path) where TLayer : struct, IDenseLayer => path switch
    {
        "AVX-512" when Vector512.IsHardwareAccelerated => new Kernels<Avx512Path, Vector512<float>, TLayer>(),
        "AVX2" when Vector256.IsHardwareAccelerated && Fma.IsSupported => new Kernels<Avx2Path, Vector256<float>, TLayer>(),
        "portable" => new Kernels<PortablePath, Vector128<float>, TLayer>(),
        _ => null,
    };

    private static Layer Of<TLayer>(string name) where TLayer : struct, IDenseLayer
        => new(name, TLayer.Inputs, TLayer.Outputs, TLayer.Bias, TLayer.Activation, TLayer.Below, On<TLayer>);

    private static readonly Layer[] Layers =
    {
        Of<Tails>(nameof(Tails)), Of<WholeVectors>(nameof(WholeVectors)), Of<NoBias>(nameof(NoBias)),
        Of<FiveLeft>(nameof(FiveLeft)), Of<Wide>(nameof(Wide)), Of<Narrow>(nameof(Narrow)),
    };

    private static readonly string[] Paths = { "AVX-512", "AVX2", "portable" };

    private static readonly int[] Batches = { 1, 2, 3, 4, 5, 7, 13, 64, 130 };

    public static IEnumerable<object[]> Cases() =>
        from layer in Layers.Select(l => l.Name)
        from path in Paths
        select new object[] { layer, path };

    private static double F(Activation a, double z) => a switch
    {
        Activation.ReLU => Math.Max(0, z),
        Activation.Tanh => Math.Tanh(z),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-z)),
        _ => z,
    };

    /// <summary>f′ given the output y = f(z).</summary>
    private static double Derivative(Activation a, double y) => a switch
    {
        Activation.ReLU => y > 0 ? 1 : 0,
        Activation.Tanh => 1 - y * y,
        Activation.Sigmoid => y * (1 - y),
        _ => 1,
    };

    private static void Close(double expected, float actual, string what)
        => Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"{what}: {actual}, expected {expected}");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_pass_matches_sums_in_double(string name, string path)
    {
        var layer = Layers.Single(l => l.Name == name);
        var kernels = layer.For(path);
        if (kernels is null) return;   // the machine does not run this path
        int n = layer.Inputs, m = layer.Outputs, b = m * n;
        var random = new Random(1);
        float[] p = RandomFloats(random, b + m, -1 / Math.Sqrt(n), 1 / Math.Sqrt(n));
        foreach (int batch in Batches)
        {
            float[] x = RandomFloats(random, batch * n);
            // The whole layer, then two ranges cut at a multiple of 8 (training by parts).
            int cut = m / 16 * 8;
            foreach (var (from, to) in new[] { (0, m), (0, cut), (cut, m) })
            {
                float[] y = Enumerable.Repeat(float.NaN, batch * m).ToArray();
                kernels.ForwardBatch(p, b, x, y, batch, from, to);
                for (int s = 0; s < batch; s++)
                    for (int o = 0; o < m; o++)
                    {
                        string what = $"{name} {path} batch {batch} rows [{from}, {to}) y[{s}, {o}]";
                        if (o < from || o >= to)
                        {
                            Assert.True(float.IsNaN(y[s * m + o]), $"{what} written outside the range");
                            continue;
                        }
                        double z = layer.Bias ? p[b + o] : 0;
                        for (int i = 0; i < n; i++) z += (double)p[o * n + i] * x[s * n + i];
                        Close(F(layer.Activation, z), y[s * m + o], what);
                    }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Weight_and_bias_gradients_match_sums_in_double(string name, string path)
    {
        var layer = Layers.Single(l => l.Name == name);
        var kernels = layer.For(path);
        if (kernels is null) return;
        int n = layer.Inputs, m = layer.Outputs, gb = m * n;
        var random = new Random(2);
        foreach (int batch in Batches)
            foreach (bool accumulate in new[] { false, true })
            {
                float[] x = RandomFloats(random, batch * n);
                float[] dz = RandomFloats(random, batch * m);
                float[] before = RandomFloats(random, gb + m);
                int cut = m / 32 * 16;
                foreach (var (from, to) in new[] { (0, m), (0, cut), (cut, m) })
                {
                    float[] g = (float[])before.Clone();
                    kernels.Gradients(g, gb, x, dz, batch, accumulate, from, to);
                    for (int o = 0; o < m; o++)
                    {
                        bool inRange = o >= from && o < to;
                        for (int i = 0; i < n; i++)
                        {
                            double expected = inRange ? (accumulate ? before[o * n + i] : 0) : before[o * n + i];
                            if (inRange) for (int s = 0; s < batch; s++) expected += (double)dz[s * m + o] * x[s * n + i];
                            Close(expected, g[o * n + i], $"{name} {path} batch {batch} accumulate {accumulate} rows [{from}, {to}) ∂E/∂W[{o}, {i}]");
                        }
                        if (!layer.Bias) continue;
                        double bias = inRange ? (accumulate ? before[gb + o] : 0) : before[gb + o];
                        if (inRange) for (int s = 0; s < batch; s++) bias += dz[s * m + o];
                        Close(bias, g[gb + o], $"{name} {path} batch {batch} accumulate {accumulate} rows [{from}, {to}) ∂E/∂b[{o}]");
                    }
                }
            }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Input_gradient_matches_sums_in_double(string name, string path)
    {
        var layer = Layers.Single(l => l.Name == name);
        var kernels = layer.For(path);
        if (kernels is null) return;
        int n = layer.Inputs, m = layer.Outputs;
        var random = new Random(3);
        float[] w = RandomFloats(random, m * n, -1 / Math.Sqrt(m), 1 / Math.Sqrt(m));
        foreach (int batch in Batches)
        {
            // x is the layer below's output, so in f's range: through f itself.
            float[] x = RandomFloats(random, batch * n, -3, 3).Select(v => (float)F(layer.Below, v)).ToArray();
            float[] dz = RandomFloats(random, batch * m);
            float[] dzBelow = new float[batch * n];
            kernels.InputGradient(w, x, dz, dzBelow, batch);
            for (int s = 0; s < batch; s++)
                for (int i = 0; i < n; i++)
                {
                    double d = 0;
                    for (int o = 0; o < m; o++) d += (double)w[o * n + i] * dz[s * m + o];
                    Close(Derivative(layer.Below, x[s * n + i]) * d, dzBelow[s * n + i], $"{name} {path} batch {batch} ∂E/∂x[{s}, {i}]");
                }
        }
    }
}
