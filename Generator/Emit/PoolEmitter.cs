using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits max and average pooling. Max pooling keeps nothing for the backward pass: it finds each window's maximum
/// again in the stored input and routes the gradient there (the first maximum on ties, like PyTorch).
/// </summary>
internal static class PoolEmitter
{
    private static string Title(Pool2DLayerSpec l)
        => $"Layer {l.Number}: {(l.Kind == PoolKind.Max ? "max" : "average")} pooling {l.Input} → {l.Output}, {l.Size}×{l.Size} windows, stride {l.Stride}";

    public static void EmitForward(SourceWriter w, Pool2DLayerSpec l)
    {
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        w.Line($"/// <summary>{Title(l)}, for one sample.</summary>");
        w.Open($"internal static void Layer{l.Number}Forward(ref float x, ref float y)");
        w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Open($"for (int ox = 0; ox < {ow}; ox++)");
        w.Line($"ref float window = ref At(ref x, (c * {h} + oy * {l.Stride}) * {wd} + ox * {l.Stride});");
        if (l.Kind == PoolKind.Max)
        {
            w.Line("float m = window;");
            EmitWindow(w, l, "{ float v = At(ref window, k); if (v > m) m = v; }");
            w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = m;");
        }
        else
        {
            w.Line("float s = 0f;");
            EmitWindow(w, l, "s += At(ref window, k);");
            w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = s * {Inverse(l)};");
        }
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>Every position k of the window, relative to its top-left corner; the window rows are unrolled.</summary>
    private static void EmitWindow(SourceWriter w, Pool2DLayerSpec l, string statement)
    {
        for (int ky = 0; ky < l.Size; ky++)
        {
            w.Open($"for (int kx = 0; kx < {l.Size}; kx++)");
            w.Line($"int k = {(ky == 0 ? "" : $"{ky * l.Input.Width} + ")}kx;");
            w.Line(statement);
            w.Close();
        }
    }

    private static string Inverse(Pool2DLayerSpec l)
        => (1.0 / (l.Size * l.Size)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

    /// <summary>Only emitted when there is a layer below, since pooling has no parameters of its own.</summary>
    public static void EmitBackward(SourceWriter w, Pool2DLayerSpec l, ActivationKind below)
    {
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        w.Line($"/// <summary>{Title(l)}, backward for one sample: routes dz to {(l.Kind == PoolKind.Max ? "each window's maximum" : "every position of each window, divided by its size")},");
        w.Line($"/// then multiplies by f′ of layer {l.Number - 1} ({Activations.Describe(below)}) into dzBelow.");
        w.Line("/// </summary>");
        w.Open($"internal static void Layer{l.Number}Backward(ref float x, ref float dz, ref float dzBelow)");
        w.Line($"{Names.MemoryMarshal}.CreateSpan(ref dzBelow, {l.InputSize}).Clear();");
        w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Open($"for (int ox = 0; ox < {ow}; ox++)");
        w.Line($"int corner = (c * {h} + oy * {l.Stride}) * {wd} + ox * {l.Stride};");
        w.Line($"float d = At(ref dz, (c * {oh} + oy) * {ow} + ox);");
        if (l.Kind == PoolKind.Max)
        {
            w.Line("ref float window = ref At(ref x, corner);");
            w.Line("float m = window;");
            w.Line("int best = 0;");
            EmitWindow(w, l, "{ float v = At(ref window, k); if (v > m) { m = v; best = k; } }");
            w.Line("At(ref dzBelow, corner + best) += d;");
        }
        else
        {
            w.Line($"d *= {Inverse(l)};");
            EmitWindow(w, l, "At(ref dzBelow, corner + k) += d;");
        }
        w.Close();
        w.Close();
        w.Close();
        if (below != ActivationKind.Identity)
        {
            w.Line($"// Times f′ of the layer below ({Activations.Describe(below)}), from its output x.");
            w.Line($"for (int k = 0; k < {l.InputSize}; k++) At(ref dzBelow, k) = {Activations.ScalarDerivativeTimes(below, "At(ref x, k)", "At(ref dzBelow, k)")};");
        }
        w.Close();
    }
}
