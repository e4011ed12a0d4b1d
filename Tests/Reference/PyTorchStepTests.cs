using System;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Reference;

/// <summary>
/// The reference implementation against PyTorch itself (<see cref="BatchNormStepFixture"/>): one SGD step of a network
/// with BatchNorm2d, BatchNorm1d, max pooling and dropout — loss, logits, every gradient, the parameters and running
/// statistics after the step, and inference with the updated running statistics. Both sides compute in double.
/// </summary>
public class PyTorchStepTests
{
    [Fact]
    public void Reference_training_step_matches_PyTorch()
    {
        var f = BatchNormStepFixture.Load();
        ReferenceNetwork r = BatchNormStepFixture.Reference;
        Assert.Equal(r.InputShape, f.InputShape);
        Assert.Equal((r.OutputSize, r.ParameterCount, r.StateCount), (f.Classes, f.Parameters.Length, f.State.Length));
        Assert.Equal((0.1, 1e-5, 0.0), (f.Momentum, f.Epsilon, f.DropoutP));

        RefResult step = r.Evaluate(f.Parameters, f.Inputs, r.OneHot(f.Labels), RefMode.Training, f.State);

        AssertClose([f.Loss], [step.Loss], "loss", r);
        AssertClose(f.Logits, step.Outputs.SelectMany(y => y).ToArray(), "training logits", r);
        AssertClose(f.Gradients, step.Gradients, "gradients", r, describe: true);
        double[] after = f.Parameters.Select((p, i) => p - f.LearningRate * step.Gradients[i]).ToArray();
        AssertClose(f.ParametersAfter, after, "parameters after the step", r, describe: true);
        AssertClose(f.StateAfter, step.State, "running statistics after the step", r);

        double[] inference = Enumerable.Range(0, f.Batch)
            .SelectMany(s => r.Forward(after, f.Inputs.AsSpan(s * r.InputSize, r.InputSize), state: step.State)).ToArray();
        AssertClose(f.InferenceLogitsAfter, inference, "inference logits after the step", r);
    }

    /// <summary>Each element within 1e-5 relative (plus 1e-12 absolute for elements that are 0 in both).</summary>
    private static void AssertClose(double[] expected, double[] actual, string what, ReferenceNetwork r, bool describe = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        var off = Enumerable.Range(0, expected.Length)
            .Where(i => !(Math.Abs(actual[i] - expected[i]) <= 1e-12 + 1e-5 * Math.Abs(expected[i])))
            .Select(i => $"{(describe ? r.Describe(i) : $"[{i}]")}: reference {actual[i]:R}, PyTorch {expected[i]:R}").ToList();
        Assert.True(off.Count == 0, $"{what}: {off.Count} of {expected.Length} off:\n  " + string.Join("\n  ", off.Take(12)));
        double worst = Enumerable.Range(0, expected.Length).Max(i => Math.Abs(actual[i] - expected[i]) / Math.Max(Math.Abs(expected[i]), 1e-9));
        TestReport.Line($"PyTorch step fixture, {what}: {expected.Length} values, max |difference| / max(|PyTorch|, 1e-9) {worst:E2}");
    }
}
