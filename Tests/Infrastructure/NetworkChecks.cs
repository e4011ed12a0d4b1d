using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>A network under test: a generated type, its architecture written out by hand for
/// <see cref="ReferenceNetwork"/>, and ways to make instances.</summary>
public sealed class NetCase
{
    public NetCase(string name, ReferenceNetwork reference, Func<int, INetwork> create, Type type, Func<INetwork> createDefault,
        (int Input, int Output, int Parameters, Loss Loss) statics)
    {
        Name = name;
        Reference = reference;
        Create = create;
        Type = type;
        CreateDefault = createDefault;
        Statics = statics;
    }

    public string Name { get; }
    public ReferenceNetwork Reference { get; }

    /// <summary>The network with the given seed, made through <c>INetwork&lt;T&gt;.Create</c>.</summary>
    public Func<int, INetwork> Create { get; }

    /// <summary>The parameterless constructor.</summary>
    public Func<INetwork> CreateDefault { get; }
    public Type Type { get; }

    /// <summary>InputSize, OutputSize, ParameterCount and Loss as the generated type declares them.</summary>
    public (int Input, int Output, int Parameters, Loss Loss) Statics { get; }

    public override string ToString() => $"{Name}: {Reference}";

    public static NetCase Of<T>(ReferenceNetwork reference) where T : class, INetwork<T> =>
        new(typeof(T).Name, reference, seed => T.Create(seed), typeof(T), () => (INetwork)Activator.CreateInstance(typeof(T))!,
            (T.InputSize, T.OutputSize, T.ParameterCount, T.Loss));

    /// <summary>A type compiled at run time, through the static abstract members of <see cref="INetwork{TSelf}"/>.</summary>
    public static NetCase ForRuntimeType(Type type, ReferenceNetwork reference) =>
        (NetCase)typeof(NetCase).GetMethod(nameof(Of))!.MakeGenericMethod(type).Invoke(null, new object[] { reference })!;
}

/// <summary>
/// The shape-generic checks of a generated network against <see cref="ReferenceNetwork"/>: ComputeGradients against
/// central finite differences of the double reference loss, Predict and PredictBatch against the reference.
/// </summary>
public static class NetworkChecks
{
    /// <summary>Seed of the network instance used by the checks.</summary>
    public const int NetworkSeed = 12345;

    // Kinks. The loss is not differentiable where a ReLU pre-activation z crosses 0 or where the two largest values of
    // a max-pool window swap; a central difference across such a point is meaningless, and a float forward pass that
    // lands on the other side than the double reference takes another branch. So (1) every sample is redrawn until,
    // in the double reference, every ReLU z is at least Margin away from 0 and every max-pool window's largest value
    // beats its runner-up by at least Margin (exact-zero cases excepted, see ForwardTrace); a finite-difference step
    // (1e-6·max(1, |p|) on one parameter) moves any z or pooled value by far less, and float rounding by ~1e-6 at most.
    // (2) Every finite-difference evaluation also compares the branch pattern of every layer (ReLU on/off, max-pool
    // winner) with the one at the unperturbed parameters and fails the test setup if anything flipped — so a kink
    // crossing can never pass silently as a wrong "reference" gradient. Biases are randomised away from 0 (they start
    // at 0), which keeps bias-only pre-activations off the kink.
    public const double Margin = 1e-4;

    /// <summary>Per-parameter finite differences for every parameter up to this count; above it (unless the caller
    /// names a subset), a structured subset — the first and last rows and columns of every weight matrix (a convolution's
    /// as [filters, channels·kernel]), every bias, random extras, at most <see cref="PerLayerLimit"/> per layer — plus
    /// random directional derivatives of the full gradient.</summary>
    public const int FullCheckLimit = 1500;

    public const int PerLayerLimit = 200;

    public static float[] RandomFloats(Random rng, int count, double low = -1, double high = 1)
    {
        var a = new float[count];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(low + (high - low) * rng.NextDouble());
        return a;
    }

    public static double[] ToDouble(ReadOnlySpan<float> a)
    {
        var d = new double[a.Length];
        for (int i = 0; i < a.Length; i++) d[i] = a[i];
        return d;
    }

