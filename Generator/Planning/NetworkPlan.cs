using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Planning;

/// <summary>
/// Every decision the emitters act on, for one network, taken once by <see cref="NetworkPlanner.Plan"/>: per layer,
/// the strategy of its kernels (<see cref="Layers"/>); network-wide, which forward pass <c>Predict</c> and
/// <c>PredictBatch</c> take, whether training takes the lane path and can be split by parts, and every workspace with
/// the offsets of its regions. Plain records with value equality: no code, no Roslyn types, so that a plan can be
/// compared, cached and tested on its own, and the emitters only read it.
/// </summary>
/// <param name="Spec">The network the plan is for.</param>
/// <param name="Layers">One plan per layer, in order.</param>
/// <param name="Fused">Every layer small enough to unroll: one straight-line forward pass, every activation in a local.</param>
/// <param name="FusedAvx">The fused pass also has an AVX form (every layer 8 → 8, ReLU or identity).</param>
/// <param name="Lanes">The lane path of <c>PredictBatch</c> and training (null when the network has none).</param>
/// <param name="Split">Training by parts (null when the network cannot be split).</param>
/// <param name="Predict">One sample's forward pass.</param>
/// <param name="PredictBatch">A chunk's forward pass.</param>
/// <param name="Training">A training step over a chunk.</param>
/// <param name="AlignmentAnchor">The layer whose weights the parameters put on a 64-byte boundary (the largest), or null.</param>
/// <param name="BlockHelpers">Some batch kernel works on blocks of samples: the kernels get the block helpers.</param>
internal sealed record NetworkPlan(
    NetworkSpec Spec,
    EquatableArray<LayerPlan> Layers,
    bool Fused,
    bool FusedAvx,
    LanePlan? Lanes,
    SplitPlan? Split,
    PredictPlan Predict,
    PredictBatchPlan PredictBatch,
    TrainingPlan Training,
    int? AlignmentAnchor,
    bool BlockHelpers)
{
    /// <summary>Samples that go through the layers together in PredictBatch and training.</summary>
    public const int BatchChunk = 64;

    /// <summary>The plan of the layer above <paramref name="layer"/>, null for the last.</summary>
    public LayerPlan? Above(LayerPlan layer) => layer.Index + 1 < Layers.Count ? Layers[layer.Index + 1] : null;

    /// <summary>Whether <paramref name="layer"/> is the layer training by parts splits.</summary>
    public bool IsSplit(LayerPlan layer) => Split is { } split && split.Layer == layer.Index;
}

/// <summary>Where a workspace lives.</summary>
internal enum WorkspacePlace
{
    /// <summary>No workspace: the pass needs no scratch.</summary>
    None,

    /// <summary>A <c>stackalloc</c> per call.</summary>
    Stack,

    /// <summary>A pinned buffer per thread, made on its first call and kept.</summary>
    ThreadBuffer,
}

/// <summary>A workspace of <paramref name="Size"/> floats (before alignment slack), and where it lives.</summary>
internal sealed record WorkspacePlan(int Size, WorkspacePlace Place);

/// <summary>
/// <c>Predict</c>, one sample: unless <see cref="NetworkPlan.Fused"/>, the hidden layers' outputs at
/// <paramref name="Outputs"/> (one offset per layer but the last, each on a 64-byte boundary), then the layers' scratch
/// at <paramref name="ScratchOffset"/>.
/// </summary>
/// <param name="Workspace">The workspace.</param>
/// <param name="Outputs">Where each hidden layer's outputs start.</param>
/// <param name="ScratchOffset">Where the single-sample kernels' scratch starts.</param>
/// <param name="Scratch">Some single-sample kernel takes a scratch reference.</param>
/// <param name="AlignsInput">Layer 1 reads a copy of an input that is not on a 64-byte boundary.</param>
internal sealed record PredictPlan(WorkspacePlan Workspace, EquatableArray<int> Outputs, int ScratchOffset, bool Scratch, bool AlignsInput);

