using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// The decisions of a batch-normalisation layer's kernels. Over channels it runs on blocks of samples, as the
/// convolution or pooling layer below does: its input arrives in blocks, and in <c>PredictBatch</c> it joins the layers
/// that go block by block. Its output is in blocks when the layer above runs on blocks. It needs no scratch of the
/// chunk passes: training keeps its batch statistics in the whole-batch workspace (<see cref="TrainingModeEmitter"/>).
/// </summary>
/// <param name="BatchNorm">The layer.</param>
/// <param name="Below">The activation below (null for the first layer, which NC0073 rejects).</param>
/// <param name="BlockedOutput">Its batch output stays in blocks (the layer above runs on blocks).</param>
internal sealed record BatchNormPlan(BatchNormLayerSpec BatchNorm, ActivationKind? Below, bool BlockedOutput)
    : LayerPlan(BatchNorm, Below, LayerScratch.None)
{
    /// <summary>Batch normalisation couples the samples of a batch: training runs the whole batch through each layer at once.</summary>
    public override bool TrainsWholeBatch => true;

    /// <summary>Each sample's output depends on the batch's mean and variance.</summary>
    public override bool CouplesBatch => true;

    /// <summary>Its input arrives in blocks of samples: it normalises channels of a spatial input.</summary>
    public bool BlockedInput => BatchNorm.Input.Spatial;

    /// <inheritdoc/>
    public override bool RunsOnBlocks => BlockedInput;
}
