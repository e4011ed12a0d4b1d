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

    /// <summary>The plan of <paramref name="layer"/>: every rule above, on every path.</summary>
    public static DensePlan Plan(DenseLayerSpec layer, LayerPlanContext context)
    {
        var rows = PerIsa<DenseRowsPlan>.From(path =>
        {
            var isa = path.FitRows(layer.InputSize);
            return new DenseRowsPlan(isa.ToPath(), SingleRows(layer, isa));
        });
        return new DensePlan(
            layer,
            context.BelowActivation,
            Unrolled: IsUnrolled(layer),
            Rows: rows,
            BiasVectors: PerIsa<IsaPath>.From(isa => isa.Fit(layer.OutputSize).ToPath()),
            AlignedInput: layer.Index == 0 && UsesAlignedInput(layer));
    }
}
