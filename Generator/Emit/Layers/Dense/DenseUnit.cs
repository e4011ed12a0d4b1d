using System.Collections.Generic;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>A fully connected layer: its attribute, its plan (<see cref="DenseRules"/>), its kernels and the calls that run them.</summary>
internal sealed class DenseUnit : LayerUnit<DenseLayerSpec, DensePlan>
{
    public override string[] AttributeNames { get; } = { "NetCompiler.DenseAttribute" };

    public override DenseLayerSpec? Parse(LayerContext context, ref bool malformed) => DenseParser.Parse(context, ref malformed);

    public override DensePlan Plan(DenseLayerSpec layer, LayerPlanContext context) => DenseRules.Plan(layer, context);

    public override string Describe(DenseLayerSpec d)
        => $"dense {d.InputSize} → {d.OutputSize}, {Activations.Describe(d.Activation)}{(d.Bias ? "" : ", no bias")}";

    public override string WeightShape(DenseLayerSpec d) => $"[{d.OutputSize}, {d.InputSize}]";

    public override void EmitKernels(SourceWriter w, DensePlan plan, NetworkPlan network)
    {
        if (!plan.Unrolled)
        {
            DenseBatchEmitter.EmitShape(w, plan);
            w.Line();
        }
        DenseEmitter.EmitForward(w, plan);
        w.Line();
        DenseBatchEmitter.EmitForwardBatch(w, plan);
        w.Line();
        DenseBatchEmitter.EmitWeightGradient(w, plan);
        if (plan.Below is not null)
        {
            w.Line();
            DenseEmitter.EmitInputGradient(w, plan);
        }
    }

    public override string ForwardCall(DensePlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}Forward(ref p, ref {input}, ref {output});";

    public override string[] BatchForward(DensePlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}ForwardBatch(ref p, ref {input}, ref {output}, {count}{(rows is null ? "" : ", " + rows)});" };

    public override string[] BatchBackward(DensePlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
    {
        string kernel = $"{Names.Kernels}.Layer{plan.Number}";
        var lines = new List<string> { $"{kernel}WeightGradient(ref g, ref {input}, ref {dz}, {count}, {accumulate}{(rows is null ? "" : ", " + rows)});" };
        if (dzBelow is not null) lines.Add($"{kernel}InputGradient(ref p, ref {input}, ref {dz}, ref {dzBelow}, {count});");
        return lines.ToArray();
    }
}
