using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>A 2-D convolution: its attribute, its plan (<see cref="Conv2DRules"/>), its kernels and the calls that run them.</summary>
internal sealed class Conv2DUnit : LayerUnit<Conv2DLayerSpec, Conv2DPlan>
{
    public override string[] AttributeNames { get; } = { "NetCompiler.Conv2DAttribute" };

    public override Conv2DLayerSpec? Parse(LayerContext context, ref bool malformed) => Conv2DParser.Parse(context, ref malformed);

    public override Conv2DPlan Plan(Conv2DLayerSpec layer, LayerPlanContext context) => Conv2DRules.Plan(layer, context);

    public override string Describe(Conv2DLayerSpec c)
        => $"conv {c.KernelHeight}×{c.KernelWidth}, {c.Filters} filter(s), stride {c.Stride}, padding {c.Padding}, {Activations.Describe(c.Activation)}{(c.Bias ? "" : ", no bias")}";

    public override string WeightShape(Conv2DLayerSpec c) => $"[{c.Filters}, {c.Input.Channels}, {c.KernelHeight}, {c.KernelWidth}]";

    public override string BiasShape(Conv2DLayerSpec c) => $"[{c.Filters}]";

    public override void EmitKernels(SourceWriter w, Conv2DPlan plan, NetworkPlan network)
    {
        ConvEmitter.EmitForward(w, plan);
        w.Line();
        BlockEmitter.EmitConvKernels(w, plan);
    }

    public override string ForwardCall(Conv2DPlan plan, string input, string output)
        => $"{Names.Kernels}.Layer{plan.Number}Forward(ref p, ref {input}, ref {output}, ref scratch);";

    /// <summary>The layout arguments of the batch kernels: whether the input, and the output, are in blocks.</summary>
    private static string Flags(Conv2DPlan plan) => $"{Bool(plan.BlockedInput)}, {Bool(plan.BlockedOutput)}";

    public override string[] BatchForward(Conv2DPlan plan, NetworkPlan network, string input, string output, string count, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}ForwardBatch(ref p, ref {input}, ref {output}, {count}, ref scratch, {Flags(plan)});" };

    public override string[] BatchBackward(Conv2DPlan plan, NetworkPlan network, string input, string dz, string? dzBelow, string count, string accumulate, string? rows)
        => new[] { $"{Names.Kernels}.Layer{plan.Number}BackwardBatch(ref p, ref g, ref {input}, ref {dz}{(dzBelow is null ? "" : $", ref {dzBelow}")}, {count}, ref scratch, {Flags(plan)}, {accumulate});" };
}
