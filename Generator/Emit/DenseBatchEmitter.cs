using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the batched kernels of a dense layer, used by training and <c>PredictBatch</c>: the forward pass two samples
/// at a time (each load of W serves both), and the weight gradient ∂E/∂W = Σ_samples dz·xᵀ as one pass over the batch
/// per block of W, so the gradient is read and written once per batch instead of once per sample.
/// </summary>
internal static class DenseBatchEmitter
{
    /// <summary>Rows of ∂E/∂W accumulated together (each dz[s, o] broadcast once per sample).</summary>
    private const int GradientRows = 2;

    /// <summary>Vectors of each row accumulated together (each x load serves every row).</summary>
    private const int GradientVectors = 4;

    public static void EmitForwardBatch(SourceWriter w, DenseLayerSpec layer)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>{DenseEmitter.Title(layer)}: y = f(W·x{(layer.Bias ? " + b" : "")}) for <paramref name=\"batch\"/> samples stored row-major.</summary>");
        w.Open($"internal static void Layer{n}ForwardBatch(ref float p, ref float x, ref float y, int batch)");
        if (DenseEmitter.IsUnrolled(layer))
        {
            w.Line("// A small layer: its unrolled single-sample kernel, sample after sample.");
            w.Line($"for (int sample = 0; sample < batch; sample++) Layer{n}Forward(ref p, ref At(ref x, sample * {inputs}), ref At(ref y, sample * {outputs}));");
            w.Close();
            return;
        }
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float b = ref At(ref p, Layer{n}Bias);");
        w.Line("int sample = 0;");
        Isa.EmitBranches(w, isa =>
        {
            w.Line("// Two samples at a time: every vector of W loaded once is multiplied into both.");
            w.Open("for (; sample + 1 < batch; sample += 2)");
            w.Line($"ref float xa = ref At(ref x, sample * {inputs});");
            w.Line($"ref float xb = ref At(ref xa, {inputs});");
            w.Line($"ref float ya = ref At(ref y, sample * {outputs});");
            w.Line($"ref float yb = ref At(ref ya, {outputs});");
            DenseEmitter.EmitForwardVector(w, layer, isa.Fit(inputs), new[] { "xa", "xb" }, new[] { "ya", "yb" });
            w.Close();
        });
        w.Line("// An odd sample out.");
        w.Line($"if (sample < batch) Layer{n}Forward(ref p, ref At(ref x, sample * {inputs}), ref At(ref y, sample * {outputs}));");
        w.Close();
    }

    public static void EmitWeightGradient(SourceWriter w, DenseLayerSpec layer)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>{DenseEmitter.Title(layer)}: adds ∂E/∂W = Σ_s dz[s]·x[s]ᵀ{(layer.Bias ? " and ∂E/∂b = Σ_s dz[s]" : "")} over <paramref name=\"batch\"/> samples to g.</summary>");
        w.Open($"internal static void Layer{n}WeightGradient(ref float g, ref float x, ref float dz, int batch)");
        w.Line($"ref float gw = ref At(ref g, Layer{n}Weights);");
        if (layer.Bias)
        {
            w.Line($"ref float gb = ref At(ref g, Layer{n}Bias);");
            w.Line("// ∂E/∂b += Σ_s dz[s]");
            w.Open("for (int sample = 0; sample < batch; sample++)");
            w.Line($"ref float d = ref At(ref dz, sample * {outputs});");
            w.Line($"for (int o = 0; o < {outputs}; o++) At(ref gb, o) += At(ref d, o);");
            w.Close();
        }
        if (DenseEmitter.IsUnrolled(layer))
        {
            w.Line($"// Fully unrolled ({layer.WeightCount} weights), sample after sample: ∂E/∂W[o,i] += dz[o]·x[i].");
            w.Open("for (int sample = 0; sample < batch; sample++)");
            w.Line($"ref float xs = ref At(ref x, sample * {inputs});");
            w.Line($"ref float ds = ref At(ref dz, sample * {outputs});");
            for (int i = 0; i < inputs; i++) w.Line($"float x{i} = At(ref xs, {i});");
            for (int o = 0; o < outputs; o++) w.Line($"float dz{o} = At(ref ds, {o});");
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < inputs; i++)
                    w.Line($"At(ref gw, {o * inputs + i}) += dz{o} * x{i};");
            w.Close();
            w.Close();
            return;
        }
        Isa.EmitBranches(w, isa => EmitWeightGradientVector(w, layer, isa.Fit(inputs)));
        w.Close();
    }

    private static void EmitWeightGradientVector(SourceWriter w, DenseLayerSpec layer, Isa isa)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize, width = isa.Width;
        int step = width * GradientVectors, blocked = inputs / step * step, full = inputs / width * width;
        int pairedRows = outputs / GradientRows * GradientRows;
        w.Line($"// {width}-float vectors: a block of {GradientRows} rows × {GradientVectors}×{width} columns of ∂E/∂W stays in registers while");
        w.Line("// the whole batch is added into it: the gradient is read and written once per batch.");
        void Rows(int rows)
        {
            w.Line($"ref float g0 = ref At(ref gw, o * {inputs});");
            for (int r = 1; r < rows; r++) w.Line($"ref float g{r} = ref At(ref g0, {r * inputs});");
            if (blocked > 0)
            {
                w.Open($"for (int i = 0; i < {blocked}; i += {step})");
                Block(rows, GradientVectors);
                w.Close();
            }
            if (full > blocked)
            {
                w.Open($"for (int i = {blocked}; i < {full}; i += {width})");
                Block(rows, 1);
                w.Close();
            }
            if (full < inputs)
            {
                w.Open($"for (int i = {full}; i < {inputs}; i++)");
                for (int r = 0; r < rows; r++) w.Line($"float t{r} = 0f;");
                w.Open("for (int sample = 0; sample < batch; sample++)");
                w.Line($"float xi = At(ref x, sample * {inputs} + i);");
                for (int r = 0; r < rows; r++) w.Line($"t{r} += At(ref dz, sample * {outputs} + o{(r == 0 ? "" : $" + {r}")}) * xi;");
                w.Close();
                for (int r = 0; r < rows; r++) w.Line($"At(ref g{r}, i) += t{r};");
                w.Close();
            }
        }
        void Block(int rows, int vectors)
        {
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < vectors; k++)
                    w.Line($"var a{r}{k} = {isa.Load($"g{r}", k == 0 ? "i" : $"i + {k * width}")};");
            w.Open("for (int sample = 0; sample < batch; sample++)");
            w.Line($"ref float xs = ref At(ref x, sample * {inputs} + i);");
            w.Line($"ref float ds = ref At(ref dz, sample * {outputs} + o);");
            for (int r = 0; r < rows; r++) w.Line($"var d{r} = {isa.Vector}.Create(At(ref ds, {r}));");
            for (int k = 0; k < vectors; k++)
            {
                w.Line($"var x{k} = {isa.Load("xs", (k * width).ToString())};");
                for (int r = 0; r < rows; r++) w.Line($"a{r}{k} = {isa.Fma($"d{r}", $"x{k}", $"a{r}{k}")};");
            }
            w.Close();
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < vectors; k++)
                    w.Line(isa.Store($"a{r}{k}", $"g{r}", k == 0 ? "i" : $"i + {k * width}"));
        }
        if (pairedRows > 0)
        {
            w.Open($"for (int o = 0; o < {pairedRows}; o += {GradientRows})");
            Rows(GradientRows);
            w.Close();
        }
        if (pairedRows < outputs)
        {
            w.Open($"for (int o = {pairedRows}; o < {outputs}; o++)");
            Rows(1);
            w.Close();
        }
    }
}
