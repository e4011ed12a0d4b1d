using System;
using System.Collections.Generic;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers.Dropout;

/// <summary>
/// Dropout: identity in inference; in training, the calls run inside the whole-batch training step
/// (<see cref="TrainingModeEmitter"/>), whose locals <c>key{n}</c> and <c>firstSample</c> select the masks.
/// </summary>
internal sealed class DropoutUnit : TrainingModeUnit<DropoutLayerSpec, DropoutPlan>
{
    public override string[] AttributeNames { get; } = { "NetCompiler.DropoutAttribute" };

    public override DropoutLayerSpec? Parse(LayerContext context, ref bool malformed) => DropoutParser.Parse(context, ref malformed);

    public override DropoutPlan Plan(DropoutLayerSpec layer, LayerPlanContext context)
        => new(layer, context.BelowActivation, context.AboveRunsOnBlocks);

    public override string Describe(DropoutLayerSpec layer) => DropoutEmitter.Describe(layer);

    public override void EmitKernels(SourceWriter w, DropoutPlan plan, NetworkPlan network)
        => DropoutEmitter.EmitKernels(w, plan.Dropout, plan.Below);

    public override string ForwardCall(DropoutPlan plan, string input, string output)
        => DropoutEmitter.ForwardCall(plan.Dropout, input, output);

    public override string[] BatchForward(DropoutPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { DropoutEmitter.ForwardBatchCall(plan.Dropout, input, output, count, TrainingModeEmitter.Lanes(plan.BlockedOutput)) };

    /// <summary>Dropout has no parameters: its backward pass only hands ∂E/∂z down, and as the first layer it has none.</summary>
    public override string[] BatchBackward(DropoutPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => dzBelow is null ? Array.Empty<string>()
            : new[] { $"{Names.Kernels}.Layer{plan.Number}TrainBackward(ref {input}, ref {dz}, ref {dzBelow}, {count}, {TrainingModeEmitter.Lanes(plan.BlockedOutput)}, key{plan.Number}, firstSample);" };

    // ---------------------------------------------------------------- the whole-batch training step

    /// <summary>The key of the layer's masks in this step.</summary>
    public override string[] StepLocals(DropoutPlan plan)
        => new[] { $"ulong key{plan.Number} = {Names.Kernels}.DropoutKey(step.Seed, step.Step, {plan.Number}); // layer {plan.Number}'s masks in this step" };

    /// <summary>The training forward call: keeps each value or drops it by this step's mask.</summary>
    public override string TrainForward(DropoutPlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}TrainForward(ref {input}, ref {output}, count, {TrainingModeEmitter.Lanes(plan.BlockedOutput)}, key{plan.Number}, firstSample);";

    /// <summary>The hash the masks are drawn from.</summary>
    public override void EmitHelpers(SourceWriter w, IReadOnlyList<DropoutPlan> layers)
    {
        w.Line();
        DropoutEmitter.EmitHashHelpers(w);
    }
}
