using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers.Dropout;

/// <summary>
/// The decisions of a dropout layer's kernels: its input is row-major, its output in blocks of samples when the layer
/// above runs on blocks. No scratch.
/// </summary>
/// <param name="Dropout">The layer.</param>
/// <param name="Below">The activation below (null for dropout of the input: no ∂E/∂z to hand down).</param>
/// <param name="BlockedOutput">Its batch output stays in blocks (the layer above runs on blocks).</param>
internal sealed record DropoutPlan(DropoutLayerSpec Dropout, ActivationKind? Below, bool BlockedOutput)
    : LayerPlan(Dropout, Below, LayerScratch.None)
{
    /// <summary>Training draws masks that inference does not: the network takes the whole-batch training step.</summary>
    public override bool TrainsWholeBatch => true;
}
