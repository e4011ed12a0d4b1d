using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Conv;

/// <summary>ComputeGradients of the declared convolutional and pooling networks against finite differences of the
/// double reference (every parameter), Predict / PredictBatch against the reference, and the declared sizes.</summary>
public class ConvGradientTests
{
    public static IEnumerable<object[]> GradientCases() =>
        from c in ConvNetworks.All.Values
        from batch in new[] { 1, 3 }
        from labels in c.Reference.Loss == Loss.SoftmaxCrossEntropy ? new[] { false, true } : new[] { false }
        select new object[] { c.Name, batch, labels };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_match_finite_differences(string name, int batch, bool labels) =>
        NetworkChecks.GradientCheck(ConvNetworks.All[name], batch, labels, dataSeed: 100 + 7 * batch + (labels ? 1 : 0));

    /// <summary>Training runs the layers over chunks of samples: a batch of 67 is a chunk of 64 and one of 3.</summary>
    [Theory]
    [InlineData(nameof(ConvNarrow3), false)]
    [InlineData(nameof(MaxPoolOverlap), true)]
    [InlineData(nameof(AvgPoolBetweenConvs), false)]
    public void Gradients_of_a_batch_of_67_match_finite_differences(string name, bool labels) =>
        NetworkChecks.GradientCheck(ConvNetworks.All[name], batch: 67, labels, dataSeed: 170);

    [Theory]
    [MemberData(nameof(ConvNetworks.Names), MemberType = typeof(ConvNetworks))]
    public void Predict_matches_reference(string name) => NetworkChecks.PredictCheck(ConvNetworks.All[name], dataSeed: 31);

    [Theory]
    [MemberData(nameof(ConvNetworks.Names), MemberType = typeof(ConvNetworks))]
    public void Sizes_match_reference(string name) => NetworkChecks.StaticsMatch(ConvNetworks.All[name]);
}
