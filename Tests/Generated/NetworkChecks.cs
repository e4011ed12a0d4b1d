using System;
using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>The shape-generic checks of a generated network against <see cref="DenseReference"/>.</summary>
public static class NetworkChecks
{
    /// <summary>Seed of the network instance used by the checks.</summary>
    public const int NetworkSeed = 12345;

    // ReLU and finite differences: the loss has a kink wherever a ReLU pre-activation z crosses 0, and there a
    // central difference is meaningless (it averages the two one-sided slopes), while the float forward pass may also
    // sit on the other side of 0 than the double reference. So the checks draw inputs until every ReLU pre-activation
    // of the batch is at least KinkMargin away from 0. A finite-difference step moves any z by far less than that
    // (h ≤ 1e-6·max(1,|p|) times an input of order 1), and float rounding moves it by ~1e-6 at most, so no evaluation
    // crosses a kink. Pre-activations that are exactly 0 are ignored: they only arise in a bias-less ReLU layer whose
    // input is identically 0 (all units of the previous ReLU layer are off, with margin), and such a z stays exactly 0
    // under every single-parameter perturbation, so it contributes nothing either side. Biases are also randomised
    // (they start at 0), which keeps bias-only pre-activations off the kink.
    public const double KinkMargin = 1e-4;

    /// <summary>Per-parameter finite differences for every parameter up to this count; above it, a structured
    /// subset (whole first/last rows and columns of every weight matrix, every bias, random extras; at most
    /// <see cref="PerLayerLimit"/> per layer) plus random directional derivatives of the full gradient.</summary>
    public const int FullCheckLimit = 1500;

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

