using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the forward and backward kernels of one dense layer, y = f(W·x + b), W of shape [out, in] row-major (the
/// canonical layout). Every size is a constant. Small layers are fully unrolled into straight-line scalar code; the
/// others get one register-blocked loop nest per instruction set, selected by JIT-time constants.
/// </summary>
internal static class DenseEmitter
{
    /// <summary>Layers with at most this many weights are fully unrolled: no loop, every index a constant.</summary>
    public const int UnrollLimit = 64;

    /// <summary>Output rows computed together in the forward kernel (each row's dot product in its own accumulator).</summary>
    private const int ForwardRows = 4;

    /// <summary>Input vectors handled together in the backward kernel.</summary>
    private const int BackwardVectors = 4;

    public static bool IsUnrolled(DenseLayerSpec layer) => layer.WeightCount <= UnrollLimit;

    private static string At(string reference, string index) => index == "0" ? reference : $"At(ref {reference}, {index})";

    private static string Title(DenseLayerSpec layer)
        => $"Layer {layer.Number}: dense {layer.InputSize} → {layer.OutputSize}, {Activations.Describe(layer.Activation)}{(layer.Bias ? "" : ", no bias")}";

    // ---------------------------------------------------------------- forward

    public static void EmitForward(SourceWriter w, DenseLayerSpec layer)
    {
        int n = layer.Number;
        w.Line($"/// <summary>{Title(layer)}: y = f(W·x{(layer.Bias ? " + b" : "")}) for one sample.</summary>");
        w.Open($"internal static void Layer{n}Forward(ref float p, ref float x, ref float y)");
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float b = ref At(ref p, Layer{n}Bias);");
        if (IsUnrolled(layer)) EmitForwardUnrolled(w, layer);
        else Isa.EmitBranches(w, isa => EmitForwardVector(w, layer, isa.Fit(layer.InputSize)));
        w.Close();
    }

    private static void EmitForwardUnrolled(SourceWriter w, DenseLayerSpec layer)
    {
        int inputs = layer.InputSize;
        w.Line($"// Fully unrolled ({layer.WeightCount} weights): each output is one expression with constant indices.");
        for (int i = 0; i < inputs; i++) w.Line($"float x{i} = {At("x", i.ToString())};");
        for (int o = 0; o < layer.OutputSize; o++)
        {
            var terms = new System.Collections.Generic.List<string>();
            for (int i = 0; i < inputs; i++) terms.Add($"{At("w", (o * inputs + i).ToString())} * x{i}");
            if (layer.Bias) terms.Add(At("b", o.ToString()));
            w.Line($"{At("y", o.ToString())} = {Activations.Apply(layer.Activation, string.Join(" + ", terms))};");
        }
    }

    private static void EmitForwardVector(SourceWriter w, DenseLayerSpec layer, Isa isa)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize, width = isa.Width;
        int full = inputs / width * width;
        int blocked = outputs / ForwardRows * ForwardRows;
        w.Line($"// {isa.Width}-float vectors: each row of W is {inputs / width} full vector(s) of {width}{(full < inputs ? $" and a scalar tail of {inputs - full}" : "")};");
        w.Line($"// {ForwardRows} rows at a time share each load of x. The epilogue adds the bias and applies f.");
        if (blocked > 0)
        {
            w.Open($"for (int o = 0; o < {blocked}; o += {ForwardRows})");
            EmitForwardRows(w, layer, isa, ForwardRows);
            w.Close();
        }
        if (blocked < outputs)
        {
            w.Line($"// The last {outputs - blocked} row(s), one at a time.");
            w.Open($"for (int o = {blocked}; o < {outputs}; o++)");
            EmitForwardRows(w, layer, isa, 1);
            w.Close();
        }
    }

    private static void EmitForwardRows(SourceWriter w, DenseLayerSpec layer, Isa isa, int rows)
    {
        int inputs = layer.InputSize, width = isa.Width;
        int full = inputs / width * width;
        w.Line($"ref float w0 = ref At(ref w, o * {inputs});");
        for (int r = 1; r < rows; r++) w.Line($"ref float w{r} = ref At(ref w0, {r * inputs});");
        if (full > 0)
        {
            for (int r = 0; r < rows; r++) w.Line($"var s{r} = {isa.VectorOfFloat}.Zero;");
            w.Open($"for (int i = 0; i < {full}; i += {width})");
            w.Line($"var xi = {isa.Load("x", "i")};");
            for (int r = 0; r < rows; r++) w.Line($"s{r} = {isa.Fma(isa.Load($"w{r}", "i"), "xi", $"s{r}")};");
            w.Close();
            for (int r = 0; r < rows; r++) w.Line($"float z{r} = {isa.Vector}.Sum(s{r});");
        }
        else
        {
            for (int r = 0; r < rows; r++) w.Line($"float z{r} = 0f;");
        }
        if (full < inputs)
        {
            w.Open($"for (int i = {full}; i < {inputs}; i++)");
            w.Line("float xi = At(ref x, i);");
            for (int r = 0; r < rows; r++) w.Line($"z{r} += At(ref w{r}, i) * xi;");
            w.Close();
        }
        for (int r = 0; r < rows; r++)
        {
            string index = r == 0 ? "o" : $"o + {r}";
            string z = layer.Bias ? $"z{r} + At(ref b, {index})" : $"z{r}";
            w.Line($"At(ref y, {index}) = {Activations.Apply(layer.Activation, z)};");
        }
    }

    // ---------------------------------------------------------------- backward

    /// <summary>
    /// Emits the backward kernel. <paramref name="below"/> is the activation of the layer underneath, whose output is
    /// this layer's input x; null for the first layer, which needs no gradient for its input.
    /// </summary>
    public static void EmitBackward(SourceWriter w, DenseLayerSpec layer, ActivationKind? below)
    {
        int n = layer.Number;
        bool dx = below is not null;
        w.Line($"/// <summary>{Title(layer)}, backward for one sample: given dz = ∂E/∂z, adds ∂E/∂W = dz·xᵀ{(layer.Bias ? " and ∂E/∂b = dz" : "")} to g{(dx ? "" : ".")}");
        if (dx) w.Line($"/// and writes ∂E/∂z of layer {n - 1} = f′ (its {Activations.Describe(below!.Value)}) · Wᵀ·dz to dzBelow, in the same pass.");
        w.Line("/// </summary>");
        w.Open($"internal static void Layer{n}Backward(ref float p, ref float g, ref float x, ref float dz{(dx ? ", ref float dzBelow" : "")})");
        if (dx) w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        w.Line($"ref float gw = ref At(ref g, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float gb = ref At(ref g, Layer{n}Bias);");
        if (IsUnrolled(layer)) EmitBackwardUnrolled(w, layer, below);
        else
        {
            if (layer.Bias)
            {
                w.Line("// ∂E/∂b += dz");
                w.Line($"for (int o = 0; o < {layer.OutputSize}; o++) At(ref gb, o) += At(ref dz, o);");
            }
            Isa.EmitBranches(w, isa => EmitBackwardVector(w, layer, below, isa.Fit(layer.InputSize)));
        }
        w.Close();
    }

    private static void EmitBackwardUnrolled(SourceWriter w, DenseLayerSpec layer, ActivationKind? below)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"// Fully unrolled ({layer.WeightCount} weights).");
        for (int i = 0; i < inputs; i++) w.Line($"float x{i} = {At("x", i.ToString())};");
        for (int o = 0; o < outputs; o++) w.Line($"float dz{o} = {At("dz", o.ToString())};");
        w.Line("// ∂E/∂W[o,i] += dz[o]·x[i]");
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
                w.Line($"{At("gw", (o * inputs + i).ToString())} += dz{o} * x{i};");
        if (layer.Bias)
        {
            w.Line("// ∂E/∂b += dz");
            for (int o = 0; o < outputs; o++) w.Line($"{At("gb", o.ToString())} += dz{o};");
        }
        if (below is { } activation)
        {
            w.Line($"// ∂E/∂z below = f′·Σ_o W[o,i]·dz[o], f′ from the layer below's output x ({Activations.Describe(activation)})");
            for (int i = 0; i < inputs; i++)
            {
                var terms = new System.Collections.Generic.List<string>();
                for (int o = 0; o < outputs; o++) terms.Add($"{At("w", (o * inputs + i).ToString())} * dz{o}");
                string sum = outputs == 1 ? terms[0] : "(" + string.Join(" + ", terms) + ")";
                w.Line($"{At("dzBelow", i.ToString())} = {Activations.ScalarDerivativeTimes(activation, $"x{i}", sum)};");
            }
        }
    }

    private static void EmitBackwardVector(SourceWriter w, DenseLayerSpec layer, ActivationKind? below, Isa isa)
    {
        int inputs = layer.InputSize, width = isa.Width, step = width * BackwardVectors;
        int blocked = inputs / step * step;
        int full = inputs / width * width;
        w.Line($"// {isa.Width}-float vectors: walk the inputs in blocks of {BackwardVectors}×{width}; for each block, one pass over the {layer.OutputSize} rows");
        w.Line(below is null
            ? "// adds dz[o]·x to the block of row o of ∂E/∂W."
            : "// adds dz[o]·x to the block of row o of ∂E/∂W and accumulates Wᵀ·dz in registers, then applies f′ of the layer below.");
        if (blocked > 0)
        {
            w.Open($"for (int i = 0; i < {blocked}; i += {step})");
            EmitBackwardColumns(w, layer, below, isa, BackwardVectors);
            w.Close();
        }
        if (full > blocked)
        {
            w.Open($"for (int i = {blocked}; i < {full}; i += {width})");
            EmitBackwardColumns(w, layer, below, isa, 1);
            w.Close();
        }
        if (inputs > full)
        {
            w.Line($"// Scalar tail: the last {inputs - full} input(s).");
            w.Open($"for (int i = {full}; i < {inputs}; i++)");
            w.Line("float xi = At(ref x, i);");
            if (below is not null) w.Line("float d = 0f;");
            w.Open($"for (int o = 0; o < {layer.OutputSize}; o++)");
            w.Line("float dzo = At(ref dz, o);");
            w.Line($"At(ref gw, o * {inputs} + i) += dzo * xi;");
            if (below is not null) w.Line($"d += At(ref w, o * {inputs} + i) * dzo;");
            w.Close();
            if (below is { } activation) w.Line($"At(ref dzBelow, i) = {Activations.ScalarDerivativeTimes(activation, "xi", "d")};");
            w.Close();
        }
    }

    private static void EmitBackwardColumns(SourceWriter w, DenseLayerSpec layer, ActivationKind? below, Isa isa, int vectors)
    {
        int inputs = layer.InputSize, width = isa.Width;
        for (int k = 0; k < vectors; k++) w.Line($"var x{k} = {isa.Load("x", k == 0 ? "i" : $"i + {k * width}")};");
        if (below is not null)
            for (int k = 0; k < vectors; k++) w.Line($"var d{k} = {isa.VectorOfFloat}.Zero;");
        w.Open($"for (int o = 0; o < {layer.OutputSize}; o++)");
        w.Line($"var dzo = {isa.Vector}.Create(At(ref dz, o));");
        if (below is not null) w.Line($"ref float wo = ref At(ref w, o * {inputs} + i);");
        w.Line($"ref float go = ref At(ref gw, o * {inputs} + i);");
        for (int k = 0; k < vectors; k++)
        {
            string offset = (k * width).ToString();
            w.Line(isa.Store(isa.Fma("dzo", $"x{k}", isa.Load("go", offset)), "go", offset));
        }
        if (below is not null)
            for (int k = 0; k < vectors; k++)
                w.Line($"d{k} = {isa.Fma(isa.Load("wo", (k * width).ToString()), "dzo", $"d{k}")};");
        w.Close();
        if (below is { } activation)
            for (int k = 0; k < vectors; k++)
                w.Line(isa.Store($"({Activations.VectorDerivativeTimes(isa, activation, $"x{k}", $"d{k}")})", "dzBelow", k == 0 ? "i" : $"i + {k * width}"));
    }
}
