using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// Batch normalisation: its attribute, its plan, its kernels (<see cref="BatchNormEmitter"/>) and the calls that run
/// them. Inference reads the running statistics (the class's <c>_state</c>); the training calls run inside the
/// whole-batch training step (<see cref="TrainingModeEmitter"/>), whose locals <c>stats{n}</c> hold the batch's statistics.
/// </summary>
internal sealed class BatchNormUnit : TrainingModeUnit<BatchNormLayerSpec, BatchNormPlan>
{
    public override string[] AttributeNames { get; } = { "NetCompiler.BatchNormAttribute" };

    public override BatchNormLayerSpec? Parse(LayerContext context, ref bool malformed) => BatchNormParser.Parse(context, ref malformed);

    public override BatchNormPlan Plan(BatchNormLayerSpec layer, LayerPlanContext context)
        => new(layer, context.BelowActivation, context.AboveRunsOnBlocks);

    /// <summary>The step's batch size and the parts' locals (<c>TrainingModeEmitter</c>'s step), for the training kernels.</summary>
    private const string PartArguments = "batch, ref sync, part, parts, barrier";

    /// <summary>The layout arguments of the batch kernels: samples per block of the input, then of the output.</summary>
    private static string Layouts(BatchNormPlan plan)
        => $"{TrainingModeEmitter.Lanes(plan.BlockedInput)}, {TrainingModeEmitter.Lanes(plan.BlockedOutput)}";

    public override string Describe(BatchNormLayerSpec layer) => BatchNormEmitter.Describe(layer);

    public override string WeightShape(BatchNormLayerSpec layer) => $"[{layer.Channels}] (γ)";

    public override string BiasShape(BatchNormLayerSpec layer) => $"[{layer.Channels}] (β)";

    /// <summary>γ = 1, β = 0 (PyTorch's reset_parameters).</summary>
    public override string[]? Initialization(BatchNormLayerSpec b) => new[]
    {
        $"new {Names.Qualified.Span}(_parameters, _start + Layer{b.Number}Weights, {b.Channels}).Fill(1f); // γ",
        $"new {Names.Qualified.Span}(_parameters, _start + Layer{b.Number}Bias, {b.Channels}).Clear(); // β",
    };

    public override void EmitKernels(SourceWriter w, BatchNormPlan plan, NetworkPlan network)
        => BatchNormEmitter.EmitKernels(w, plan.BatchNorm, plan.Below, 2 * network.Spec.StateCount);

    public override string ForwardCall(BatchNormPlan plan, string input, string output)
        => BatchNormEmitter.ForwardCall(plan.BatchNorm, TrainingModeEmitter.StateReference, input, output);

    public override string[] BatchForward(BatchNormPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { BatchNormEmitter.ForwardBatchCall(plan.BatchNorm, TrainingModeEmitter.StateReference, input, output, count, Layouts(plan)) };

    public override string[] BatchBackward(BatchNormPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}TrainBackward(ref p, ref g, ref {input}, ref {dz}, ref {dzBelow ?? dz}, {count}, {Layouts(plan)}, ref stats{plan.Number}, {PartArguments});" };

    // ---------------------------------------------------------------- the whole-batch training step and the state

    public override string[] StateLayout(BatchNormLayerSpec b)
        => new[] { $"// Layer {b.Number}'s running mean [{b.Channels}] at {b.StateOffset}, its running variance [{b.Channels}] at {b.StateOffset + b.Channels}." };

    /// <summary>The running statistics start at mean 0, variance 1.</summary>
    public override string[] StateReset(BatchNormLayerSpec b) => new[]
    {
        $"new {Names.Qualified.Span}(_state, {b.StateOffset}, {b.Channels}).Clear(); // layer {b.Number}'s running mean",
        $"new {Names.Qualified.Span}(_state, {b.StateOffset + b.Channels}, {b.Channels}).Fill(1f); // layer {b.Number}'s running variance",
    };

    /// <summary>A layer of one value per channel and sample needs two samples for a variance: the first such layer says so.</summary>
    public override string[] StepChecks(IReadOnlyList<BatchNormPlan> layers)
        => layers.Where(b => b.BatchNorm.Positions == 1).Take(1)
            .Select(b => $"if (batch < 2) throw new {Names.Qualified.ArgumentException}(\"Layer {b.Number} (batch normalisation) needs more than one value per channel in training: give batches of at least 2 samples.\", nameof(inputs));")
            .ToArray();

    /// <summary>The batch's mean, 1/√(var + ε) and variance of every channel.</summary>
    public override int StepWorkspace(BatchNormPlan plan) => 3 * plan.BatchNorm.Channels;

    public override string StepWorkspaceView(BatchNormPlan plan, int offset)
        => $"ref float stats{plan.Number} = ref {Names.Qualified.Unsafe}.Add(ref ws, at + {offset}); // layer {plan.Number}'s batch mean, 1/√(var + ε), variance";

    /// <summary>The training forward call: normalises with the batch's statistics, which it writes to <c>stats{n}</c>.</summary>
    public override string TrainForward(BatchNormPlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}TrainForward(ref p, ref {input}, ref {output}, count, {Layouts(plan)}, ref stats{plan.Number}, {PartArguments});";

    public override string? StateUpdate(BatchNormPlan plan)
        => $"{Names.Kernels}.Layer{plan.Number}RunningStatistics(ref stats{plan.Number}, ref running, ref updated, batch);";
}
