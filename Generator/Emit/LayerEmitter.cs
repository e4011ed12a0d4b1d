using NetCompiler.Generator.Emit.Layers.BatchNorm;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The one place that knows every layer type: which kernels it has, how they are called and how much scratch they
/// need. A new layer type adds a case to each switch here and an emitter of its own; the network emitter is untouched.
/// </summary>
internal static class LayerEmitter
{
    public static int ForwardScratch(LayerSpec layer) => layer is Conv2DLayerSpec c ? ConvEmitter.ForwardScratch(c) : 0;

    /// <summary>Floats of scratch the batch kernels (training: forward and backward) of <paramref name="layer"/> need.</summary>
    public static int BatchScratch(LayerSpec layer) => BlockEmitter.BatchScratch(layer);

    /// <summary>Floats of scratch its forward batch kernel (PredictBatch) needs.</summary>
    public static int ForwardBatchScratch(LayerSpec layer) => BlockEmitter.ForwardBatchScratch(layer);

    /// <summary>The shape of the weight tensor, as a comment, e.g. <c>[6, 1, 5, 5]</c>.</summary>
    public static string WeightShape(LayerSpec layer) => layer switch
    {
        DenseLayerSpec d => $"[{d.OutputSize}, {d.InputSize}]",
        Conv2DLayerSpec c => $"[{c.Filters}, {c.Input.Channels}, {c.KernelHeight}, {c.KernelWidth}]",
        BatchNormLayerSpec b => $"[{b.Channels}] (γ)",
        _ => "[]",
    };

    public static string BiasShape(LayerSpec layer) => layer switch
    {
        Conv2DLayerSpec c => $"[{c.Filters}]",
        BatchNormLayerSpec b => $"[{b.Channels}] (β)",
        _ => $"[{layer.OutputSize}]",
    };

    public static string Describe(LayerSpec layer) => layer switch
    {
        DenseLayerSpec d => $"dense {d.InputSize} → {d.OutputSize}, {Activations.Describe(d.Activation)}{(d.Bias ? "" : ", no bias")}",
        Conv2DLayerSpec c => $"conv {c.KernelHeight}×{c.KernelWidth}, {c.Filters} filter(s), stride {c.Stride}, padding {c.Padding}, {Activations.Describe(c.Activation)}{(c.Bias ? "" : ", no bias")}",
        Pool2DLayerSpec p => $"{(p.Kind == PoolKind.Max ? "max" : "average")} pool {p.Size}×{p.Size}, stride {p.Stride}{PoolEmitter.PaddingNote(p)}",
        _ => TrainingModeEmitter.Describe(layer),
    };

    /// <summary>The kernels of <paramref name="layer"/>; <paramref name="rowRange"/>: its batch kernels take a range of rows (a dense layer trained by parts).</summary>
    public static void EmitKernels(SourceWriter w, LayerSpec layer, ActivationKind? below, bool rowRange = false)
    {
        switch (layer)
        {
            case DenseLayerSpec d:
                DenseEmitter.EmitForward(w, d);
                w.Line();
                DenseBatchEmitter.EmitForwardBatch(w, d, rowRange);
                w.Line();
                DenseBatchEmitter.EmitWeightGradient(w, d, rowRange);
                if (below is { } belowActivation)
                {
                    w.Line();
                    DenseEmitter.EmitInputGradient(w, d, belowActivation);
                }
                break;
            case Conv2DLayerSpec c:
                ConvEmitter.EmitForward(w, c);
                w.Line();
                BlockEmitter.EmitConvKernels(w, c, below);
                break;
            case Pool2DLayerSpec p:
                PoolEmitter.EmitForward(w, p);
                w.Line();
                PoolEmitter.EmitBatchKernels(w, p, below);
                break;
            case BatchNormLayerSpec or DropoutLayerSpec:
                TrainingModeEmitter.EmitKernels(w, layer, below);
                break;
        }
        w.Line();
    }

