using System.Linq;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Planning;

/// <summary>
/// Takes every emission decision for a network, once: each layer's unit plans its own kernels
/// (<see cref="ILayerUnit.Plan"/>); the rules here take the network-wide ones (which forward passes apply, training by
/// parts, every workspace and where its regions start). The emitters then only read the <see cref="NetworkPlan"/>.
/// The generator is built with overflow checking: a size past an int throws <see cref="System.OverflowException"/>
/// here instead of wrapping (the parser reports it, see <see cref="Workspaces"/>).
/// </summary>
internal static class NetworkPlanner
{
    /// <summary>
    /// Workspaces up to this many floats (8 KiB) live on the stack; larger ones in a buffer per thread. A stackalloc is
    /// zeroed on every call (skipping that needs [SkipLocalsInit], which needs unsafe code enabled in the user's
    /// project), and zeroing a workspace of tens of KiB on every call is a visible share of a call (docs/design/memory.md).
    /// </summary>
    public const int StackLimit = 2048;

    /// <summary>Layer 1's rows are cut into parts at multiples of this: a part's outputs fill whole 64-byte lines of a row of a1.</summary>
    public const int SplitQuantum = 16;

    private const int Chunk = NetworkPlan.BatchChunk;

    public static NetworkPlan Plan(NetworkSpec spec)
    {
        var layers = PlanLayers(spec);
        bool fused = layers.All(l => l.Fusable);
        var split = Split(spec, layers);
        // The lane path: every layer dense (each has a lane kernel), and not all of them small enough for the fused,
        // fully unrolled forward pass (a network that small spends more on the transpositions than on its products).
        bool lanes = layers.All(l => l.LaneCapable) && !fused;
        // Training takes it too, except a network trained by parts, whose parts compute layer 1's rows with the
        // dot-product kernels and must give the same bits as a whole step.
        bool lanesInTraining = lanes && split is null;
        layers = new EquatableArray<LayerPlan>(layers.Select(l => l is DensePlan d ? d with { RowRange = split?.Layer == d.Index, Lanes = lanes } : l));
        var lanePlan = lanes ? Lanes(spec, lanesInTraining) : null;
        return new NetworkPlan(
            spec,
            layers,
            fused,
            FusedAvx: fused && EightByEight(spec),
            lanePlan,
            split,
            Predict(spec, layers, fused),
            PredictBatch(spec, layers, lanePlan),
            Training(spec, layers, lanePlan),
            AlignmentAnchor(spec),
            BlockHelpers: MaxScratch(layers) > 0);
    }

    /// <summary>Each layer planned by its unit, knowing whether the layer above runs on blocks.</summary>
    public static EquatableArray<LayerPlan> PlanLayers(NetworkSpec spec)
    {
        var plans = new LayerPlan[spec.Layers.Count];
        for (int i = spec.Layers.Count - 1; i >= 0; i--)
        {
            bool aboveBlocks = i + 1 < plans.Length && plans[i + 1].RunsOnBlocks;
            plans[i] = LayerUnits.For(spec.Layers[i]).Plan(new LayerPlanContext(spec, spec.Layers[i], aboveBlocks));
        }
        return new EquatableArray<LayerPlan>(plans);
    }

    /// <summary>Every layer 8 → 8 with ReLU or identity: each row of W and each activation vector is one Vector256.</summary>
    private static bool EightByEight(NetworkSpec spec)
        => spec.Layers.All(l => l.InputSize == 8 && l.OutputSize == 8 && l.Activation is ActivationKind.ReLU or ActivationKind.Identity);