    /// <summary>Probability vectors (each row positive, summing to 1 in float).</summary>
    public static float[] RandomDistributions(Random rng, int rows, int width)
    {
        var t = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            double sum = 0;
            var raw = new double[width];
            for (int k = 0; k < width; k++) sum += raw[k] = 0.05 + rng.NextDouble();
            for (int k = 0; k < width; k++) t[r * width + k] = (float)(raw[k] / sum);
        }
        return t;
    }

    /// <summary>The network's parameters with biases replaced by random values in [−0.2, 0.2] (loaded into it).</summary>
    public static float[] RandomiseBiases(INetwork net, DenseReference reference, Random rng)
    {
        var p = new float[reference.ParameterCount];
        net.CopyParametersTo(p);
        for (int l = 0; l < reference.Layers.Count; l++)
            if (reference.Layers[l].Bias)
                for (int j = 0; j < reference.Layers[l].Units; j++)
                    p[reference.BiasIndex(l, j)] = (float)(0.4 * rng.NextDouble() - 0.2);
        net.LoadParameters(p);
        return p;
    }

    /// <summary>Random inputs for <paramref name="batch"/> samples, redrawn until no ReLU pre-activation is within
    /// <see cref="KinkMargin"/> of 0 (see above).</summary>
    public static float[] InputsAwayFromKinks(DenseReference reference, double[] parameters, int batch, Random rng)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            float[] x = RandomFloats(rng, batch * reference.InputSize);
            if (MinNonZeroAbsReluZ(reference, parameters, ToDouble(x)) >= KinkMargin) return x;
        }
        Assert.Fail($"No inputs found with every ReLU pre-activation ≥ {KinkMargin} away from 0 for {reference}.");
        return null!;
    }

    private static double MinNonZeroAbsReluZ(DenseReference reference, double[] p, double[] x)
    {
        double min = double.PositiveInfinity;
        for (int s = 0; s < x.Length / reference.InputSize; s++)
            reference.Forward(p, x.AsSpan(s * reference.InputSize, reference.InputSize), (l, z) =>
            {
                if (reference.Layers[l].Activation == Activation.ReLU && z != 0) min = Math.Min(min, Math.Abs(z));
            });
        return min;
    }

    /// <summary>
    /// Compares the generated float <c>ComputeGradients</c> (and its returned loss) with central finite differences
    /// of the double reference loss at the same parameters. <paramref name="useLabels"/> uses the
    /// <see cref="IClassifier"/> overload.
    /// </summary>
    public static void GradientCheck(NetCase c, int batch, bool useLabels, int dataSeed, int perLayerLimit = PerLayerLimit)
    {
        DenseReference r = c.Reference;
        var rng = new Random(dataSeed);
        INetwork net = c.Create(NetworkSeed);
        float[] pf = RandomiseBiases(net, r, rng);
        double[] p = ToDouble(pf);

        float[] x = InputsAwayFromKinks(r, p, batch, rng);
        double[] xd = ToDouble(x);
        float[] targets = r.Loss == Loss.SoftmaxCrossEntropy
            ? RandomDistributions(rng, batch, r.OutputSize)
            : RandomFloats(rng, batch * r.OutputSize, -1, 1);
        double[] td = ToDouble(targets);
        int[] labels = Enumerable.Range(0, batch).Select(_ => rng.Next(r.OutputSize)).ToArray();

        Func<double[], double> loss = useLabels
            ? q => r.MeanLoss(q, xd, labels)
            : q => r.MeanLoss(q, xd, td);

        // A first call with another batch size and other data, so that state left behind by a previous call
        // (scratch buffers, accumulators) would show up in the call that is checked.
        {
            int otherBatch = batch == 1 ? 3 : 1;
            var junk = new float[r.ParameterCount];
            float[] ox = RandomFloats(rng, otherBatch * r.InputSize, -2, 2);
            if (useLabels)
                ((IClassifier)net).ComputeGradients(ox, Enumerable.Range(0, otherBatch).Select(i => i % r.OutputSize).ToArray(), junk);
            else
                net.ComputeGradients(ox, r.Loss == Loss.SoftmaxCrossEntropy ? RandomDistributions(rng, otherBatch, r.OutputSize)
                    : RandomFloats(rng, otherBatch * r.OutputSize), junk);
        }

        var g = new float[r.ParameterCount];
        Array.Fill(g, float.NaN); // every element must be written, not accumulated into
        float returnedLoss = useLabels
            ? ((IClassifier)net).ComputeGradients(x, labels, g)
            : net.ComputeGradients(x, targets, g);

        string what = $"{c.Name} ({r}), batch {batch}, {(useLabels ? "labels" : "targets")}";

        // Parameters must be left alone.
        var after = new float[r.ParameterCount];
        net.CopyParametersTo(after);
        Assert.True(pf.AsSpan().SequenceEqual(after), $"{what}: ComputeGradients changed the parameters.");

        double refLoss = loss(p);
        Assert.True(Math.Abs(returnedLoss - refLoss) <= 1e-5 + 1e-4 * Math.Abs(refLoss),
            $"{what}: returned loss {returnedLoss:R}, reference {refLoss:R}.");

        for (int i = 0; i < g.Length; i++)
            if (!float.IsFinite(g[i])) Assert.Fail($"{what}: gradient {Describe(r, i)} = {g[i]} (not written?).");

        int[] indices = CheckedIndices(r, rng, perLayerLimit);
        var fd = new double[indices.Length];
        var q = (double[])p.Clone();
        for (int n = 0; n < indices.Length; n++)
        {
            int i = indices[n];
            double h = 1e-6 * Math.Max(1.0, Math.Abs(p[i]));
            q[i] = p[i] + h;
            double plus = loss(q);
            q[i] = p[i] - h;
            double minus = loss(q);
            q[i] = p[i];
            fd[n] = (plus - minus) / (2 * h);
        }

        double diff2 = 0, g2 = 0, fd2 = 0, fdMax = 0;
        for (int n = 0; n < indices.Length; n++)
        {
            double gi = g[indices[n]];
            diff2 += (gi - fd[n]) * (gi - fd[n]);
            g2 += gi * gi;
            fd2 += fd[n] * fd[n];
            fdMax = Math.Max(fdMax, Math.Abs(fd[n]));
        }
        double scale = Math.Max(Math.Sqrt(g2), Math.Sqrt(fd2));
        if (scale > 1e-9)
        {
            double rel = Math.Sqrt(diff2) / scale;
            Assert.True(rel <= 1e-3, $"{what}: relative gradient error {rel:E3} over {indices.Length} parameters " +
                                     $"(‖g‖ = {Math.Sqrt(g2):E3}, ‖g_fd‖ = {Math.Sqrt(fd2):E3}).{Worst(r, indices, g, fd)}");
        }

        var failures = new List<string>();
        for (int n = 0; n < indices.Length; n++)
        {
            double gi = g[indices[n]], tol = 2e-6 + 2e-4 * fdMax + 2e-3 * Math.Abs(fd[n]);
            if (Math.Abs(gi - fd[n]) > tol)
                failures.Add($"{Describe(r, indices[n])}: generated {gi:R}, finite difference {fd[n]:R}");
        }
        Assert.True(failures.Count == 0, $"{what}: {failures.Count} of {indices.Length} gradient elements off:\n  " +
                                         string.Join("\n  ", failures.Take(12)));

        // Large networks: the unchecked parameters are covered by directional derivatives of the whole gradient.
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
                const double h = 1e-6;
                for (int i = 0; i < v.Length; i++) q[i] = p[i] + h * v[i];
                double plus = loss(q);
                for (int i = 0; i < v.Length; i++) q[i] = p[i] - h * v[i];
                double minus = loss(q);
                double dfd = (plus - minus) / (2 * h);
                Assert.True(Math.Abs(dot - dfd) <= 1e-4 * gNorm + 1e-3 * Math.Abs(dfd) + 1e-7,
                    $"{what}: directional derivative g·v = {dot:R}, finite difference {dfd:R} (‖g‖ = {gNorm:E3}).");
            }
        }
    }

    private static string Worst(DenseReference r, int[] indices, float[] g, double[] fd)
    {
        var worst = Enumerable.Range(0, indices.Length).OrderByDescending(n => Math.Abs(g[indices[n]] - fd[n])).Take(8);
        return "\n  worst: " + string.Join("\n  ", worst.Select(n => $"{Describe(r, indices[n])}: generated {g[indices[n]]:R}, finite difference {fd[n]:R}"));
    }

    /// <summary>"W1[3,17]" or "b2[5]" for a canonical parameter index.</summary>
    public static string Describe(DenseReference r, int index)
    {
        int l = r.LayerOf(index);
        if (r.IsBias(index)) return $"b{l}[{index - r.BiasIndex(l, 0)}] (#{index})";
        int offset = index - r.WeightIndex(l, 0, 0);
        return $"W{l}[{offset / r.FanIn(l)},{offset % r.FanIn(l)}] (#{index})";
    }

    private static int[] CheckedIndices(DenseReference r, Random rng, int perLayerLimit)
    {
        if (r.ParameterCount <= FullCheckLimit) return Enumerable.Range(0, r.ParameterCount).ToArray();
        var all = new List<int>();
        for (int l = 0; l < r.Layers.Count; l++)
        {
            var set = new SortedSet<int>();
            int rows = r.Layers[l].Units, cols = r.FanIn(l);
            foreach (int row in new[] { 0, rows - 1 })
                for (int k = 0; k < cols; k++) set.Add(r.WeightIndex(l, row, k)); // every column lane incl. remainders
            foreach (int col in new[] { 0, cols - 1 })
                for (int j = 0; j < rows; j++) set.Add(r.WeightIndex(l, j, col)); // every row
            if (r.Layers[l].Bias)
                for (int j = 0; j < rows; j++) set.Add(r.BiasIndex(l, j));
            for (int e = 0; e < 24; e++) set.Add(r.WeightIndex(l, rng.Next(rows), rng.Next(cols)));
            // At most perLayerLimit per layer, to bound the cost; the directional checks cover the rest.
            all.AddRange(set.Count <= perLayerLimit ? set : set.OrderBy(_ => rng.Next()).Take(perLayerLimit).OrderBy(i => i));
        }
        return all.ToArray();
    }

    public const int PerLayerLimit = 200;

    /// <summary>
    /// Predict (7 samples) and PredictBatch against the reference on random inputs. PredictBatch's sizes cover a lone
    /// sample, its dense tiles' sample tails (3, 7), and on AVX-512 its lane path: chunks of 49 and 64 samples, and a
    /// batch of 130 = 64 + 64 + 2 whose last chunk takes the dot-product kernels.
    /// </summary>
    public static void PredictCheck(NetCase c, int dataSeed, double inputScale = 1, double rtol = 1e-4, double atol = 1e-5)
    {
        DenseReference r = c.Reference;
        var rng = new Random(dataSeed);
        INetwork net = c.Create(NetworkSeed);
        float[] pf = RandomiseBiases(net, r, rng);
        double[] p = ToDouble(pf);

        const int batch = 130, single = 7;
        float[] x = RandomFloats(rng, batch * r.InputSize, -inputScale, inputScale);
        var expected = new double[batch][];
        for (int s = 0; s < batch; s++) expected[s] = r.Predict(p, ToDouble(x.AsSpan(s * r.InputSize, r.InputSize)));

        var y = new float[r.OutputSize];
        for (int s = 0; s < single; s++)
        {
            Array.Fill(y, float.NaN);
            net.Predict(x.AsSpan(s * r.InputSize, r.InputSize), y);
            AssertClose(expected[s], y, rtol, atol, $"{c.Name} ({r}) Predict, sample {s}");
        }

        foreach (int n in new[] { 1, 3, single, 49, 64, batch })
        {
            var ys = new float[n * r.OutputSize];
            Array.Fill(ys, float.NaN);
            net.PredictBatch(x.AsSpan(0, n * r.InputSize), ys);
            for (int s = 0; s < n; s++)
                AssertClose(expected[s], ys.AsSpan(s * r.OutputSize, r.OutputSize), rtol, atol,
                    $"{c.Name} ({r}) PredictBatch of {n}, sample {s}");
        }
    }

    public static void AssertClose(double[] expected, ReadOnlySpan<float> actual, double rtol, double atol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            if (!(Math.Abs(actual[k] - expected[k]) <= atol + rtol * Math.Abs(expected[k])))
                Assert.Fail($"{what}: output[{k}] = {actual[k]:R}, reference {expected[k]:R}\n  actual:    [{string.Join(", ", actual.ToArray())}]\n  reference: [{string.Join(", ", expected)}]");
        }
    }
}
