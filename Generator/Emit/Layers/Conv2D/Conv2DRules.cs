using System;
using System.Linq;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The planning rules of a 2-D convolution, each with the reason it is what it is.</summary>
internal static class Conv2DRules
{
    /// <summary>The widest block (Vector512): batch scratch is sized for it.</summary>
    public const int MaxLanes = 16;

    /// <summary>α of F(2, 5) and F(5, 2): transformed points per pair of outputs.</summary>
    public const int Points = 6;

    public static int RoundUp16(int n) => (n + 15) / 16 * 16;

    public static int PaddedSize(Conv2DLayerSpec c) => c.Padding == 0 ? 0 : c.Input.Channels * c.PaddedHeight * c.PaddedWidth;

    /// <summary>
    /// Positions per tile when the filters-in-lanes form applies on this path, else null: stride 1, whole vectors of
    /// filters (one or two), output rows that do not fill whole vectors (where the row-vector form computes lanes it throws
    /// away), and at least eight taps and eight positions for the 8 × 8 transposes; the tile is the widest divisor of
    /// the row width that keeps at most 12 accumulators.
    /// </summary>
    public static int? LanesTile(Conv2DLayerSpec c, Isa isa)
    {
        if (isa == Isa.Portable || c.Stride != 1 || c.Filters % isa.Width != 0) return null;
        int vectors = c.Filters / isa.Width, ow = c.Output.Width;
        if (vectors > 2 || ow % isa.Fit(ow).Width == 0 || c.KernelSize < 8 || c.Output.Height * ow < 8) return null;
        for (int p = Math.Min(ow, 12 / vectors); p >= 2; p--)
            if (ow % p == 0) return p;
        return null;
    }

    /// <summary>
    /// The single-sample kernel's form on a path: with stride 1, filters in lanes where <see cref="LanesTile"/> applies,
    /// else tiles of filters × vectors of outputs for rows at least one vector wide, else vectors along each row; other
    /// strides a scalar loop nest with constant bounds.
    /// </summary>
    public static ConvSampleForm SampleForm(Conv2DLayerSpec c, Isa isa)
        => c.Stride != 1 ? ConvSampleForm.Scalar
            : LanesTile(c, isa) is not null ? ConvSampleForm.FiltersInLanes
            : c.Output.Width >= isa.Fit(c.Output.Width).Width ? ConvSampleForm.Tiled
            : ConvSampleForm.RowVectors;

    /// <summary>
    /// Whether a block convolution uses F(2, 5) along its rows: 5-wide kernels, stride 1, an even output width, and at
    /// least 15 products per output along channels × kernel rows (LeNet-5's conv2: 6 × 5), so that its dot products are
    /// as long as a direct tile's. Conv1 of LeNet-5 (one input channel) stays direct. ∂E/∂x stays direct: by F(2, 5) its
    /// pieces of six columns would span the zero border of the dilated ∂E/∂z that the direct kernel skips, which costs
    /// more than the products save (docs/design/convolution.md). ∂E/∂W uses F(5, 2) under the same condition.
    /// </summary>
    public static bool Winograd(Conv2DLayerSpec c)
        => c.Stride == 1 && c.KernelWidth == 5 && c.Output.Width % 2 == 0 && c.Input.Channels * c.KernelHeight >= 15;

    /// <summary>
    /// Whether the single-sample forward pass (Predict) runs by F(2, 5) when it has its filters in the lanes: the batch
    /// kernel's condition, and rows of at least six outputs (V is computed for the row's OW − 1 piece starts in vectors,
    /// at least one of the narrowest, four floats).
    /// </summary>
    public static bool SampleWinograd(Conv2DLayerSpec c) => Winograd(c) && c.Output.Width >= 6;

    private static int Tiles(Conv2DLayerSpec c) => c.Output.Width / 2;

    /// <summary>Floats of U, the transformed weights of the block convolution (and of one sample's).</summary>
    private static int WinogradWeightsSize(Conv2DLayerSpec c) => RoundUp16(Points * c.Filters * c.Input.Channels * c.KernelHeight);

    /// <summary>
    /// Floats of V (the live input rows of one block, transformed; the padding rows are skipped) and M (one output
    /// row's products), widest lanes.
    /// </summary>
    private static int WinogradWorkSize(Conv2DLayerSpec c)
    {
        int first = Math.Max(0, c.Padding), end = Math.Min(c.PaddedHeight, c.Padding + c.Input.Height);
        return MaxLanes * Points * Tiles(c) * (c.Input.Channels * (end - first) + c.Filters);
    }

    /// <summary>Floats of the single-sample F(2, 5) kernel's V: every piece start of every padded input row, transformed.</summary>
    private static int SampleWinogradInput(Conv2DLayerSpec c) => RoundUp16(c.Input.Channels * c.PaddedHeight * Points * c.Output.Width);