/// <summary>
/// <c>PredictBatch</c>, a chunk of <see cref="NetworkPlan.BatchChunk"/> samples: the hidden layers' outputs at
/// <paramref name="Outputs"/>, then the forward batch kernels' scratch at <paramref name="ScratchOffset"/>; on the lane
/// path the same buffer holds the lane buffers instead.
/// </summary>
/// <param name="Workspace">The workspace.</param>
/// <param name="Outputs">Where each hidden layer's outputs start.</param>
/// <param name="ScratchOffset">Where the forward batch kernels' scratch starts.</param>
/// <param name="Scratch">Some batch kernel needs scratch (a reference to it is declared).</param>
/// <param name="BlockedLayers">Layers at the bottom that run block by block, each block through all of them (0 when fewer than two).</param>
internal sealed record PredictBatchPlan(WorkspacePlan Workspace, EquatableArray<int> Outputs, int ScratchOffset, bool Scratch, int BlockedLayers);

/// <summary>
/// A training step over a chunk: every layer's outputs at <paramref name="Outputs"/>, two ∂E/∂z buffers of the widest
/// layer, the batch kernels' scratch, then (on the lane path) the lane buffers at <paramref name="LanesOffset"/>.
/// </summary>
/// <param name="Workspace">The workspace.</param>
/// <param name="Outputs">Where each layer's outputs start.</param>
/// <param name="DeltaA">Where the first ∂E/∂z buffer starts.</param>
/// <param name="DeltaB">Where the second starts (null for a single layer: one buffer).</param>
/// <param name="ScratchOffset">Where the batch kernels' scratch starts (null when none needs any).</param>
/// <param name="LanesOffset">Where the lane buffers start (null when training does not take the lane path).</param>
/// <param name="WholeBatch">
/// Some layer trains differently from inference (<see cref="LayerPlan.TrainsWholeBatch"/>): training runs the whole batch
/// through each layer at once, in a workspace sized per batch at run time, and the chunk workspace above is empty.
/// </param>
internal sealed record TrainingPlan(WorkspacePlan Workspace, EquatableArray<int> Outputs, int DeltaA, int? DeltaB, int? ScratchOffset, int? LanesOffset,
    bool WholeBatch = false);

/// <summary>
/// The lane path of a network of dense layers: two lane buffers that the layers pass between (A holds the transposed
/// input and the outputs of layers 2, 4, …, B those of layers 1, 3, …, each [width][64]) and 16 rows of staging.
/// </summary>
/// <param name="InTraining">The forward pass of training takes the lane path too.</param>
/// <param name="WidthA">Rows of lane buffer A.</param>
/// <param name="WidthB">Rows of lane buffer B.</param>
/// <param name="BufferB">Where B starts, from the start of the lane workspace.</param>
/// <param name="StagingOffset">Where the staging rows start.</param>
/// <param name="Size">Floats of the lane workspace.</param>
/// <param name="RowWidths">Widths of the hidden layers whose lane outputs training transposes back to rows (one kernel each).</param>
internal sealed record LanePlan(bool InTraining, int WidthA, int WidthB, int BufferB, int StagingOffset, int Size, EquatableArray<int> RowWidths);

/// <summary>
/// Training by parts: one step cut by the rows of layer <paramref name="Layer"/> + 1 into parts of whole
/// <paramref name="Quantum"/>s of rows, run at once on different threads.
/// </summary>
/// <param name="Layer">Index of the split layer (the first).</param>
/// <param name="Rows">Its rows.</param>
/// <param name="Quantum">Parts start at multiples of this many rows.</param>
/// <param name="MaxParts">At most this many parts (one quantum each).</param>
/// <param name="SharedWorkspaceSize">Floats of the shared workspace: the split layer's outputs for a chunk.</param>
/// <param name="Outputs">Where each layer above's outputs start in a part's own workspace.</param>
/// <param name="DeltaA">Where the first ∂E/∂z buffer starts.</param>
/// <param name="DeltaB">Where the second starts.</param>
/// <param name="ParametersAbove">Where the parameters of the layers above start (part 0 owns them).</param>
internal sealed record SplitPlan(int Layer, int Rows, int Quantum, int MaxParts, int SharedWorkspaceSize,
    EquatableArray<int> Outputs, int DeltaA, int DeltaB, int ParametersAbove);
