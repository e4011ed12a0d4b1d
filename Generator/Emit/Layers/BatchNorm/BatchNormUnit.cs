using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// Batch normalisation: its plan, its kernels (<see cref="BatchNormEmitter"/>) and the calls that run them. Inference
/// reads the running statistics (the class's <c>_state</c>); the training calls run inside the whole-batch training
/// step (<see cref="TrainingModeEmitter"/>), whose locals <c>stats{n}</c> hold the batch's statistics.
/// </summary>
internal sealed class BatchNormUnit : LayerUnit<BatchNormLayerSpec, BatchNormPlan>
{
    public override BatchNormPlan Plan(BatchNormLayerSpec layer, LayerPlanContext context)
        => new(layer, context.BelowActivation, context.AboveRunsOnBlocks);

    /// <summary>The layout arguments of the batch kernels: samples per block of the input, then of the output.</summary>
    private static string Layouts(BatchNormPlan plan)
        => $"{TrainingModeEmitter.Lanes(plan.BlockedInput)}, {TrainingModeEmitter.Lanes(plan.BlockedOutput)}";

    public override string Describe(BatchNormLayerSpec layer) => BatchNormEmitter.Describe(layer);

    public override string WeightShape(BatchNormLayerSpec layer) => $"[{layer.Channels}] (γ)";

    public override string BiasShape(BatchNormLayerSpec layer) => $"[{layer.Channels}] (β)";

    public override void EmitKernels(SourceWriter w, BatchNormPlan plan, NetworkPlan network)
        => BatchNormEmitter.EmitKernels(w, plan.BatchNorm, plan.Below);

    public override string ForwardCall(BatchNormPlan plan, string input, string output)
        => BatchNormEmitter.ForwardCall(plan.BatchNorm, TrainingModeEmitter.StateReference, input, output);

    public override string[] BatchForward(BatchNormPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { BatchNormEmitter.ForwardBatchCall(plan.BatchNorm, TrainingModeEmitter.StateReference, input, output, count, Layouts(plan)) };

    /// <summary>The training forward call: normalises with the batch's statistics, which it writes to <c>stats{n}</c>.</summary>
    public static string TrainForward(BatchNormPlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}TrainForward(ref p, ref {input}, ref {output}, count, {Layouts(plan)}, ref stats{plan.Number});";

    public override string[] BatchBackward(BatchNormPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}TrainBackward(ref p, ref g, ref {input}, ref {dz}, ref {dzBelow ?? dz}, {count}, {Layouts(plan)}, ref stats{plan.Number});" };
}