    /// <summary>Probability vectors (each row positive, summing to 1).</summary>
    public static float[] RandomDistributions(Random rng, int rows, int width)
    {
        var t = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            var raw = Enumerable.Range(0, width).Select(_ => 0.05 + rng.NextDouble()).ToArray();
            double sum = raw.Sum();
            for (int k = 0; k < width; k++) t[r * width + k] = (float)(raw[k] / sum);
        }
        return t;
    }

    /// <summary>The network's parameters with every bias (and BatchNorm β) set to a random value of magnitude in
    /// [0.01, 0.2] (loaded into it): biases start at 0, and a bias-only pre-activation — a conv window entirely in the
    /// padding — must stay off the ReLU kink.</summary>
    public static float[] RandomiseBiases(INetwork net, ReferenceNetwork r, Random rng)
    {
        var p = new float[r.ParameterCount];
        net.CopyParametersTo(p);
        for (int l = 0; l < r.Layers.Count; l++)
            for (int k = 0; k < r.BiasCount(l); k++)
                p[r.BiasOffset(l) + k] = (float)((0.01 + 0.19 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1));
        net.LoadParameters(p);
        return p;
    }

    /// <summary>One input sample whose forward pass keeps <see cref="Margin"/> away from every kink (see above).</summary>
    public static float[] SampleAwayFromKinks(ReferenceNetwork r, double[] p, Random rng)
    {
        for (int attempt = 0; attempt < 500; attempt++)
        {
            float[] x = RandomFloats(rng, r.InputSize);
            var trace = new ForwardTrace(r.Layers.Count);
            r.Forward(p, ToDouble(x), trace);
            if (trace.MinReluMargin >= Margin && trace.MinPoolGap >= Margin) return x;
        }
        Assert.Fail($"Test setup: no input keeps every ReLU and max-pool kink {Margin} away for {r}.");
        return null!;
    }

    /// <summary>A batch whose training-mode forward pass keeps <see cref="Margin"/> away from every kink: drawn sample by
    /// sample, or as a whole when batch normalisation couples the samples.</summary>
    public static float[] BatchAwayFromKinks(ReferenceNetwork r, double[] p, int batch, Random rng)
    {
        if (!r.Layers.Any(l => l is RefBatchNorm))
            return Enumerable.Range(0, batch).SelectMany(_ => SampleAwayFromKinks(r, p, rng)).ToArray();
        for (int attempt = 0; attempt < 500; attempt++)
        {
            float[] x = RandomFloats(rng, batch * r.InputSize);
            var trace = new ForwardTrace(r.Layers.Count);
            r.ForwardBatch(p, ToDouble(x).Chunk(r.InputSize).ToArray(), RefMode.Training, trace: trace);
            if (trace.MinReluMargin >= Margin && trace.MinPoolGap >= Margin) return x;
        }
        Assert.Fail($"Test setup: no batch of {batch} keeps every ReLU and max-pool kink {Margin} away for {r}.");
        return null!;
    }

    /// <summary>
    /// Compares the generated float ComputeGradients (and the loss it returns) with central finite differences of the
    /// double reference's training-mode batch loss at the same parameters: every parameter up to
    /// <see cref="FullCheckLimit"/>, else <paramref name="subset"/> or a structured subset (see
    /// <see cref="FullCheckLimit"/>), plus two random directional derivatives of the whole gradient.
    /// <paramref name="useLabels"/> uses the <see cref="IClassifier"/> overload.
    /// </summary>
    public static void GradientCheck(NetCase c, int batch, bool useLabels, int dataSeed, int[]? subset = null, int perLayerLimit = PerLayerLimit)
    {
        ReferenceNetwork r = c.Reference;
        var rng = new Random(dataSeed);
        INetwork net = c.Create(NetworkSeed);
        float[] pf = RandomiseBiases(net, r, rng);
        double[] p = ToDouble(pf);

        float[] x = BatchAwayFromKinks(r, p, batch, rng);
        float[] targets = r.Loss == Loss.SoftmaxCrossEntropy
            ? RandomDistributions(rng, batch, r.OutputSize)
            : RandomFloats(rng, batch * r.OutputSize);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.Next(r.OutputSize)).ToArray();
        double[][] sampleTargets = Enumerable.Range(0, batch)
            .Select(s => useLabels ? r.OneHot(labels[s]) : ToDouble(targets.AsSpan(s * r.OutputSize, r.OutputSize))).ToArray();

        // A first call with another batch size and other data, so that state a call leaves behind (scratch, padded
        // buffers, accumulators) would show up in the call that is checked.
        {
            int other = batch == 1 ? 3 : 1;
            if (r.Layers.Any(l => l is RefBatchNorm)) other = batch == 2 ? 3 : 2; // batch statistics need two samples
            var junk = new float[r.ParameterCount];
            float[] ox = RandomFloats(rng, other * r.InputSize, -2, 2);
            if (useLabels)
                ((IClassifier)net).ComputeGradients(ox, Enumerable.Range(0, other).Select(i => i % r.OutputSize).ToArray(), junk);
            else
                net.ComputeGradients(ox, r.Loss == Loss.SoftmaxCrossEntropy ? RandomDistributions(rng, other, r.OutputSize)
                    : RandomFloats(rng, other * r.OutputSize), junk);
        }

        var g = new float[r.ParameterCount];
        Array.Fill(g, float.NaN); // every element must be written, not accumulated into
        float returnedLoss = useLabels ? ((IClassifier)net).ComputeGradients(x, labels, g) : net.ComputeGradients(x, targets, g);
        string what = $"{c.Name} ({r}), batch {batch}, {(useLabels ? "labels" : "targets")}";

        var after = new float[r.ParameterCount];
        net.CopyParametersTo(after);
        Assert.True(pf.AsSpan().SequenceEqual(after), $"{what}: ComputeGradients changed the parameters.");
        for (int i = 0; i < g.Length; i++)
            Assert.False(!float.IsFinite(g[i]), $"{what}: gradient {r.Describe(i)} = {g[i]} (not written?).");

        var fd = new FiniteDifferences(r, p, x, sampleTargets);
        Assert.True(Math.Abs(returnedLoss - fd.BaseLoss) <= 1e-5 + 1e-4 * Math.Abs(fd.BaseLoss),
            $"{what}: returned loss {returnedLoss:R}, reference {fd.BaseLoss:R}.");

        int[] indices = subset ?? (r.ParameterCount <= FullCheckLimit
            ? Enumerable.Range(0, r.ParameterCount).ToArray()
            : StructuredSubset(r, rng, perLayerLimit));
        double[] numeric = indices.Select(fd.Partial).ToArray();
        CompareGradients(r, what, g, indices, numeric);

        if (indices.Length < g.Length)
        {
            double gNorm = Math.Sqrt(g.Sum(v => (double)v * v));
            for (int d = 0; d < 2; d++)
            {
                double[] v = Enumerable.Range(0, g.Length).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
                double vNorm = Math.Sqrt(v.Sum(e => e * e));
                for (int i = 0; i < v.Length; i++) v[i] /= vNorm;
                double dot = 0;
                for (int i = 0; i < v.Length; i++) dot += g[i] * v[i];
                double dfd = fd.Directional(v);
                Assert.True(Math.Abs(dot - dfd) <= 1e-4 * gNorm + 1e-3 * Math.Abs(dfd) + 1e-7,
                    $"{what}: directional derivative g·v = {dot:R}, finite difference {dfd:R} (‖g‖ = {gNorm:E3}).");
            }
        }
    }

    /// <summary>Per layer with weights, seen as a matrix [outputs, inputs per output]: every element of its first and
    /// last rows (every column lane, remainders included) and columns (every row), every bias, 24 random extras; at
    /// most <paramref name="perLayerLimit"/> of them.</summary>
    private static int[] StructuredSubset(ReferenceNetwork r, Random rng, int perLayerLimit)
    {
        var all = new List<int>();
        for (int l = 0; l < r.Layers.Count; l++)
        {
            if (r.WeightCount(l) == 0) continue;
            var set = new SortedSet<int>();
            int rows = r.OutputShapeOf(l).C, cols = r.WeightCount(l) / rows, wo = r.WeightOffset(l);
            if (r.Layers[l] is RefBatchNorm) { rows = 1; cols = r.WeightCount(l); }
            foreach (int row in new[] { 0, rows - 1 })
                for (int k = 0; k < cols; k++) set.Add(wo + row * cols + k);
            foreach (int col in new[] { 0, cols - 1 })
                for (int j = 0; j < rows; j++) set.Add(wo + j * cols + col);
            for (int k = 0; k < r.BiasCount(l); k++) set.Add(r.BiasOffset(l) + k);
            for (int e = 0; e < 24; e++) set.Add(wo + rng.Next(rows) * cols + rng.Next(cols));
            // At most perLayerLimit per layer, to bound the cost; the directional checks cover the rest.
            all.AddRange(set.Count <= perLayerLimit ? set : set.OrderBy(_ => rng.Next()).Take(perLayerLimit).OrderBy(i => i));
        }
        return all.ToArray();
    }

    /// <summary>‖g − g_fd‖ / max(‖g‖, ‖g_fd‖) ≤ 1e-3 over the checked parameters, and each element within
    /// 1e-6 + 2e-5·max|g_fd| + 1e-3·|g_fd_i| (float sums over whole feature maps, so small elements are judged relative to
    /// the largest; measured errors are ~1e-7 relative).</summary>
    public static void CompareGradients(ReferenceNetwork r, string what, float[] g, int[] indices, double[] numeric)
    {
        double diff2 = 0, g2 = 0, fd2 = 0, fdMax = 0;
        for (int n = 0; n < indices.Length; n++)
        {
            double gi = g[indices[n]];
            diff2 += (gi - numeric[n]) * (gi - numeric[n]);
            g2 += gi * gi;
            fd2 += numeric[n] * numeric[n];
            fdMax = Math.Max(fdMax, Math.Abs(numeric[n]));
        }
        Assert.True(fd2 > 0, $"{what}: the finite-difference gradient is 0 over all {indices.Length} checked parameters: the check would be vacuous.");
        double rel = Math.Sqrt(diff2) / Math.Max(Math.Sqrt(g2), Math.Sqrt(fd2));
        var worst = Enumerable.Range(0, indices.Length).OrderByDescending(n => Math.Abs(g[indices[n]] - numeric[n])).Take(8)
            .Select(n => $"{r.Describe(indices[n])}: generated {g[indices[n]]:R}, finite difference {numeric[n]:R}");
        Assert.True(rel <= 1e-3, $"{what}: relative gradient error {rel:E3} over {indices.Length} parameters " +
                                 $"(‖g‖ = {Math.Sqrt(g2):E3}, ‖g_fd‖ = {Math.Sqrt(fd2):E3}).\n  worst: " + string.Join("\n  ", worst));

        var failures = new List<string>();
        for (int n = 0; n < indices.Length; n++)
        {
            double gi = g[indices[n]], tol = 1e-6 + 2e-5 * fdMax + 1e-3 * Math.Abs(numeric[n]);
            if (!(Math.Abs(gi - numeric[n]) <= tol))
                failures.Add($"{r.Describe(indices[n])}: generated {gi:R}, finite difference {numeric[n]:R}");
        }
        Assert.True(failures.Count == 0, $"{what}: {failures.Count} of {indices.Length} gradient elements off:\n  " +
                                         string.Join("\n  ", failures.Take(12)));
    }

    /// <summary>
    /// Predict (the first <paramref name="single"/> samples) and PredictBatch against the reference (inference mode) on
    /// random inputs in ±<paramref name="inputScale"/>. PredictBatch's sizes cover a lone sample, dense tiles' sample
    /// tails (3, 7), and on AVX-512 the lane path: chunks of 49 and 64 samples, and the whole batch (by default
    /// 130 = 64 + 64 + 2, whose last chunk takes the dot-product kernels). No kink avoidance is needed: the outputs are
    /// continuous.
    /// </summary>
    public static void PredictCheck(NetCase c, int dataSeed, int batch = 130, int single = 7, double inputScale = 1, double rtol = 1e-4, double atol = 1e-5)
    {
        ReferenceNetwork r = c.Reference;
        var rng = new Random(dataSeed);
        INetwork net = c.Create(NetworkSeed);
        double[] p = ToDouble(RandomiseBiases(net, r, rng));
        float[] x = RandomFloats(rng, batch * r.InputSize, -inputScale, inputScale);
        var expected = Enumerable.Range(0, batch).Select(s => r.Predict(p, ToDouble(x.AsSpan(s * r.InputSize, r.InputSize)))).ToArray();

        var y = new float[r.OutputSize];
        for (int s = 0; s < Math.Min(single, batch); s++)
        {
            Array.Fill(y, float.NaN);
            net.Predict(x.AsSpan(s * r.InputSize, r.InputSize), y);
            AssertClose(expected[s], y, rtol, atol, $"{c.Name} ({r}) Predict, sample {s}");
        }
        foreach (int n in new[] { 1, 3, 7, 49, 64, batch }.Where(n => n <= batch).Distinct())
        {
            var ys = new float[n * r.OutputSize];
            Array.Fill(ys, float.NaN);
            net.PredictBatch(x.AsSpan(0, n * r.InputSize), ys);
            for (int s = 0; s < n; s++)
                AssertClose(expected[s], ys.AsSpan(s * r.OutputSize, r.OutputSize), rtol, atol, $"{c.Name} ({r}) PredictBatch of {n}, sample {s}");
        }
    }

    public static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            if (!(Math.Abs(actual[k] - expected[k]) <= atol + rtol * Math.Abs(expected[k])))
                Assert.Fail($"{what}: output[{k}] = {actual[k]:R}, reference {expected[k]:R}\n  actual:    [{string.Join(", ", actual.ToArray().Take(40))}]\n  reference: [{string.Join(", ", expected.Take(40))}]");
    }

    /// <summary>The generated type's InputSize, OutputSize, ParameterCount and Loss against the reference's.</summary>
    public static void StaticsMatch(NetCase c)
    {
        var r = c.Reference;
        Assert.Equal((r.InputSize, r.OutputSize, r.ParameterCount, r.Loss), c.Statics);
    }
}

