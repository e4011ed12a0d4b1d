using System.Collections.Generic;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using static NetCompiler.Activation;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Conv;

// Many filters over a wide input: the input gradient of the second conv sums over 24 channels of a 20-wide dilated
// ∂E/∂z, more than the emitter lets one pass keep in L1, so it runs in channel groups (stored, reloaded, f′ last).
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 6, 20)] [Conv2D(3, 3, ReLU)] [Conv2D(24, 3, Tanh)] [MaxPool2D(2)] [Dense(3)]
public partial class ConvChannelGroups { }

/// <summary>
/// The batch kernels of convolutions and pooling work on blocks of 16, 8 or 4 samples (one per vector lane) inside
/// chunks of 64: batches that leave partial blocks and partial chunks (1, 3, 65, 130), against the reference.
/// </summary>
public class ConvBlockTests
{
    private static readonly NetCase ChannelGroups = NetCase.Of<ConvChannelGroups>(new ReferenceNetwork(new[] { 2, 6, 20 },
        new[] { Conv2D(3, 3, ReLU), Conv2D(24, 3, Tanh), MaxPool(2), Dense(3) }, Loss.SoftmaxCrossEntropy));

    private static NetCase Case(string name) => name == nameof(ConvChannelGroups) ? ChannelGroups : ConvNetworks.All[name];

    public static IEnumerable<object[]> GradientCases() =>
        from name in new[] { nameof(MiniLeNet), nameof(ConvStride2Sigmoid), nameof(ConvStride2Pad2NoBias), nameof(AvgPoolBetweenConvs),
                             nameof(PoolFirstAndLast), nameof(ConvWholeInput), nameof(MaxPoolGaps), nameof(ConvChannelGroups) }
        from batch in new[] { 65, 130 }
        select new object[] { name, batch };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_of_partial_blocks_and_chunks_match_finite_differences(string name, int batch)
    {
        var c = Case(name);
        NetworkChecks.GradientCheck(c, batch, useLabels: c.Reference.Loss == Loss.SoftmaxCrossEntropy, dataSeed: 500 + batch);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Gradients_with_channel_groups_match_finite_differences(int batch) =>
        NetworkChecks.GradientCheck(ChannelGroups, batch, useLabels: false, dataSeed: 540 + batch);

    public static IEnumerable<object[]> PredictCases() =>
        from name in new[] { nameof(MiniLeNet), nameof(ConvStride2Sigmoid), nameof(PoolFirstAndLast), nameof(ConvAligned64Output), nameof(ConvChannelGroups) }
        from batch in new[] { 1, 65, 130 }
        select new object[] { name, batch };

    [Theory]
    [MemberData(nameof(PredictCases))]
    public void PredictBatch_of_partial_blocks_and_chunks_matches_reference(string name, int batch) =>
        NetworkChecks.PredictCheck(Case(name), dataSeed: 600 + batch, batch: batch, single: 1);
}
