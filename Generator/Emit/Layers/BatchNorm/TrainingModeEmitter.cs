using System.Linq;
using NetCompiler.Generator.Planning;
using NetCompiler.Generator.Emit.Layers.Dropout;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// What a network with batch-normalisation or dropout layers adds to the class (docs/design/batchnorm-dropout.md):
/// the running statistics (<c>State</c>), <c>ITrainingModeNetwork</c>, and its training step. A batch-normalisation
/// layer couples the samples of a batch, so the step runs the whole batch through each layer at once (one chunk, a
/// per-thread workspace sized for the batch at run time), instead of the chunks of 64 samples of other networks; a
/// dropout layer draws its mask from a hash of (seed, step, layer, sample, unit), so the step stays a pure function of
/// its arguments and the parameters, safe to call from several threads at once.
/// </summary>
internal static class TrainingModeEmitter
{
    public const string Interface = "global::NetCompiler.ITrainingModeNetwork";
    private const string TrainingStep = "global::NetCompiler.TrainingStep";
    private const string Workspace = "t_TrainingModeWorkspace";

    public static int StateCount(NetworkSpec spec) => spec.Layers.OfType<BatchNormLayerSpec>().Sum(b => b.StateCount);

    private static bool CouplesBatch(NetworkSpec spec) => spec.Layers.Any(l => l is BatchNormLayerSpec);

    /// <summary>Where the running statistics start, as a reference for a kernel call.</summary>
    public const string StateReference = Names.Qualified.MemoryMarshal + ".GetArrayDataReference(_state)";

    /// <summary>The layout argument of a kernel's output: blocks of Lanes samples when the layer above runs on blocks, else row-major (1).</summary>
    public static string Lanes(bool blockedOutput) => blockedOutput ? Names.Kernels + ".Lanes" : "1";

    // ---------------------------------------------------------------- class members

    /// <summary>The training workspace's sizes, in place of the chunk workspace of other networks.</summary>
    public static void EmitWorkspaceConstants(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        w.Line("// Training runs each batch whole (batch normalisation needs the batch's statistics): its workspace, in a buffer per thread");
        w.Line("// grown to the largest batch seen, is TrainingFloatsPerSample per sample (rounded up to 16 samples: every layer's outputs, two");
        w.Line("// ∂E/∂z buffers of the widest layer) and TrainingFixedSize more (the kernels' blocks, three floats per normalised channel).");
        w.Line($"private const int TrainingFloatsPerSample = {FloatsPerSample(spec)};");
        w.Line($"private const int TrainingFixedSize = {FixedSize(plan)};");
    }

    private static int FloatsPerSample(NetworkSpec spec) => spec.Layers.Sum(l => l.OutputSize) + 2 * spec.MaxWidth;

    private static int FixedSize(NetworkPlan plan)
        => NetworkPlanner.RoundUp16(MaxScratch(plan)) + plan.Spec.Layers.OfType<BatchNormLayerSpec>().Sum(b => NetworkPlanner.RoundUp16(3 * b.Channels));

    /// <summary>The largest scratch of a batch kernel (the convolution and pooling layers' blocks).</summary>
    private static int MaxScratch(NetworkPlan plan) => plan.Layers.Max(l => l.Scratch.Batch);

