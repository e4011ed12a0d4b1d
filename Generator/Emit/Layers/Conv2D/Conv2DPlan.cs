using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The form of a convolution's single-sample forward kernel (<c>Predict</c>) on one path.</summary>
internal enum ConvSampleForm
{
    /// <summary>Filters in vector lanes, tiles of positions × all filters (small feature maps, rows that do not fill vectors).</summary>
    FiltersInLanes,

    /// <summary>Rows at least one vector wide: tiles of filters × vectors of outputs in registers.</summary>
    Tiled,

    /// <summary>Rows narrower than a vector: up to four vectors of outputs per row, then a scalar tail.</summary>
    RowVectors,

    /// <summary>Strides other than 1: a scalar loop nest with constant bounds.</summary>
    Scalar,
}

/// <summary>The decisions of a convolution's kernels, the sizes of its scratch and where its parts start.</summary>
/// <param name="Conv">The layer.</param>
/// <param name="Below">The activation below (null for the first layer: no ∂E/∂x).</param>
/// <param name="Scratch">Its scratch per pass.</param>
/// <param name="BlockedInput">Its batch input arrives in blocks (it follows a convolution or pooling layer).</param>
/// <param name="BlockedOutput">Its batch output stays in blocks (the layer above runs on blocks).</param>
/// <param name="PaddedSize">Floats of one sample's zero-padded input (0 without padding).</param>
/// <param name="SampleForm">The single-sample kernel's form, per path.</param>
/// <param name="SampleVectors">Its vectors per path (those that fit an output row).</param>
/// <param name="LanesTile">Positions per tile of the filters-in-lanes form, per path (null where that form does not apply).</param>
/// <param name="SampleWinograd">The filters-in-lanes form runs by F(2, 5) along the rows.</param>
/// <param name="LanesWeightsOffset">Where the filters-in-lanes kernel's transposed weights start in its scratch.</param>
/// <param name="LanesStagingOffset">Where its [positions, filters] staging starts.</param>
/// <param name="LanesWinogradOffset">Where its F(2, 5) U starts.</param>
/// <param name="SampleWinogradInputOffset">Where its F(2, 5) V starts.</param>
/// <param name="SampleWinogradProductsOffset">Where its F(2, 5) M starts.</param>
/// <param name="Winograd">The batch forward pass runs by F(2, 5) and ∂E/∂W by F(5, 2).</param>
/// <param name="PaddedBlock">Floats of the padded input block of the widest lanes (the start of the batch scratch).</param>
/// <param name="BlockBuffers">Floats of the padded input and output blocks; the forward pass's U starts here.</param>
/// <param name="WinogradWeights">Floats of the forward pass's U (0 without Winograd); its V and M follow.</param>
/// <param name="WinogradWork">Floats of the forward pass's V and M.</param>
/// <param name="DilatedHeight">Rows of the backward pass's dilated, zero-bordered ∂E/∂z.</param>
/// <param name="DilatedWidth">Its columns.</param>
/// <param name="DilatedBlock">Floats of its block of the widest lanes; the gradient sums follow it.</param>
/// <param name="GradientSums">Floats per lane of the backward pass's gradient sums; the F(5, 2) transforms follow them.</param>
/// <param name="WinogradGradientInput">Floats of the F(5, 2) weight gradient's V; its D follows.</param>
internal sealed record Conv2DPlan(
    Conv2DLayerSpec Conv,
    ActivationKind? Below,
    LayerScratch Scratch,
    bool BlockedInput,
    bool BlockedOutput,
    int PaddedSize,
    PerIsa<ConvSampleForm> SampleForm,
    PerIsa<IsaPath> SampleVectors,
    PerIsa<int?> LanesTile,
    bool SampleWinograd,
    int LanesWeightsOffset,
    int LanesStagingOffset,
    int LanesWinogradOffset,
    int SampleWinogradInputOffset,
    int SampleWinogradProductsOffset,
    bool Winograd,
    int PaddedBlock,
    int BlockBuffers,
    int WinogradWeights,
    int WinogradWork,
    int DilatedHeight,
    int DilatedWidth,
    int DilatedBlock,
    int GradientSums,
    int WinogradGradientInput)
    : LayerPlan(Conv, Below, Scratch)
{
    public override bool RunsOnBlocks => true;

    public override bool SampleTakesScratch => true;
}