    /// <summary>Rows of the dilated ∂E/∂z block: ∂E/∂z spread by the stride, bordered with zeros for a full convolution.</summary>
    private static int DilatedHeight(Conv2DLayerSpec c)
        => Math.Max(c.Input.Height + c.Padding + c.KernelHeight - 1, (c.Output.Height - 1) * c.Stride + c.KernelHeight);

    private static int DilatedWidth(Conv2DLayerSpec c)
        => Math.Max(c.Input.Width + c.Padding + c.KernelWidth - 1, (c.Output.Width - 1) * c.Stride + c.KernelWidth);

    private static int DilatedBlock(Conv2DLayerSpec c) => MaxLanes * c.Filters * DilatedHeight(c) * DilatedWidth(c);

    /// <summary>Floats (per lane) of the backward pass's gradient sums: M[o, c, u, ξ] then ∂E/∂b with F(5, 2), else ∂E/∂W then ∂E/∂b.</summary>
    private static int GradientSums(Conv2DLayerSpec c)
        => Winograd(c) ? c.Filters * c.Input.Channels * c.KernelHeight * Points + (c.Bias ? c.Filters : 0) : c.ParameterCount;

    /// <summary>Floats of the F(5, 2) weight gradient's V for one block: the input rows' pieces, transformed.</summary>
    private static int WinogradGradientInput(Conv2DLayerSpec c) => MaxLanes * c.Input.Channels * c.PaddedHeight * Points * Tiles(c);

    /// <summary>Floats of scratch the F(5, 2) weight gradient needs for one block past its sums: V and D.</summary>
    private static int WinogradBackwardScratch(Conv2DLayerSpec c)
        => Winograd(c) ? WinogradGradientInput(c) + MaxLanes * c.Filters * c.Output.Height * Points * Tiles(c) : 0;

    /// <summary>The plan of <paramref name="c"/>: every rule above, on every path, and its scratch.</summary>
    public static Conv2DPlan Plan(Conv2DLayerSpec c, LayerPlanContext context)
    {
        bool winograd = Winograd(c), sampleWinograd = SampleWinograd(c);
        int padded = PaddedSize(c);
        // Single sample: the padded input; with filters in lanes on some path, then the transposed weights, the
        // staging of the outputs and (by F(2, 5)) U, V and M, each on a 64-byte boundary.
        int lanesWeights = RoundUp16(padded);
        int lanesStaging = RoundUp16(lanesWeights + c.WeightCount);
        int lanesWinograd = RoundUp16(lanesStaging + c.OutputSize);
        int sampleV = lanesWinograd + WinogradWeightsSize(c), sampleM = sampleV + SampleWinogradInput(c);
        var tiles = PerIsa<int?>.From(isa => LanesTile(c, isa));
        int sample = !Isa.All.Any(isa => tiles[isa] is not null) ? padded
            : sampleWinograd ? sampleM + Points * Tiles(c) * c.Filters
            : lanesStaging + c.OutputSize;
        // Batch: the padded input block and the output (or ∂E/∂z) block, then the forward pass's U, V and M; or, in
        // training, the block buffers then the backward pass's dilated ∂E/∂z block, per-lane gradient sums and F(5, 2)
        // transforms (the two passes never run at once).
        int paddedBlock = MaxLanes * c.Input.Channels * c.PaddedHeight * c.PaddedWidth;
        int blockBuffers = paddedBlock + MaxLanes * c.OutputSize;
        int weights = winograd ? WinogradWeightsSize(c) : 0, work = winograd ? WinogradWorkSize(c) : 0;
        int forwardBatch = blockBuffers + weights + work;
        int gradientSums = GradientSums(c);
        int dilated = DilatedBlock(c);
        int batch = Math.Max(forwardBatch, blockBuffers + dilated + MaxLanes * gradientSums + WinogradBackwardScratch(c));
        return new Conv2DPlan(
            c,
            context.BelowActivation,
            new LayerScratch(sample, forwardBatch, batch),
            // Every layer but the first follows a convolution or pooling layer, whose outputs stay in blocks.
            BlockedInput: c.Index > 0,
            BlockedOutput: context.AboveRunsOnBlocks,
            PaddedSize: padded,
            SampleForm: PerIsa<ConvSampleForm>.From(isa => SampleForm(c, isa)),
            SampleVectors: PerIsa<IsaPath>.From(isa => isa.Fit(c.Output.Width).ToPath()),
            LanesTile: tiles,
            SampleWinograd: sampleWinograd,
            LanesWeightsOffset: lanesWeights,
            LanesStagingOffset: lanesStaging,
            LanesWinogradOffset: lanesWinograd,
            SampleWinogradInputOffset: sampleV,
            SampleWinogradProductsOffset: sampleM,
            Winograd: winograd,
            PaddedBlock: paddedBlock,
            BlockBuffers: blockBuffers,
            WinogradWeights: weights,
            WinogradWork: work,
            DilatedHeight: DilatedHeight(c),
            DilatedWidth: DilatedWidth(c),
            DilatedBlock: dilated,
            GradientSums: gradientSums,
            WinogradGradientInput: winograd ? WinogradGradientInput(c) : 0);
    }
}
