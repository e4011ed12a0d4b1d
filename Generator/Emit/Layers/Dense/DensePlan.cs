using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>
/// The decisions of a dense layer's kernels that walk rows of W, on one path: they depend only on the vectors that fit
/// its rows there, so paths that get the same share one branch of code. (The batch kernels' register tiles are the
/// runtime's rules, <c>NetCompiler.Support.DenseKernels</c>, taken from the same vectors and the layer's shape.)
/// </summary>
/// <param name="Vectors">The vectors of the kernels that walk rows of W (<c>Isa.FitRows</c> of the inputs).</param>
/// <param name="SingleRows">One sample's forward pass takes its rows one at a time, W read as one stream.</param>
internal sealed record DenseRowsPlan(IsaPath Vectors, bool SingleRows)
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
/// <param name="RowRange">Its batch kernels take a range of rows (the layer training by parts splits).</param>
/// <param name="Lanes">It has a forward kernel with the samples in vector lanes (the network's lane path).</param>
internal sealed record DensePlan(
    DenseLayerSpec Dense,
    ActivationKind? Below,
    bool Unrolled,
    PerIsa<DenseRowsPlan> Rows,
    PerIsa<IsaPath> BiasVectors,
    bool AlignedInput,
    bool RowRange = false,
    bool Lanes = false)
    : LayerPlan(Dense, Below, LayerScratch.None)
{
    public override bool Fusable => Unrolled;

    public override bool LaneCapable => true;
}
