using NetCompiler.Tests.Infrastructure;
using Xunit;
using static NetCompiler.Activation;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// The Fashion-MNIST sample's network as compiled in the sample (784 → 128 ReLU → 10, softmax cross-entropy: the lane
/// path in PredictBatch, training by parts offered) against <see cref="ReferenceNetwork"/>: gradients by finite
/// differences and Predict/PredictBatch. Its training by parts, threads and allocation are tested in Tests/Runtime.
/// </summary>
public class FashionMlpTests
{
    private static readonly NetCase Mlp = NetCase.Of<NetCompiler.Samples.FashionMnist.FashionMlp>(
        new ReferenceNetwork(784, new RefLayer[] { new RefDense(128, ReLU), new RefDense(10) }, Loss.SoftmaxCrossEntropy));

    [Fact]
    public void Sizes_match_reference() => NetworkChecks.StaticsMatch(Mlp);

    /// <summary>Batches of 5 (labels) and 49 (distributions: a chunk that takes the lane path in PredictBatch on AVX-512);
    /// 101,770 parameters, so a structured subset per layer and random directional derivatives (<see cref="NetworkChecks.GradientCheck"/>).</summary>
    [Theory]
    [InlineData(5, true)]
    [InlineData(49, false)]
    public void Gradients_match_finite_differences(int batch, bool labels) =>
        NetworkChecks.GradientCheck(Mlp, batch, labels, dataSeed: 80 + batch);

    [Fact]
    public void Predict_matches_reference() => NetworkChecks.PredictCheck(Mlp, dataSeed: 81);
}
