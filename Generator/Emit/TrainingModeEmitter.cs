using System.Collections.Generic;
using System.Linq;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// What a network with layers whose training differs from inference (<see cref="TrainingPlan.WholeBatch"/>) adds to the
/// class (docs/design/batchnorm-dropout.md): the layers' state (<c>State</c>), <c>ITrainingModeNetwork</c>, and its
/// training step. A layer may couple the samples of a batch (batch statistics), so the step runs the whole batch
/// through each layer at once (one chunk, a per-thread workspace sized for the batch at run time), instead of the
/// chunks of 64 samples of other networks; a layer that draws random masks draws them from a hash of (seed, step,
/// layer, sample, unit), so the step stays a pure function of its arguments and the parameters, safe to call from
/// several threads at once. Each such layer's part in the step is its unit's (<see cref="ITrainingModeUnit"/>); this
/// emitter names no kind of layer.
/// </summary>
internal static class TrainingModeEmitter
{
    public const string Interface = "global::NetCompiler.ITrainingModeNetwork";
    private const string TrainingStep = "global::NetCompiler.TrainingStep";
    private const string Workspace = "t_TrainingModeWorkspace";

    /// <summary>The layers of a unit with a part in the step, each with its unit, in layer order.</summary>
    private static IEnumerable<(LayerPlan Plan, ITrainingModeUnit Unit)> StepLayers(NetworkPlan plan)
    {
        foreach (var layer in plan.Layers)
            if (LayerUnits.For(layer.Layer) is ITrainingModeUnit unit) yield return (layer, unit);
    }

    /// <summary>Each unit with a part in the step and layers in the network, with its layers, in the order of <see cref="LayerUnits.All"/>.</summary>
    private static IEnumerable<(ITrainingModeUnit Unit, List<LayerPlan> Layers)> StepUnits(NetworkPlan plan)
    {
        foreach (var unit in LayerUnits.All.OfType<ITrainingModeUnit>())
        {
            var own = plan.Layers.Where(l => unit.Handles(l.Layer)).ToList();
            if (own.Count > 0) yield return (unit, own);
        }
    }

    /// <summary>Where the running statistics start, as a reference for a kernel call.</summary>
    public const string StateReference = Names.Qualified.MemoryMarshal + ".GetArrayDataReference(_state)";

    /// <summary>The layout argument of a kernel's output: blocks of Lanes samples when the layer above runs on blocks, else row-major (1).</summary>
    public static string Lanes(bool blockedOutput) => blockedOutput ? Names.Kernels + ".Lanes" : "1";

    // ---------------------------------------------------------------- class members

    /// <summary>The training workspace's sizes, in place of the chunk workspace of other networks.</summary>
    public static void EmitWorkspaceConstants(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        w.Line("// Training runs each batch, or each part's slice of it, through a layer at once (batch normalisation needs the batch's");
        w.Line("// statistics): its workspace, in a buffer per thread grown to the largest batch seen, is TrainingFloatsPerSample per");
        w.Line("// sample (rounded up to 16 samples: every layer's outputs, two ∂E/∂z buffers of the widest layer) and TrainingFixedSize");
        w.Line("// more (the kernels' blocks, three floats per normalised channel).");
        w.Line($"private const int TrainingFloatsPerSample = {FloatsPerSample(spec)};");
        w.Line($"private const int TrainingFixedSize = {FixedSize(plan)};");
    }

    private static int FloatsPerSample(NetworkSpec spec) => spec.Layers.Sum(l => l.OutputSize) + 2 * spec.MaxWidth;

    /// <summary>The kernels' scratch, then each layer's part of the step's workspace, each on a 64-byte boundary.</summary>
    private static int FixedSize(NetworkPlan plan)
        => NetworkPlanner.RoundUp16(MaxScratch(plan)) + StepLayers(plan).Sum(l => NetworkPlanner.RoundUp16(l.Unit.StepWorkspace(l.Plan)));

    /// <summary>The largest scratch of a batch kernel (the convolution and pooling layers' blocks).</summary>
    private static int MaxScratch(NetworkPlan plan) => plan.Layers.Max(l => l.Scratch.Batch);

