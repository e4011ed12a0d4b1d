using System;
using NetCompiler.Tests.Infrastructure;
using System.Globalization;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>Wrong span lengths and labels out of range throw, name the parameter, state the expected length, and
/// write nothing.</summary>
public class ArgumentValidationTests
{
    private const float Sentinel = 12345.5f;

    private static float[] Filled(int length) => Enumerable.Repeat(Sentinel, length).ToArray();

    private static void AssertUntouched(float[] buffer, string what) =>
        Assert.True(buffer.All(v => v == Sentinel), $"{what} was written although the call threw.");

    private static ArgumentException AssertRejected(Action call, string parameter, int? expectedLength)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, ex.ParamName);
        if (expectedLength is int n)
            Assert.True(ex.Message.Contains(n.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal),
                $"The message should state the expected length {n}: \"{ex.Message}\"");
        return ex;
    }

    // Input sizes ≥ 2, so that some lengths are not multiples of InputSize.
    public static TheoryData<string> Names => new() { nameof(Deep3HiddenHse), nameof(Deep3HiddenSce), nameof(Tiny342TanhSce), nameof(Xor221Tanh), nameof(Sce70ReLU) };

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_rejects_wrong_lengths(string name)
    {
        var r = DeclaredNetworks.All[name].Reference;
        var net = DeclaredNetworks.All[name].Create(1);
        int i = r.InputSize, o = r.OutputSize;

        foreach (int bad in new[] { i - 1, i + 1, 0 })
        {
            var y = Filled(o);
            AssertRejected(() => net.Predict(new float[bad], y), "input", i);
            AssertUntouched(y, "Predict output");
        }
        foreach (int bad in new[] { o - 1, o + 1, 0 })
            AssertRejected(() => net.Predict(new float[i], Filled(bad)), "output", o);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void PredictBatch_rejects_wrong_lengths(string name)
    {
        var r = DeclaredNetworks.All[name].Reference;
        var net = DeclaredNetworks.All[name].Create(1);
        int i = r.InputSize, o = r.OutputSize;

        foreach (int bad in new[] { 3 * i + 1, 3 * i - 1 })
        {
            var y = Filled(3 * o);
            AssertRejected(() => net.PredictBatch(new float[bad], y), "inputs", i);
            AssertUntouched(y, "PredictBatch outputs");
        }
        foreach (int bad in new[] { 2 * o, 4 * o, 3 * o + 1 })
        {
            var y = Filled(bad);
            AssertRejected(() => net.PredictBatch(new float[3 * i], y), "outputs", 3 * o);
            AssertUntouched(y, "PredictBatch outputs");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Parameter_copies_reject_wrong_lengths(string name)
    {
        var r = DeclaredNetworks.All[name].Reference;
        var net = DeclaredNetworks.All[name].Create(1);
        int pc = r.ParameterCount;
        var before = new float[pc];
        net.CopyParametersTo(before);

        foreach (int bad in new[] { pc - 1, pc + 1, 0 })
        {
            var d = Filled(bad);
            AssertRejected(() => net.CopyParametersTo(d), "destination", pc);
            AssertUntouched(d, "CopyParametersTo destination");
            AssertRejected(() => net.LoadParameters(new float[bad]), "source", pc);
        }
        var after = new float[pc];
        net.CopyParametersTo(after);
        Assert.Equal(before, after);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void ComputeGradients_rejects_wrong_lengths(string name)
    {
        var c = DeclaredNetworks.All[name];
        var r = c.Reference;
        var net = c.Create(1);
        int i = r.InputSize, o = r.OutputSize, pc = r.ParameterCount;
        const int n = 3;
        var x = NetworkChecks.RandomFloats(new Random(3), n * i);
        var t = r.Loss == Loss.SoftmaxCrossEntropy ? NetworkChecks.RandomDistributions(new Random(4), n, o) : new float[n * o];

        foreach (int bad in new[] { n * i + 1, n * i - 1 })
        {
            var g = Filled(pc);
            AssertRejected(() => net.ComputeGradients(new float[bad], new float[n * o], g), "inputs", i);
            AssertUntouched(g, "gradients");
        }
        foreach (int bad in new[] { n * o - 1, n * o + 1, (n + 1) * o })
        {
            var g = Filled(pc);
            AssertRejected(() => net.ComputeGradients(x, new float[bad], g), "targets", n * o);
            AssertUntouched(g, "gradients");
        }
        foreach (int bad in new[] { pc - 1, pc + 1 })
            AssertRejected(() => net.ComputeGradients(x, t, Filled(bad)), "gradients", pc);

        // Still fully working afterwards, and giving what a fresh instance gives.
        var g1 = new float[pc];
        var g2 = new float[pc];
        float l1 = net.ComputeGradients(x, t, g1);
        float l2 = c.Create(1).ComputeGradients(x, t, g2);
        Assert.Equal(l2, l1);
        Assert.Equal(g2, g1);
    }

    [Theory]
    [InlineData(nameof(Deep3HiddenSce))]
    [InlineData(nameof(Tiny342TanhSce))]
    [InlineData(nameof(Sce70ReLU))]
    public void ComputeGradients_rejects_bad_labels(string name)
    {
        var r = DeclaredNetworks.All[name].Reference;
        var net = (IClassifier)DeclaredNetworks.All[name].Create(1);
        int i = r.InputSize, o = r.OutputSize, pc = r.ParameterCount;
        const int n = 4;
        var x = NetworkChecks.RandomFloats(new Random(3), n * i);

        foreach (int bad in new[] { n - 1, n + 1, 0 })
        {
            var g = Filled(pc);
            AssertRejected(() => net.ComputeGradients(x, new int[bad], g), "labels", n);
            AssertUntouched(g, "gradients");
        }
        foreach (int bad in new[] { n * i + 1, n * i - 1 })
        {
            var g = Filled(pc);
            AssertRejected(() => net.ComputeGradients(new float[bad], new int[n], g), "inputs", i);
            AssertUntouched(g, "gradients");
        }
        foreach (int bad in new[] { pc - 1, pc + 1 })
            AssertRejected(() => net.ComputeGradients(x, new int[n], Filled(bad)), "gradients", pc);

        // Out of range, in the last sample so that a check made while looping would be too late.
        foreach (int label in new[] { -1, o, int.MaxValue, int.MinValue })
        {
            var g = Filled(pc);
            var labels = new int[n];
            labels[n - 1] = label;
            var ex = AssertRejected(() => net.ComputeGradients(x, labels, g), "labels", null);
            Assert.IsType<ArgumentOutOfRangeException>(ex);
            AssertUntouched(g, "gradients");
        }
    }

    [Theory]
    [InlineData(nameof(Deep3HiddenHse))]
    [InlineData(nameof(Deep3HiddenSce))]
    public void ComputeGradients_rejects_an_empty_batch(string name)
    {
        // A batch of 0 samples has no mean loss; treating it as a wrong length is the only sensible reading.
        var r = DeclaredNetworks.All[name].Reference;
        var net = DeclaredNetworks.All[name].Create(1);
        var g = Filled(r.ParameterCount);
        AssertRejected(() => net.ComputeGradients(Array.Empty<float>(), Array.Empty<float>(), g), "inputs", null);
        AssertUntouched(g, "gradients");
        if (net is IClassifier classifier)
        {
            AssertRejected(() => classifier.ComputeGradients(Array.Empty<float>(), Array.Empty<int>(), g), "inputs", null);
            AssertUntouched(g, "gradients");
        }
    }
}