/// <summary>
/// Central finite differences of the reference's mean loss over a fixed batch, in training mode (batch statistics for
/// BatchNorm; the dropout masks given, or none for a network without dropout). A perturbed parameter only changes the
/// layers from its own on, so each evaluation restarts from the cached input of that layer; each evaluation also
/// checks that no ReLU or max-pool branch flipped (see <see cref="NetworkChecks.Margin"/>).
/// </summary>
public sealed class FiniteDifferences
{
    private readonly ReferenceNetwork _r;
    private readonly double[] _p;
    private readonly double[][] _x;
    private readonly double[][] _targets;
    private readonly IReadOnlyList<double[]?>? _masks;
    private readonly double[][][] _outputs; // [layer][sample]
    private readonly ulong[] _patterns;     // [layer]

    public FiniteDifferences(ReferenceNetwork r, double[] p, float[] inputs, double[][] targets, IReadOnlyList<double[]?>? masks = null)
    {
        _r = r;
        _p = (double[])p.Clone();
        int n = targets.Length;
        _x = Enumerable.Range(0, n).Select(s => NetworkChecks.ToDouble(inputs.AsSpan(s * r.InputSize, r.InputSize))).ToArray();
        _targets = targets;
        _masks = masks;
        var trace = new ForwardTrace(r.Layers.Count);
        _outputs = r.ForwardBatch(p, _x, RefMode.Training, masks: masks, trace: trace);
        _patterns = trace.Patterns;
        BaseLoss = MeanLoss(_outputs[^1]);
    }