    /// <summary>The statement that runs <paramref name="layer"/> forward from <paramref name="input"/> into <paramref name="output"/>.</summary>
    public static string ForwardCall(LayerSpec layer, string input, string output) => layer switch
    {
        Conv2DLayerSpec => $"{Names.Kernels}.Layer{layer.Number}Forward(ref p, ref {input}, ref {output}, ref scratch);",
        Pool2DLayerSpec => $"{Names.Kernels}.Layer{layer.Number}Forward(ref {input}, ref {output});",
        BatchNormLayerSpec or DropoutLayerSpec => TrainingModeEmitter.ForwardCall(layer, input, output),
        _ => $"{Names.Kernels}.Layer{layer.Number}Forward(ref p, ref {input}, ref {output});",
    };

    private static string Row(string matrix, string index, int width) => $"ref {Names.Kernels}.Row(ref {matrix}, {index}, {width})";

    /// <summary>
    /// The statements that run <paramref name="layer"/> forward over <paramref name="count"/> samples, row-major except
    /// between two convolution or pooling layers, where they stay in blocks (<see cref="BlockEmitter"/>);
    /// <paramref name="next"/> is the layer above, if any; <paramref name="rows"/>, the row-range arguments of a dense
    /// kernel that takes them.
    /// </summary>
    public static string[] BatchForward(LayerSpec layer, LayerSpec? next, string input, string output, string count, string? rows = null)
    {
        string range = rows is null ? "" : ", " + rows;
        string kernel = $"{Names.Kernels}.Layer{layer.Number}";
        string x = Row(input, "s", layer.InputSize), y = Row(output, "s", layer.OutputSize);
        return layer switch
        {
            DenseLayerSpec => new[] { $"{kernel}ForwardBatch(ref p, ref {input}, ref {output}, {count}{range});" },
            Conv2DLayerSpec c => BlockEmitter.ForwardCalls(c, next, input, output, count),
            Pool2DLayerSpec l => PoolEmitter.ForwardCalls(l, next, input, output, count),
            BatchNormLayerSpec or DropoutLayerSpec => TrainingModeEmitter.BatchForward(layer, next, input, output, count),
            _ => new[] { $"for (int s = 0; s < {count}; s++) {kernel}Forward({x}, {y});" },
        };
    }

    /// <summary>
    /// The statements that run <paramref name="layer"/> backward over <paramref name="count"/> samples: add its
    /// parameter gradients to g and, when there is a layer below (<paramref name="dzBelow"/> not null), write that
    /// layer's ∂E/∂z. <paramref name="accumulate"/> is false on the first chunk of a batch: the kernels then write g
    /// instead of adding to it (nothing clears it beforehand). <paramref name="rows"/>: as in <see cref="BatchForward"/>.
    /// </summary>
    public static string[] BatchBackward(LayerSpec layer, LayerSpec? next, string input, string dz, string? dzBelow, string count, string accumulate, string? rows = null)
    {
        string range = rows is null ? "" : ", " + rows;
        string kernel = $"{Names.Kernels}.Layer{layer.Number}";
        switch (layer)
        {
            case DenseLayerSpec:
                var lines = new System.Collections.Generic.List<string> { $"{kernel}WeightGradient(ref g, ref {input}, ref {dz}, {count}, {accumulate}{range});" };
                if (dzBelow is not null) lines.Add($"{kernel}InputGradient(ref p, ref {input}, ref {dz}, ref {dzBelow}, {count});");
                return lines.ToArray();
            case Conv2DLayerSpec c:
                return BlockEmitter.BackwardCalls(c, next, input, dz, dzBelow, count, accumulate);
            case Pool2DLayerSpec l:
                return dzBelow is null ? System.Array.Empty<string>() : PoolEmitter.BackwardCalls(l, next, input, dz, dzBelow, count);
            default:
                return System.Array.Empty<string>();
        }
    }
}
