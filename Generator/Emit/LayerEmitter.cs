using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The one place that knows every layer type: which kernels it has, how they are called and how much scratch they
/// need. A new layer type adds a case to each switch here and an emitter of its own; the network emitter is untouched.
/// </summary>
internal static class LayerEmitter
{
    public static int ForwardScratch(LayerSpec layer) => layer is Conv2DLayerSpec c ? ConvEmitter.ForwardScratch(c) : 0;

    public static int BackwardScratch(LayerSpec layer) => layer is Conv2DLayerSpec c ? ConvEmitter.BackwardScratch(c) : 0;

    /// <summary>The shape of the weight tensor, as a comment, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public static string WeightShape(LayerSpec layer) => layer switch
    {
        DenseLayerSpec d => $"[{d.OutputSize}, {d.InputSize}]",
        Conv2DLayerSpec c => $"[{c.Filters}, {c.Input.Channels}, {c.KernelHeight}, {c.KernelWidth}]",
        _ => "[]",
    };

    public static string BiasShape(LayerSpec layer) => layer is Conv2DLayerSpec c ? $"[{c.Filters}]" : $"[{layer.OutputSize}]";

    public static string Describe(LayerSpec layer) => layer switch
    {
        DenseLayerSpec d => $"dense {d.InputSize} → {d.OutputSize}, {Activations.Describe(d.Activation)}{(d.Bias ? "" : ", no bias")}",
        Conv2DLayerSpec c => $"conv {c.KernelHeight}×{c.KernelWidth}, {c.Filters} filter(s), stride {c.Stride}, padding {c.Padding}, {Activations.Describe(c.Activation)}{(c.Bias ? "" : ", no bias")}",
        Pool2DLayerSpec p => $"{(p.Kind == PoolKind.Max ? "max" : "average")} pool {p.Size}×{p.Size}, stride {p.Stride}",
        _ => layer.Describe(),
    };

    public static void EmitKernels(SourceWriter w, LayerSpec layer, ActivationKind? below)
    {
        switch (layer)
        {
            case DenseLayerSpec d:
                DenseEmitter.EmitForward(w, d);
                w.Line();
                DenseEmitter.EmitBackward(w, d, below);
                break;
            case Conv2DLayerSpec c:
                ConvEmitter.EmitForward(w, c);
                w.Line();
                ConvEmitter.EmitBackward(w, c, below);
                break;
            case Pool2DLayerSpec p:
                PoolEmitter.EmitForward(w, p);
                if (below is { } activation)
                {
                    w.Line();
                    PoolEmitter.EmitBackward(w, p, activation);
                }
                break;
        }
        w.Line();
    }

    /// <summary>The statement that runs <paramref name="layer"/> forward from <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static string ForwardCall(LayerSpec layer, string input, string output) => layer switch
    {
        Conv2DLayerSpec => $"{Names.Kernels}.Layer{layer.Number}Forward(ref p, ref {input}, ref {output}, ref scratch);",
        Pool2DLayerSpec => $"{Names.Kernels}.Layer{layer.Number}Forward(ref {input}, ref {output});",
        _ => $"{Names.Kernels}.Layer{layer.Number}Forward(ref p, ref {input}, ref {output});",
    };

    /// <summary>The statement that runs <paramref name="layer"/> backward, or null when it has nothing to do.</summary>
    public static string? BackwardCall(LayerSpec layer, string input, string dz, string? dzBelow)
    {
        string below = dzBelow is null ? "" : $", ref {dzBelow}";
        return layer switch
        {
            Conv2DLayerSpec => $"{Names.Kernels}.Layer{layer.Number}Backward(ref p, ref g, ref {input}, ref {dz}{below}, ref scratch);",
            Pool2DLayerSpec => dzBelow is null ? null : $"{Names.Kernels}.Layer{layer.Number}Backward(ref {input}, ref {dz}, ref {dzBelow});",
            _ => $"{Names.Kernels}.Layer{layer.Number}Backward(ref p, ref g, ref {input}, ref {dz}{below});",
        };
    }
}
