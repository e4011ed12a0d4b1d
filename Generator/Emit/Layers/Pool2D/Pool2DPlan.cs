using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The form of a pooling layer's single-sample forward kernel (<c>Predict</c>).</summary>
internal enum PoolSampleForm
{
    /// <summary>Windows that may reach the padding: clipped to the input, each window's bounds computed.</summary>
    Padded,

    /// <summary>Max pooling over 2×2 windows with stride 2 (the usual case): vectors of pairs of neighbours.</summary>
    Pairs,

    /// <summary>Any other window: a scalar loop over the outputs.</summary>
    Windows,
}

/// <summary>The decisions of a pooling layer's kernels and the size of its scratch.</summary>
/// <param name="Pool">The layer.</param>
/// <param name="Below">The activation below (null for the first layer: no backward kernel).</param>
/// <param name="Scratch">Its scratch per pass.</param>
/// <param name="BlockedInput">Its batch input arrives in blocks (it follows a convolution or pooling layer).</param>
/// <param name="BlockedOutput">Its batch output stays in blocks (the layer above runs on blocks).</param>
/// <param name="SampleForm">The single-sample kernel's form.</param>
/// <param name="WidePairs">The pairs form has a 256-bit path (rows of at least four outputs).</param>
/// <param name="WindowUnrolled">Each window is unrolled whole (every offset a constant).</param>
internal sealed record Pool2DPlan(
    Pool2DLayerSpec Pool,
    ActivationKind? Below,
    LayerScratch Scratch,
    bool BlockedInput,
    bool BlockedOutput,
    PoolSampleForm SampleForm,
    bool WidePairs,
    bool WindowUnrolled)
    : LayerPlan(Pool, Below, Scratch)
{
    public override bool RunsOnBlocks => true;
}