    /// <summary>
    /// Training by parts, or null: it splits the first layer, when the network is two or more dense layers (the loss
    /// then reads a part's own copy of the top layer), the first is not unrolled, is wide enough for two parts of
    /// <see cref="SplitQuantum"/> rows, and holds at least three quarters of the weights (so of the multiply-adds).
    /// Each part then computes its own rows of that layer, forward and ∂E/∂W, for the whole batch, and every part
    /// repeats the small layers above: no gradient buffer per thread, no reduction, each thread's rows of W stay in its
    /// own caches.
    /// </summary>
    private static SplitPlan? Split(NetworkSpec spec, EquatableArray<LayerPlan> layers)
    {
        if (layers[0] is not DensePlan { Unrolled: false } first) return null;
        if (layers.Count < 2 || first.Layer.OutputSize < 2 * SplitQuantum || layers.Any(l => l is not DensePlan)) return null;
        long weights = spec.Layers.Sum(l => (long)l.WeightCount);
        if (4L * first.Layer.WeightCount < 3 * weights) return null;
        int rows = first.Layer.OutputSize;
        // A part's own workspace: the layers above's outputs (layer 1's are in the shared workspace), then two ∂E/∂z buffers.
        var outputs = Offsets(spec.Layers.Skip(1).Select(l => Chunk * l.OutputSize), start: Chunk * rows);
        int deltaA = Chunk * spec.Layers.Sum(l => l.OutputSize);
        return new SplitPlan(first.Index, rows, SplitQuantum, rows / SplitQuantum, Chunk * rows, outputs,
            deltaA, deltaA + Chunk * spec.MaxWidth, first.Layer.ParameterOffset + first.Layer.ParameterCount);
    }

    /// <summary>
    /// The lane path's buffers, in <c>PredictBatch</c> and in training: two lane buffers that the layers pass between —
    /// A holds the transposed input and the outputs of layers 2, 4, …, B those of layers 1, 3, … (each [width][64], as
    /// wide as the widest of them) — and 16 rows of staging for the chunk's last, partial group of 16.
    /// </summary>
    private static LanePlan Lanes(NetworkSpec spec, bool inTraining)
    {
        int widthA = System.Math.Max(spec.InputSize, spec.Layers.Where(l => l.Index % 2 == 1).Select(l => l.OutputSize).DefaultIfEmpty(0).Max());
        int widthB = spec.Layers.Where(l => l.Index % 2 == 0).Max(l => l.OutputSize);
        int staging = Chunk * (widthA + widthB);
        // Training transposes every layer's lane outputs back to rows for the backward kernels: one kernel per width.
        var widths = inTraining
            ? spec.Layers.Select(l => l.OutputSize).Where(n => n != spec.OutputSize).Distinct()
            : Enumerable.Empty<int>();
        return new LanePlan(inTraining, widthA, widthB, Chunk * widthA, staging, staging + 16 * spec.InputSize, new EquatableArray<int>(widths));
    }

    /// <summary>
    /// Predict's workspace: each hidden layer's outputs, every block starting on a 64-byte boundary (a multiple of 16
    /// floats from the aligned start), so that the next layer's loads of them never span two cache lines; then the
    /// single-sample kernels' scratch (padded inputs). The fused forward pass keeps every activation in locals: none.
    /// </summary>
    private static PredictPlan Predict(NetworkSpec spec, EquatableArray<LayerPlan> layers, bool fused)
    {
        var hidden = spec.Layers.Take(spec.Layers.Count - 1).Select(l => RoundUp16(l.OutputSize)).ToList();
        int activations = hidden.Sum();
        int size = fused ? 0 : activations + layers.Max(l => l.Scratch.Sample);
        return new PredictPlan(Workspace(size), Offsets(hidden, 0), activations,
            Scratch: layers.Any(l => l.SampleTakesScratch),
            AlignsInput: layers[0] is DensePlan { AlignedInput: true });
    }

    /// <summary>
    /// PredictBatch's workspace for a chunk of samples: the hidden layers' outputs, then the forward batch kernels'
    /// scratch (PredictBatch runs no backward kernel); or, if larger, the lane path's workspace, which uses the same
    /// buffer. Two or more convolution and pooling layers at the bottom run block by block (one sample per vector
    /// lane): each block goes through all of them before the next starts, so a layer reads what the one below has just
    /// written from L2 (LeNet-5's first convolution writes 150 KB per block of 8 samples, 1.2 MB per chunk of 64).
    /// </summary>
    private static PredictBatchPlan PredictBatch(NetworkSpec spec, EquatableArray<LayerPlan> layers, LanePlan? lanes)
    {
        var hidden = spec.Layers.Take(spec.Layers.Count - 1).Select(l => Chunk * l.OutputSize).ToList();
        int forwardScratch = layers.Max(l => l.Scratch.ForwardBatch);
        int size = System.Math.Max(hidden.Sum() + forwardScratch, lanes?.Size ?? 0);
        int blocked = layers.TakeWhile(l => l.RunsOnBlocks).Count();
        return new PredictBatchPlan(Workspace(size), Offsets(hidden, 0), size - forwardScratch,
            Scratch: MaxScratch(layers) > 0, BlockedLayers: blocked >= 2 ? blocked : 0);
    }