    public double BaseLoss { get; }

    private double MeanLoss(double[][] y)
    {
        double total = 0;
        for (int s = 0; s < y.Length; s++) total += _r.SampleLoss(y[s], _targets[s]);
        return total / y.Length;
    }

    /// <summary>Mean loss at <paramref name="q"/>, which differs from the base parameters only in layers ≥ <paramref name="from"/>.</summary>
    private double Loss(double[] q, int from, string what)
    {
        var trace = new ForwardTrace(_r.Layers.Count);
        double[][] input = from == 0 ? _x : _outputs[from - 1];
        double[][] y = _r.ForwardBatch(q, input, RefMode.Training, masks: _masks, trace: trace, from: from)[^1];
        for (int l = from; l < _r.Layers.Count; l++)
            if (trace.Patterns[l] != _patterns[l])
                Assert.Fail($"Test setup: the finite difference of {what} flips a ReLU or max-pool branch in layer {l}.");
        return MeanLoss(y);
    }

    /// <summary>∂E/∂p_i by central differences with h = 1e-6·max(1, |p_i|).</summary>
    public double Partial(int i)
    {
        int from = _r.LayerOf(i);
        var q = (double[])_p.Clone();
        double h = 1e-6 * Math.Max(1.0, Math.Abs(_p[i]));
        q[i] = _p[i] + h;
        double plus = Loss(q, from, _r.Describe(i));
        q[i] = _p[i] - h;
        double minus = Loss(q, from, _r.Describe(i));
        return (plus - minus) / (2 * h);
    }

    /// <summary>The derivative along the unit vector <paramref name="v"/>, by central differences with h = 1e-6.</summary>
    public double Directional(double[] v)
    {
        const double h = 1e-6;
        var q = new double[_p.Length];
        for (int i = 0; i < q.Length; i++) q[i] = _p[i] + h * v[i];
        double plus = Loss(q, 0, "a random direction");
        for (int i = 0; i < q.Length; i++) q[i] = _p[i] - h * v[i];
        double minus = Loss(q, 0, "a random direction");
        return (plus - minus) / (2 * h);
    }
}
