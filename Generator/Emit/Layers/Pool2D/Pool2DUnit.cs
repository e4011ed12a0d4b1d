using System;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>Max or average pooling: its attributes, its plan (<see cref="Pool2DRules"/>), its kernels and the calls that run them.</summary>
internal sealed class Pool2DUnit : LayerUnit<Pool2DLayerSpec, Pool2DPlan>
{
    private const string MaxPool2DAttributeName = "NetCompiler.MaxPool2DAttribute";

    public override string[] AttributeNames { get; } = { MaxPool2DAttributeName, "NetCompiler.AvgPool2DAttribute" };

    public override Pool2DLayerSpec? Parse(LayerContext context, ref bool malformed)
        => Pool2DParser.Parse(context, context.AttributeName == MaxPool2DAttributeName ? PoolKind.Max : PoolKind.Average, ref malformed);

    public override Pool2DPlan Plan(Pool2DLayerSpec layer, LayerPlanContext context) => Pool2DRules.Plan(layer, context);

    public override string Describe(Pool2DLayerSpec p)
        => $"{(p.Kind == PoolKind.Max ? "max" : "average")} pool {p.Size}×{p.Size}, stride {p.Stride}{PoolEmitter.PaddingNote(p)}";

    public override void EmitKernels(SourceWriter w, Pool2DPlan plan, NetworkPlan network)
    {
        PoolEmitter.EmitForward(w, plan);
        w.Line();
        PoolEmitter.EmitBatchKernels(w, plan);
    }

    public override string ForwardCall(Pool2DPlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}Forward(ref {input}, ref {output});";

    public override string[] BatchForward(Pool2DPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}ForwardBatch(ref {input}, ref {output}, {count}, ref scratch, {Bool(plan.BlockedInput)}, {Bool(plan.BlockedOutput)});" };

    /// <summary>Pooling has no parameters: its backward pass only hands ∂E/∂z down, and as the first layer it has none.</summary>
    public override string[] BatchBackward(Pool2DPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => dzBelow is null ? Array.Empty<string>()
            : new[] { $"{Names.Kernels}.Layer{plan.Number}BackwardBatch(ref {input}, ref {dz}, ref {dzBelow}, {count}, ref scratch, {Bool(plan.BlockedOutput)});" };
}