    /// <summary>The state, its interface members and the per-thread training workspace.</summary>
    public static void EmitMembers(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        int count = StateCount(spec);
        w.Line("/// <summary>Floats of <see cref=\"State\"/>: the running mean and variance of every channel of the batch-normalisation layers.</summary>");
        w.Line($"public const int StateCount = {count};");
        w.Line();
        foreach (var b in spec.Layers.OfType<BatchNormLayerSpec>())
            w.Line($"// Layer {b.Number}'s running mean [{b.Channels}] at {b.StateOffset}, its running variance [{b.Channels}] at {b.StateOffset + b.Channels}.");
        w.Line("private readonly float[] _state = new float[StateCount];");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{Interface}.State\"/>");
        w.Line($"public {Names.Qualified.Span} State => _state;");
        w.Line();
        w.Line($"int {Interface}.StateCount => StateCount;");
        w.Line();
        w.Line($"bool {Interface}.CouplesBatch => {(CouplesBatch(spec) ? "true" : "false")};");
        w.Line();
        w.Line("// The training workspace, one buffer per thread (pinned, so its 64-byte-aligned start stays aligned), grown to the largest batch.");
        w.Line($"[global::System.ThreadStatic] private static float[]? {Workspace};");
        w.Line();
    }

    /// <summary>
    /// InitializeParameters for a batch-normalisation layer: γ = 1, β = 0 (PyTorch's reset_parameters); false for any
    /// other layer, which the network emitter initialises itself.
    /// </summary>
    public static bool EmitInitialize(SourceWriter w, LayerSpec layer)
    {
        if (layer is not BatchNormLayerSpec b) return false;
        w.Line($"new {Names.Qualified.Span}(_parameters, _start + Layer{b.Number}Weights, {b.Channels}).Fill(1f); // γ");
        w.Line($"new {Names.Qualified.Span}(_parameters, _start + Layer{b.Number}Bias, {b.Channels}).Clear(); // β");
        return true;
    }

    /// <summary>InitializeParameters also resets the running statistics: mean 0, variance 1.</summary>
    public static void EmitStateReset(SourceWriter w, NetworkSpec spec)
    {
        foreach (var b in spec.Layers.OfType<BatchNormLayerSpec>())
        {
            w.Line($"new {Names.Qualified.Span}(_state, {b.StateOffset}, {b.Channels}).Clear(); // layer {b.Number}'s running mean");
            w.Line($"new {Names.Qualified.Span}(_state, {b.StateOffset + b.Channels}, {b.Channels}).Fill(1f); // layer {b.Number}'s running variance");
        }
    }

    // ---------------------------------------------------------------- training

    public static void EmitTraining(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        bool classifier = spec.Loss == LossKind.SoftmaxCrossEntropy;
        string core = "ComputeGradientsCore";
        NetworkEmitter.EmitGradientEntryPoints(w, classifier, "Step <c>default(TrainingStep)</c> for the dropout masks; the running statistics are left as they are.", ", default, 0, default");
        w.Line($"/// <inheritdoc cref=\"{Interface}.ComputeGradients\"/>");
        w.Line(Names.Qualified.Hot);
        w.Open($"public float ComputeGradients({Names.Qualified.ReadOnlySpan} inputs, {Names.Qualified.ReadOnlySpan} targets, global::System.ReadOnlySpan<int> labels, {Names.Qualified.Span} gradients, {TrainingStep} step, int firstSample, {Names.Qualified.Span} updatedState)");
        w.Line($"int batch = {Names.Qualified.Support}.BatchSize(inputs.Length, InputSize, allowEmpty: false, nameof(inputs));");
        if (classifier)
            w.Line($"if (!labels.IsEmpty && !targets.IsEmpty) throw new {Names.Qualified.ArgumentException}(\"Give labels or targets, not both: pass the other empty.\", nameof(labels));");
        NetworkEmitter.EmitTargetChecks(w, classifier);
        w.Line($"if (firstSample < 0) throw new {Names.Qualified.ArgumentOutOfRangeException}(nameof(firstSample), firstSample, \"firstSample is an index in the batch: 0 or more.\");");
        w.Line($"if (!updatedState.IsEmpty) {Names.Qualified.Support}.CheckLength(updatedState.Length, StateCount, nameof(updatedState));");
        w.Line($"return {core}(inputs, batch, targets, labels, gradients, step, firstSample, updatedState);");
        w.Close();
        w.Line();
        EmitCore(w, plan);
    }

    private static void EmitCore(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        int layerCount = spec.Layers.Count;
        w.Line("/// <summary>");
        w.Line("/// Forward and backward pass over the whole batch at once, layer after layer (batch normalisation needs every sample's");
        w.Line("/// value before it can normalise one): the gradient of the mean loss goes straight into <paramref name=\"gradients\"/>");
        w.Line("/// (∂E/∂z at the output is scaled by 1/batch). Reads the parameters and the state, writes only the caller's spans and");
        w.Line("/// this thread's workspace. Arguments are already checked.");
        w.Line("/// </summary>");
        w.Line(Names.Qualified.Hot);
        w.Open($"private float ComputeGradientsCore({Names.Qualified.ReadOnlySpan} inputs, int batch, {Names.Qualified.ReadOnlySpan} targets, global::System.ReadOnlySpan<int> labels, {Names.Qualified.Span} gradients, {TrainingStep} step, int firstSample, {Names.Qualified.Span} updatedState)");
        foreach (var b in spec.Layers.OfType<BatchNormLayerSpec>().Where(b => b.Positions == 1).Take(1))
            w.Line($"if (batch < 2) throw new {Names.Qualified.ArgumentException}(\"Layer {b.Number} (batch normalisation) needs more than one value per channel in training: give batches of at least 2 samples.\", nameof(inputs));");
        NetworkEmitter.EmitStepLocals(w);
        w.Line("// Every layer's outputs for the whole batch, rounded up to 16 samples so that blocks of up to 16 samples fit and every");
        w.Line("// buffer starts on a 64-byte boundary.");
        w.Line("int rows = (batch + 15) & ~15;");
        w.Line("long needed = (long)rows * TrainingFloatsPerSample + TrainingFixedSize;");
        w.Line($"if (needed > global::System.Array.MaxLength - 16) throw new {Names.Qualified.ArgumentException}($\"A batch of {{batch}} samples needs a training workspace of {{needed}} floats, more than an array holds: use smaller batches.\", nameof(inputs));");
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
        foreach (var b in spec.Layers.OfType<BatchNormLayerSpec>())
        {
            w.Line($"ref float stats{b.Number} = ref {Names.Qualified.Unsafe}.Add(ref ws, at + {fixedAt}); // layer {b.Number}'s batch mean, 1/√(var + ε), variance");
            fixedAt += NetworkPlanner.RoundUp16(3 * b.Channels);
        }
        foreach (var d in spec.Layers.OfType<DropoutLayerSpec>())
            w.Line($"ulong key{d.Number} = {Names.Kernels}.DropoutKey(step.Seed, step.Step, {d.Number}); // layer {d.Number}'s masks in this step");
        w.Line("const int start = 0;");
        w.Line("int count = batch;");

        w.Line("// Forward, layer after layer, keeping every layer's outputs for the backward pass.");
        string input = "x0";
        foreach (var layer in plan.Layers)
        {
            string output = $"a{layer.Number}";
            string[] lines = layer switch
            {
                BatchNormPlan b => new[] { BatchNormUnit.TrainForward(b, input, output) },
                DropoutPlan d => new[] { DropoutUnit.TrainForward(d, input, output) },
                _ => LayerUnits.For(layer.Layer).BatchForward(layer, plan, input, output, "count", null),
            };
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
        if (CouplesBatch(spec))
        {
            w.Line("// The running statistics this step leads to, for the caller to apply with the optimizer's update.");
            w.Open("if (!updatedState.IsEmpty)");
            w.Line($"ref float running = ref {StateReference};");
            w.Line($"ref float updated = ref {Names.Qualified.MemoryMarshal}.GetReference(updatedState);");
            foreach (var b in spec.Layers.OfType<BatchNormLayerSpec>())
                w.Line($"{Names.Kernels}.Layer{b.Number}RunningStatistics(ref stats{b.Number}, ref running, ref updated, batch);");
            w.Close();
        }
        w.Line("return (float)(loss / batch);");
        w.Close();
        w.Line();
    }

    // ---------------------------------------------------------------- kernel helpers

    /// <summary>The helpers of the layer kernels, once per network.</summary>
    public static void EmitHelpers(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
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
        if (!spec.Layers.Any(l => l is DropoutLayerSpec)) return;
        w.Line();
        w.Line("/// <summary>SplitMix64's finaliser: a bijection of 64-bit words in which every output bit depends on every input bit.</summary>");
        w.Line(Names.Inline);
        w.Open("internal static ulong Mix(ulong z)");
        w.Line("z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;");
        w.Line("z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;");
        w.Line("return z ^ (z >> 31);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The key of a dropout layer's masks in one training step: a hash of the seed, the step and the layer.</summary>");
        w.Line("internal static ulong DropoutKey(int seed, long step, int layer) => Mix(Mix(Mix((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL) ^ (ulong)step) ^ (ulong)layer);");
        w.Line();
        w.Line("/// <summary>The key of one sample's mask: the layer's key hashed with the sample's index in the batch.</summary>");
        w.Line(Names.Inline);
        w.Line("internal static ulong DropoutSampleKey(ulong key, int sample) => Mix(key ^ (ulong)(uint)sample);");
        w.Line();
        w.Line("/// <summary>Whether the unit is kept: the top 24 bits of its hash are at or above the threshold (the rate × 2²⁴).</summary>");
        w.Line(Names.Inline);
        w.Line("internal static bool DropoutKeeps(ulong sample, int unit, ulong threshold) => Mix(sample + (ulong)unit * 0x9E3779B97F4A7C15UL) >> 40 >= threshold;");
    }
}
