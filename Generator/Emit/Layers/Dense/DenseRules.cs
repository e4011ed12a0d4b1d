using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The planning rules of a dense layer, each with the reason it is what it is.</summary>
internal static class DenseRules
{
    /// <summary>Layers with at most this many weights are fully unrolled: no loop, every index a constant.</summary>
    public const int UnrollLimit = 64;

    /// <summary>Accumulators of the single-row AVX-512 forward kernel; a power of two.</summary>
    public const int RowAccumulators = 8;

    /// <summary>Rows of ∂E/∂W accumulated together (each dz[s, o] broadcast once per sample).</summary>
    public const int GradientRows = 4;

    /// <summary>Vectors of each row accumulated together in ∂E/∂W (each x load serves every row).</summary>
    public const int GradientVectors = 3;

    /// <summary>Samples per register tile of the batched input gradient (3 samples × 3 vectors = 9 accumulators, 3 of W).</summary>
    public const int BackwardSamples = 3;

    /// <summary>
    /// Rows of W per pass of the batched input gradient when a layer has more outputs than this. A block of inputs reads
    /// a slice of every row of W once per tile of samples; rows of 1,024 floats are 4 KB apart, so a slice of 1,024 rows
    /// falls into a sixteenth of L2's sets, does not stay there, and is fetched again from L3 by every tile, a new page
    /// per row (no hardware prefetch). A pass over 128 rows keeps its slice (128 × 3 lines) in L2 for all the tiles.
    /// </summary>
    public const int BackwardRowBlock = 128;

    public static bool IsUnrolled(DenseLayerSpec layer) => layer.WeightCount <= UnrollLimit;

    /// <summary>
    /// Whether one sample's forward pass takes its rows one at a time: on the AVX-512 path, for rows of whole vectors,
    /// at least <see cref="RowAccumulators"/> of them. Such a layer is bound by reading W from L2, and this form reads it
    /// at close to the rate of a plain sequential read, where four rows sharing each load of x (four streams of W) do
    /// not (docs/design/dense-kernels.md).
    /// </summary>
    public static bool SingleRows(DenseLayerSpec layer, Isa isa)
        => isa == Isa.Avx512 && layer.InputSize % isa.Width == 0 && layer.InputSize / isa.Width >= RowAccumulators;

    /// <summary>
    /// Whether the layer's single-sample kernel, as the network's first layer, should read a copy of the input on a
    /// 64-byte boundary (the kernels' <c>AlignedInput</c>): it reads x once per row, and a .NET array's floats may start
    /// anywhere, so without the copy most loads of x span two cache lines. The copy is made by <c>Predict</c>, into a
    /// buffer per thread: a <c>stackalloc</c> in the kernel made the JIT compile it without optimisation for good (no
    /// on-stack replacement with <c>localloc</c>), and one in <c>Predict</c> cost more in zeroing than the copy saved.
    /// Layers of fewer than 16 rows read x too few times for the copy to pay; on the AVX2 path, whose kernel shares each
    /// load of x between four rows, the copy costs more than it saves, so it is AVX-512's alone.
    /// </summary>
    public static bool UsesAlignedInput(DenseLayerSpec layer)
        => !IsUnrolled(layer) && SingleRows(layer, Isa.Avx512.FitRows(layer.InputSize)) && layer.OutputSize >= 16;

    /// <summary>
    /// Output rows per register tile of the batched forward pass: 4 with 16 vector registers (AVX2, 128-bit), 8 with
    /// AVX-512's 32, where the 24 accumulators of 8 rows × 3 samples, the 3 vectors of x and one of W fit, and each
    /// load of x from L2 serves twice as many rows (the whole batch's x passes once per tile of rows). Rows with a
    /// scalar tail keep 4: the tail's scalar code for 24 dot products made the JIT stop inlining (its budget for the
    /// method ran out), and the calls that remained made such layers far slower.
    /// </summary>
    public static int ForwardTileRows(Isa isa, int inputs) => isa == Isa.Avx512 && inputs % isa.Width == 0 ? 8 : 4;

    /// <summary>
    /// Rows of ∂E/∂W per register tile on <paramref name="isa"/>: <see cref="GradientRows"/>, or 8 on AVX-512 (8 × 3
    /// vectors = 24 accumulators, 3 of x and a broadcast in its 32 registers), so that each load of x serves 8 rows:
    /// when rows of x are a multiple of 4 KB apart (1,024 inputs) the batch's slice of x maps to a few L1 sets and
    /// comes from L2 again for every tile. Parts of a layer trained by parts start at multiples of 16 rows, so no tile
    /// crosses one.
    /// </summary>
    public static int GradientTileRows(Isa isa) => isa == Isa.Avx512 ? 8 : GradientRows;

    /// <summary>
    /// Whether the weight gradient copies each column block's slice of x (the batch's rows, at most
    /// <see cref="NetworkPlan.BatchChunk"/> of them) to a contiguous buffer first: when rows of x are a multiple of
    /// 1 KB apart (a multiple of 256 inputs), which puts the slices of 64 rows on at most 4 of L1's 64 sets, and enough
    /// rows of W (32: 4 tiles of 8 on AVX-512) reuse the copy. Without it such slices come from L2 again for every tile
    /// of rows; for rows that do not alias (Fashion MLP's 784 inputs: 49 lines apart) the copy only costs, so they keep
    /// x in place (docs/design/dense-kernels.md). The products and sums are the same either way, so are the bits.
    /// </summary>
    public static bool PacksInput(DenseLayerSpec layer, Isa isa)
        => layer.OutputSize >= 32 && layer.InputSize % 256 == 0 && layer.InputSize > GradientVectors * isa.Width;

    /// <summary>
    /// Samples per register tile of the batched input gradient on <paramref name="isa"/>: <see cref="BackwardSamples"/>,
    /// or 8 on AVX-512 (8 × 3 = 24 accumulators, 3 of W and a broadcast in its 32 registers), so that each load of W
    /// serves 8 samples instead of 3: a wide layer's slice of W (every row of 3 vectors of inputs: 192 KB for 1,024
    /// rows) does not stay in L1 and streams from L2 once per tile.
    /// </summary>
    public static int BackwardTileSamples(Isa isa) => isa == Isa.Avx512 ? 8 : BackwardSamples;

    /// <summary>The plan of <paramref name="layer"/>: every rule above, on every path.</summary>
    public static DensePlan Plan(DenseLayerSpec layer, LayerPlanContext context)
    {
        var rows = PerIsa<DenseRowsPlan>.From(path =>
        {
            var isa = path.FitRows(layer.InputSize);
            return new DenseRowsPlan(isa.ToPath(), SingleRows(layer, isa), ForwardTileRows(isa, layer.InputSize),
                GradientTileRows(isa), PacksInput(layer, isa), BackwardTileSamples(isa));
        });
        return new DensePlan(
            layer,
            context.BelowActivation,
            Unrolled: IsUnrolled(layer),
            Rows: rows,
            BiasVectors: PerIsa<IsaPath>.From(isa => isa.Fit(layer.OutputSize).ToPath()),
            AlignedInput: layer.Index == 0 && UsesAlignedInput(layer),
            InputGradientRowBlocks: layer.OutputSize > BackwardRowBlock);
    }
}
