using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>
/// The decisions of a dense layer's kernels that walk rows of W, on one path: they depend only on the vectors that fit
/// its rows there, so paths that get the same share one branch of code.
/// </summary>
/// <param name="Vectors">The vectors of the kernels that walk rows of W (<c>Isa.FitRows</c> of the inputs).</param>
/// <param name="SingleRows">One sample's forward pass takes its rows one at a time, W read as one stream.</param>
/// <param name="ForwardTileRows">Rows per register tile of the batched forward pass.</param>
/// <param name="GradientTileRows">Rows of ∂E/∂W per register tile.</param>
/// <param name="PacksInput">The weight gradient copies each column block's slice of x to a contiguous buffer first.</param>
/// <param name="InputGradientTileSamples">Samples per register tile of the batched input gradient.</param>
internal sealed record DenseRowsPlan(IsaPath Vectors, bool SingleRows, int ForwardTileRows, int GradientTileRows, bool PacksInput, int InputGradientTileSamples)
{
    public Isa Isa => Vectors.ToIsa();
}

/// <summary>
/// The decisions of a dense layer's kernels. Per-path values are indexed by the machine's path (the branch the JIT
/// keeps) and already account for a row narrower than that path's vectors.
/// </summary>
/// <param name="Dense">The layer.</param>
/// <param name="Below">The activation below (null for the first layer: no input gradient).</param>
/// <param name="Unrolled">Every kernel fully unrolled into straight-line scalar code (no loop, every index a constant).</param>
/// <param name="Rows">The row kernels' decisions, per path.</param>
/// <param name="BiasVectors">The vectors of ∂E/∂b, which walks the outputs (<c>Isa.Fit</c> of the outputs).</param>
/// <param name="AlignedInput">As layer 1, its single-sample kernel reads a copy of x on a 64-byte boundary.</param>
/// <param name="InputGradientRowBlocks">The input gradient runs in passes over blocks of rows of W.</param>
/// <param name="RowRange">Its batch kernels take a range of rows (the layer training by parts splits).</param>
/// <param name="Lanes">It has a forward kernel with the samples in vector lanes (the network's lane path).</param>
internal sealed record DensePlan(
    DenseLayerSpec Dense,
    ActivationKind? Below,
    bool Unrolled,
    PerIsa<DenseRowsPlan> Rows,
    PerIsa<IsaPath> BiasVectors,
    bool AlignedInput,
    bool InputGradientRowBlocks,
    bool RowRange = false,
    bool Lanes = false)
    : LayerPlan(Dense, Below, LayerScratch.None)
{
    public override bool Fusable => Unrolled;

    public override bool LaneCapable => true;
}