    /// <summary>
    /// Training's workspace for a chunk of samples: every layer's outputs, the ∂E/∂z buffers (two of the widest layer,
    /// alternating on the way down; one for a single layer), then the largest scratch of any batch kernel, then (where
    /// the forward pass of training takes the lane path) the lane buffers, on a 64-byte boundary.
    /// </summary>
    private static TrainingPlan Training(NetworkSpec spec, EquatableArray<LayerPlan> layers, LanePlan? lanes)
    {
        // A layer that trains differently from inference: the whole-batch step, its workspace sized per batch at run time.
        if (layers.Any(l => l.TrainsWholeBatch))
            return new TrainingPlan(Workspace(0), new EquatableArray<int>(System.Array.Empty<int>()), 0, null, null, null, WholeBatch: true);
        var outputs = spec.Layers.Select(l => Chunk * l.OutputSize).ToList();
        int deltaA = outputs.Sum();
        int deltas = spec.Layers.Count > 1 ? 2 : 1;
        int scratch = MaxScratch(layers);
        int buffers = Chunk * (spec.Layers.Sum(l => l.OutputSize) + deltas * spec.MaxWidth) + scratch;
        int? lanesOffset = lanes is { InTraining: true } ? RoundUp16(buffers) : null;
        int size = lanesOffset is int start ? start + lanes!.Size : buffers;
        return new TrainingPlan(Workspace(size), Offsets(outputs, 0), deltaA,
            DeltaB: deltas == 2 ? deltaA + Chunk * spec.MaxWidth : null,
            ScratchOffset: scratch > 0 ? deltaA + deltas * Chunk * spec.MaxWidth : null,
            LanesOffset: lanesOffset);
    }

    /// <summary>The largest scratch of a batch kernel, forward or backward: the batch kernels that need any work on blocks.</summary>
    private static int MaxScratch(EquatableArray<LayerPlan> layers) => layers.Max(l => l.Scratch.Batch);

    /// <summary>The largest layer's weights (the first of equals), which the parameters put on a 64-byte boundary.</summary>
    private static int? AlignmentAnchor(NetworkSpec spec)
        => spec.Layers.Where(l => l.WeightCount > 0).OrderByDescending(l => l.WeightCount).ThenBy(l => l.Index).FirstOrDefault()?.Index;

    private static WorkspacePlan Workspace(int size)
        => new(size, size == 0 ? WorkspacePlace.None : size <= StackLimit ? WorkspacePlace.Stack : WorkspacePlace.ThreadBuffer);

    /// <summary>Where each of <paramref name="sizes"/> starts when they follow each other from <paramref name="start"/>.</summary>
    private static EquatableArray<int> Offsets(System.Collections.Generic.IEnumerable<int> sizes, int start)
    {
        var offsets = new System.Collections.Generic.List<int>();
        int offset = start;
        foreach (int size in sizes)
        {
            offsets.Add(offset);
            offset += size;
        }
        return new EquatableArray<int>(offsets);
    }

    public static int RoundUp16(int n) => (n + 15) / 16 * 16;

    /// <summary>
    /// Every buffer the generated code allocates per call or per thread, by what it is for and how to size it; the
    /// parser checks each against <see cref="NetworkLimits"/>.
    /// </summary>
    internal static readonly (string What, System.Func<NetworkSpec, int> Size)[] Workspaces =
    {
        ("Predict's workspace for one sample", spec => Plan(spec).Predict.Workspace.Size),
        ($"PredictBatch's workspace for {Chunk} samples", spec => Plan(spec).PredictBatch.Workspace.Size),
        ($"training's workspace for {Chunk} samples", spec => Plan(spec).Training.Workspace.Size),
        ($"the shared workspace of training by parts ({Chunk} samples of layer 1's outputs)",
            spec => Plan(spec).Split?.SharedWorkspaceSize ?? 0),
    };
}
