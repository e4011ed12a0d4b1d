using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Planning;

/// <summary>
/// What a layer's planning rule sees: the network, the layer, and what it needs to know of its neighbours (the
/// activation below, for the input gradient's f′; whether the layer above runs on blocks of samples, for the layout
/// of the outputs).
/// </summary>
internal sealed record LayerPlanContext(NetworkSpec Network, LayerSpec Layer, bool AboveRunsOnBlocks)
{
    /// <summary>The activation of the layer below, whose ∂E/∂z this layer's backward pass writes; null for the first layer.</summary>
    public ActivationKind? BelowActivation => Layer.Index == 0 ? null : Network.Layers[Layer.Index - 1].Activation;
}

/// <summary>
/// Floats of scratch a layer's kernels need, per kind of pass: <see cref="Sample"/> for the single-sample forward
/// kernel (<c>Predict</c>), <see cref="ForwardBatch"/> for the forward batch kernel (<c>PredictBatch</c>),
/// <see cref="Batch"/> for the batch kernels of training, forward and backward (they never run at once).
/// </summary>
internal sealed record LayerScratch(int Sample, int ForwardBatch, int Batch)
{
    public static readonly LayerScratch None = new(0, 0, 0);
}

/// <summary>
/// Every decision about one layer's kernels, taken once by its unit's planning rule (see <c>ILayerUnit.Plan</c>):
/// the base holds what the network's passes ask of every layer; each kind adds its own strategies.
/// </summary>
/// <param name="Layer">The layer's spec.</param>
/// <param name="Below">The activation of the layer below (null for the first layer): its kernels then write ∂E/∂z below.</param>
/// <param name="Scratch">The scratch its kernels need.</param>
internal abstract record LayerPlan(LayerSpec Layer, ActivationKind? Below, LayerScratch Scratch)
{
    public int Index => Layer.Index;

    /// <summary>1-based number used in generated names (Layer1, Layer2, ...).</summary>
    public int Number => Layer.Number;

    /// <summary>
    /// Whether the batch kernels work on blocks of samples, one sample per vector lane (convolutions and pooling):
    /// a run of such layers at the bottom of a network goes block by block, and a layer below one keeps its outputs in blocks.
    /// </summary>
    public virtual bool RunsOnBlocks => false;

    /// <summary>Whether the single-sample forward kernel takes a scratch reference (<c>Predict</c> then declares one).</summary>
    public virtual bool SampleTakesScratch => false;

    /// <summary>Whether the layer can be part of a fused forward pass, every activation in locals (small dense layers).</summary>
    public virtual bool Fusable => false;

    /// <summary>Whether the layer has a forward kernel with the samples in vector lanes (dense layers).</summary>
    public virtual bool LaneCapable => false;

    /// <summary>
    /// Whether training differs from inference in a way the chunk passes cannot run (batch statistics couple the samples
    /// of a batch; random masks are drawn per step): the network then trains with the whole-batch step
    /// (<see cref="TrainingPlan.WholeBatch"/>), and the layer's unit implements <c>ITrainingModeUnit</c>.
    /// </summary>
    public virtual bool TrainsWholeBatch => false;

    /// <summary>
    /// Whether the samples of a batch change each other's results in training (batch statistics): the network then says
    /// so (<c>ITrainingModeNetwork.CouplesBatch</c>), and the trainer gives it each batch whole. Implies
    /// <see cref="TrainsWholeBatch"/>.
    /// </summary>
    public virtual bool CouplesBatch => false;
}