    /// <summary>The state, its interface members and the per-thread training workspace.</summary>
    public static void EmitMembers(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        int count = spec.StateCount;
        w.Line("/// <summary>Floats of <see cref=\"State\"/>: the running mean and variance of every channel of the batch-normalisation layers.</summary>");
        w.Line($"public const int StateCount = {count};");
        w.Line();
        foreach (var (layer, unit) in StepLayers(plan))
            foreach (var line in unit.StateLayout(layer.Layer)) w.Line(line);
        w.Line("private readonly float[] _state = new float[StateCount];");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{Interface}.State\"/>");
        w.Line($"public {Names.Qualified.Span} State => _state;");
        w.Line();
        w.Line($"int {Interface}.StateCount => StateCount;");
        w.Line();
        w.Line($"bool {Interface}.CouplesBatch => {(plan.Layers.Any(l => l.CouplesBatch) ? "true" : "false")};");
        w.Line();
        w.Line("// The training workspace, one buffer per thread (pinned, so its 64-byte-aligned start stays aligned), grown to the largest batch.");
        w.Line($"[global::System.ThreadStatic] private static float[]? {Workspace};");
        w.Line();
    }

    /// <summary>InitializeParameters also resets the layers' state.</summary>
    public static void EmitStateReset(SourceWriter w, NetworkPlan plan)
    {
        foreach (var (layer, unit) in StepLayers(plan))
            foreach (var line in unit.StateReset(layer.Layer)) w.Line(line);
    }

    // ---------------------------------------------------------------- training

    public static void EmitTraining(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        bool classifier = spec.Loss == LossKind.SoftmaxCrossEntropy;
        string core = "ComputeGradientsCore";
        NetworkEmitter.EmitGradientEntryPoints(w, classifier, "Step <c>default(TrainingStep)</c> for the dropout masks; the running statistics are left as they are.", ", default, 0, default, batch, 0, 1, default, null");
        w.Line($"/// <inheritdoc cref=\"{Interface}.ComputeGradients\"/>");
        w.Line(Names.Qualified.Hot);
        w.Open($"public float ComputeGradients({Names.Qualified.ReadOnlySpan} inputs, {Names.Qualified.ReadOnlySpan} targets, global::System.ReadOnlySpan<int> labels, {Names.Qualified.Span} gradients, {TrainingStep} step, int firstSample, {Names.Qualified.Span} updatedState)");
        w.Line($"int batch = {Names.Qualified.Support}.BatchSize(inputs.Length, InputSize, allowEmpty: false, nameof(inputs));");
        EmitSampleChecks(w, classifier, "batch");
        w.Line($"if (firstSample < 0) throw new {Names.Qualified.ArgumentOutOfRangeException}(nameof(firstSample), firstSample, \"firstSample is an index in the batch: 0 or more.\");");
        w.Line($"if (!updatedState.IsEmpty) {Names.Qualified.Support}.CheckLength(updatedState.Length, StateCount, nameof(updatedState));");
        w.Line($"return {core}(inputs, batch, targets, labels, gradients, step, firstSample, updatedState, batch, 0, 1, default, null);");
        w.Close();
        w.Line();
        EmitPart(w, plan, classifier, core);
        EmitCore(w, plan);
    }

    /// <summary>
    /// The checks both training entry points make of the labels or targets of their <paramref name="samples"/> samples
    /// and of the gradients.
    /// </summary>
    private static void EmitSampleChecks(SourceWriter w, bool classifier, string samples)
    {
        if (classifier)
            w.Line($"if (!labels.IsEmpty && !targets.IsEmpty) throw new {Names.Qualified.ArgumentException}(\"Give labels or targets, not both: pass the other empty.\", nameof(labels));");
        NetworkEmitter.EmitTargetChecks(w, classifier, samples);
    }

    /// <summary>
    /// The step cut into slices of the batch that run at once on different threads: each part runs its slice through the
    /// layers, and the parts meet at the barrier wherever a layer needs sums over the whole batch (a batch-normalisation
    /// layer: its statistics forward, the sums of its backward pass), each adding every part's partial sums in part order.
    /// </summary>
    private static void EmitPart(SourceWriter w, NetworkPlan plan, bool classifier, string core)
    {
        w.Line("/// <summary>Doubles of the workspace the parts of one step share, per part: four per normalised channel (the partial sums).</summary>");
        w.Line($"public const int SharedPerPart = {2 * plan.Spec.StateCount};");
        w.Line();
        w.Line($"int {Interface}.SharedPerPart => SharedPerPart;");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{Interface}.ComputeGradientsPart\"/>");
        w.Line(Names.Qualified.Hot);
        w.Open($"public float ComputeGradientsPart(int part, int parts, {Names.Qualified.ReadOnlySpan} inputs, {Names.Qualified.ReadOnlySpan} targets, global::System.ReadOnlySpan<int> labels, {Names.Qualified.Span} gradients, {TrainingStep} step, int firstSample, int batch, {Names.Qualified.Span} updatedState, global::System.Span<double> shared, global::NetCompiler.SpinBarrier barrier)");
        w.Line($"int count = {Names.Qualified.Support}.BatchSize(inputs.Length, InputSize, allowEmpty: false, nameof(inputs));");
        w.Line($"if (parts < 1) throw new {Names.Qualified.ArgumentOutOfRangeException}(nameof(parts), parts, \"parts must be 1 or more.\");");
        w.Line($"if ((uint)part >= (uint)parts) throw new {Names.Qualified.ArgumentOutOfRangeException}(nameof(part), part, $\"part must be in [0, {{parts}}).\");");
        w.Line("global::System.ArgumentNullException.ThrowIfNull(barrier);");
        w.Line($"if (barrier.Participants != parts) throw new {Names.Qualified.ArgumentException}($\"The barrier is for {{barrier.Participants}} threads, not the {{parts}} parts.\", nameof(barrier));");
        w.Line($"if (firstSample < 0 || firstSample > batch - count) throw new {Names.Qualified.ArgumentOutOfRangeException}(nameof(firstSample), firstSample, $\"The slice of {{count}} samples from firstSample must lie in the batch of {{batch}}.\");");
        w.Line($"if (shared.Length < (long)parts * SharedPerPart) throw new {Names.Qualified.ArgumentException}($\"shared needs {{(long)parts * SharedPerPart}} doubles ({{parts}} parts × SharedPerPart), but it has {{shared.Length}}.\", nameof(shared));");
        EmitSampleChecks(w, classifier, "count");
        w.Line($"if (!updatedState.IsEmpty) {Names.Qualified.Support}.CheckLength(updatedState.Length, StateCount, nameof(updatedState));");
        w.Line($"return {core}(inputs, count, targets, labels, gradients, step, firstSample, updatedState, batch, part, parts, shared, barrier);");
        w.Close();
        w.Line();
    }

    private static void EmitCore(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        int layerCount = spec.Layers.Count;
        w.Line("/// <summary>");
        w.Line("/// Forward and backward pass over <paramref name=\"count\"/> samples at once, layer after layer (batch normalisation needs");
        w.Line("/// every sample's value before it can normalise one): the whole batch of <paramref name=\"batch\"/> samples, or part");
        w.Line("/// <paramref name=\"part\"/> of <paramref name=\"parts\"/>, a slice, whose layers meet the other parts' at the barrier for the");
        w.Line("/// batch's sums. The gradient of the mean loss (of the slice's share of it) goes straight into <paramref name=\"gradients\"/>");
        w.Line("/// (∂E/∂z at the output is scaled by 1/batch). Reads the parameters and the state, writes only the caller's spans and");
        w.Line("/// this thread's workspace. Arguments are already checked.");
        w.Line("/// </summary>");
        w.Line(Names.Qualified.Hot);
        w.Open($"private float ComputeGradientsCore({Names.Qualified.ReadOnlySpan} inputs, int count, {Names.Qualified.ReadOnlySpan} targets, global::System.ReadOnlySpan<int> labels, {Names.Qualified.Span} gradients, {TrainingStep} step, int firstSample, {Names.Qualified.Span} updatedState, int batch, int part, int parts, global::System.Span<double> shared, global::NetCompiler.SpinBarrier? barrier)");
        foreach (var (unit, own) in StepUnits(plan))
            foreach (var line in unit.StepChecks(own)) w.Line(line);
        NetworkEmitter.EmitStepLocals(w);
        w.Line("// Every layer's outputs for the whole batch, rounded up to 16 samples so that blocks of up to 16 samples fit and every");
        w.Line("// buffer starts on a 64-byte boundary.");
        w.Line("int rows = (count + 15) & ~15;");
        w.Line("long needed = (long)rows * TrainingFloatsPerSample + TrainingFixedSize;");
        w.Line($"if (needed > global::System.Array.MaxLength - 16) throw new {Names.Qualified.ArgumentException}($\"A batch of {{count}} samples needs a training workspace of {{needed}} floats, more than an array holds: use smaller batches.\", nameof(inputs));");
        w.Line($"float[]? buffer = {Workspace};");
        w.Line($"if (buffer is null || buffer.Length < needed + 16) {Workspace} = buffer = global::System.GC.AllocateArray<float>((int)needed + 16, pinned: true);");
        w.Line($"ref float ws = ref {Names.Qualified.Support}.Aligned(ref {Names.Qualified.MemoryMarshal}.GetArrayDataReference(buffer));");
        w.Line("int at = 0;");
        foreach (var layer in spec.Layers)
        {
            w.Line($"ref float a{layer.Number} = ref {Names.Qualified.Unsafe}.Add(ref ws, at); // outputs of layer {layer.Number}, [batch, {layer.OutputSize}]");
            w.Line($"at += rows * {layer.OutputSize};");
        }
        w.Line($"ref float dzA = ref {Names.Qualified.Unsafe}.Add(ref ws, at); // ∂E/∂z, alternating between two buffers on the way down");
        w.Line($"ref float dzB = ref {Names.Qualified.Unsafe}.Add(ref ws, at + rows * {spec.MaxWidth});");
        w.Line($"at += 2 * rows * {spec.MaxWidth};");
        if (MaxScratch(plan) > 0)
            w.Line($"ref float scratch = ref {Names.Qualified.Unsafe}.Add(ref ws, at); // the blocks of the convolution and pooling kernels");
        int fixedAt = NetworkPlanner.RoundUp16(MaxScratch(plan));
        foreach (var (layer, unit) in StepLayers(plan))
        {
            int size = unit.StepWorkspace(layer);
            if (size == 0) continue;
            w.Line(unit.StepWorkspaceView(layer, fixedAt));
            fixedAt += NetworkPlanner.RoundUp16(size);
        }
        foreach (var (layer, unit) in StepLayers(plan))
            foreach (var line in unit.StepLocals(layer)) w.Line(line);
        w.Line("const int start = 0;");
        if (plan.Spec.StateCount > 0)
            w.Line($"ref double sync = ref {Names.Qualified.MemoryMarshal}.GetReference(shared); // the parts' partial sums: SharedPerPart doubles per part");

        w.Line("// Forward, layer after layer, keeping every layer's outputs for the backward pass.");
        string input = "x0";
        foreach (var layer in plan.Layers)
        {
            string output = $"a{layer.Number}";
            var unit = LayerUnits.For(layer.Layer);
            string[] lines = unit is ITrainingModeUnit stepUnit
                ? new[] { stepUnit.TrainForward(layer, input, output) }
                : unit.BatchForward(layer, plan, input, output, "count", null);
            foreach (var line in lines) w.Line(line);
            input = output;
        }
        w.Line("// Loss of each sample and ∂E/∂z at the output, in one pass.");
        NetworkEmitter.EmitLossLoop(w, spec);
        w.Line("// Backward, from the top layer down: each layer writes its parameter gradients and hands ∂E/∂z to the layer below.");
        for (int k = layerCount; k >= 1; k--)
        {
            var layer = plan.Layers[k - 1];
            string dz = (layerCount - k) % 2 == 0 ? "dzA" : "dzB";
            string dzBelow = dz == "dzA" ? "dzB" : "dzA";
            string layerInput = k == 1 ? "x0" : $"a{k - 1}";
            foreach (var line in LayerUnits.For(layer.Layer).BatchBackward(layer, plan, layerInput, dz, k == 1 ? null : dzBelow, "count", "false", null)) w.Line(line);
        }
        var stateUpdates = StepLayers(plan).Select(l => l.Unit.StateUpdate(l.Plan)).Where(s => s is not null).ToList();
        if (stateUpdates.Count > 0)
        {
            w.Line("// The running statistics this step leads to, for the caller to apply with the optimizer's update.");
            w.Open("if (!updatedState.IsEmpty)");
            w.Line($"ref float running = ref {StateReference};");
            w.Line($"ref float updated = ref {Names.Qualified.MemoryMarshal}.GetReference(updatedState);");
            foreach (var line in stateUpdates) w.Line(line!);
            w.Close();
        }
        w.Line("return (float)(loss / batch);");
        w.Close();
        w.Line();
    }

    // ---------------------------------------------------------------- kernel helpers

    /// <summary>The helpers of the layer kernels, once per network: the shared ones, then each unit's for its layers.</summary>
    public static void EmitHelpers(SourceWriter w, NetworkPlan plan)
    {
        w.Line("/// <summary>");
        w.Line("/// Zeroes the lanes at or past <paramref name=\"count\"/> of the last block of a buffer in blocks of <paramref name=\"lanes\"/>");
        w.Line("/// samples of <paramref name=\"size\"/> floats: the convolution and pooling kernels above read whole blocks (nothing for lanes = 1).");
        w.Line("/// </summary>");
        w.Open("internal static void ClearLanes(ref float y, int count, int lanes, int size)");
        w.Line("int full = count / lanes * lanes;");
        w.Line("if (full == count) return;");
        w.Line("ref float block = ref At(ref y, full * size);");
        w.Line("for (int f = 0; f < size; f++)");
        w.Line("    for (int j = count - full; j < lanes; j++) At(ref block, f * lanes + j) = 0f;");
        w.Close();
        foreach (var (unit, own) in StepUnits(plan))
            unit.EmitHelpers(w, own);
    }
}
