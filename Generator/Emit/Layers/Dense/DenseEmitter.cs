using System.Linq;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the forward and backward kernels of one dense layer, y = f(W·x + b), W of shape [out, in] row-major (the
/// canonical layout). Every size is a constant. Small layers are fully unrolled into straight-line scalar code; the
/// others get one register-blocked loop nest per instruction set, selected by JIT-time constants. Which form each
/// kernel takes is the layer's plan (<see cref="DensePlan"/>, <see cref="DenseRules"/>).
/// </summary>
internal static class DenseEmitter
{
    /// <summary>Output rows computed together in the forward kernel (each row's dot product in its own accumulator).</summary>
    private const int ForwardRows = 4;

    private static string At(string reference, string index) => index == "0" ? reference : $"At(ref {reference}, {index})";

    /// <summary>The first line of every dense kernel's documentation.</summary>
    internal static string Title(DenseLayerSpec layer)
        => $"Layer {layer.Number}: dense {layer.InputSize} → {layer.OutputSize}, {Activations.Describe(layer.Activation)}{(layer.Bias ? "" : ", no bias")}";

    // ---------------------------------------------------------------- forward

    public static void EmitForward(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        int n = layer.Number;
        w.Line($"/// <summary>{Title(layer)}: y = f(W·x{(layer.Bias ? " + b" : "")}) for one sample.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}Forward(ref float p, ref float x, ref float y)");
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float b = ref At(ref p, Layer{n}Bias);");
        if (plan.Unrolled) EmitForwardUnrolled(w, layer);
        else Isa.EmitBranches(w, isa => plan.Rows[isa], rows => EmitForwardVector(w, layer, rows));
        w.Close();
    }

    private static void EmitForwardUnrolled(SourceWriter w, DenseLayerSpec layer)
    {
        int inputs = layer.InputSize;
        w.Line($"// Fully unrolled ({layer.WeightCount} weights): each output is one expression with constant indices,");
        w.Line("// its products summed pairwise (a tree, not a chain, so the additions overlap).");
        for (int i = 0; i < inputs; i++) w.Line($"float x{i} = {At("x", i.ToString())};");
        for (int o = 0; o < layer.OutputSize; o++)
            w.Line($"{At("y", o.ToString())} = {UnrolledOutput(layer, o, "w", "b", i => $"x{i}")};");
    }

    /// <summary>f(Σ_i W[o,i]·x_i + b[o]) as one expression, the products summed as a balanced tree.</summary>
    private static string UnrolledOutput(DenseLayerSpec layer, int o, string weights, string bias, System.Func<int, string> input)
    {
        int inputs = layer.InputSize;
        var terms = new System.Collections.Generic.List<string>();
        for (int i = 0; i < inputs; i++) terms.Add($"{At(weights, (o * inputs + i).ToString())} * {input(i)}");
        string sum = PairwiseSum(terms);
        if (layer.Bias) sum = $"{sum} + {At(bias, o.ToString())}";
        return Activations.Apply(layer.Activation, sum);
    }

    /// <summary>(a + b) + (c + d) …: the terms added pairwise, level by level; the outermost sum needs no parentheses.</summary>
    private static string PairwiseSum(System.Collections.Generic.List<string> terms)
    {
        while (terms.Count > 2)
        {
            var next = new System.Collections.Generic.List<string>();
            for (int k = 0; k < terms.Count; k += 2)
                next.Add(k + 1 < terms.Count ? $"({terms[k]} + {terms[k + 1]})" : terms[k]);
            terms = next;
        }
        return terms.Count == 1 ? terms[0] : $"{terms[0]} + {terms[1]}";
    }

    /// <summary>
    /// The whole forward pass of a network of small dense layers as one straight-line method: every activation is a
    /// local (a register), so one sample touches no memory but its input, the weights and its output.
    /// </summary>
    public static void EmitFusedForward(SourceWriter w, NetworkPlan plan)
    {
        var spec = plan.Spec;
        w.Line("/// <summary>One sample through every layer, all of them unrolled into this method: activations stay in locals.</summary>");
        w.Line(Names.Hot);
        w.Open("internal static void ForwardFused(ref float p, ref float x, ref float y)");
        if (plan.FusedAvx)
        {
            EmitFusedForwardAvx(w, spec);
            w.Line();
            w.Line("// Without AVX: scalar code.");
        }
        int inputs = spec.Layers[0].InputSize;
        for (int i = 0; i < inputs; i++) w.Line($"float x{i} = {At("x", i.ToString())};");
        string previous = "x";
        foreach (var layer in spec.Layers)
        {
            var dense = (DenseLayerSpec)layer;
            int n = dense.Number;
            bool last = layer.Index == spec.Layers.Count - 1;
            w.Line($"// {Title(dense)}{(last ? " (output)" : "")}");
            w.Line($"ref float w{n} = ref At(ref p, Layer{n}Weights);");
            if (dense.Bias) w.Line($"ref float b{n} = ref At(ref p, Layer{n}Bias);");
            string input = previous;
            for (int o = 0; o < dense.OutputSize; o++)
            {
                string value = UnrolledOutput(dense, o, $"w{n}", $"b{n}", i => $"{input}{i}");
                w.Line(last ? $"{At("y", o.ToString())} = {value};" : $"float h{n}_{o} = {value};");
            }
            previous = $"h{n}_";
        }
        w.Close();
    }

    /// <summary>
    /// The AVX form of a chain of 8 → 8 layers: the 8 rows of W multiplied by x as 8 vector products, then the 8 sums
    /// formed together by a transposing tree of horizontal adds, giving z = W·x as one vector; the activations never leave
    /// registers.
    /// </summary>
    private static void EmitFusedForwardAvx(SourceWriter w, NetworkSpec spec)
    {
        const string V = "Vector256";
        const string Avx = "Avx";
        w.Open($"if ({Avx}.IsSupported && {V}.IsHardwareAccelerated)");
        w.Line("// AVX: every layer is 8 → 8, so a row of W and a layer's activations are one 8-float vector each.");
        w.Line($"var v0 = {V}.LoadUnsafe(ref x);");
        foreach (var layer in spec.Layers)
        {
            var dense = (DenseLayerSpec)layer;
            int n = dense.Number;
            bool last = layer.Index == spec.Layers.Count - 1;
            w.Line($"// {Title(dense)}{(last ? " (output)" : "")}: z = W·x{(dense.Bias ? " + b" : "")}, the 8 row products summed by hadd(hadd(·,·), hadd(·,·)) and a swap of 128-bit halves.");
            w.Line($"ref float rows{n} = ref At(ref p, Layer{n}Weights);");
            string input = $"v{n - 1}";
            for (int r = 0; r < 8; r++)
                w.Line($"var p{n}_{r} = {V}.LoadUnsafe(ref rows{n}{(r == 0 ? "" : $", {r * 8}")}) * {input};");
            for (int k = 0; k < 4; k++)
                w.Line($"var t{n}_{k} = {Avx}.HorizontalAdd(p{n}_{2 * k}, p{n}_{2 * k + 1});");
            w.Line($"var u{n}_0 = {Avx}.HorizontalAdd(t{n}_0, t{n}_1);   // [Σ₀₋₃ of rows 0–3 | Σ₄₋₇ of rows 0–3]");
            w.Line($"var u{n}_1 = {Avx}.HorizontalAdd(t{n}_2, t{n}_3);   // the same for rows 4–7");
            string z = $"{Avx}.Permute2x128(u{n}_0, u{n}_1, 0x20) + {Avx}.Permute2x128(u{n}_0, u{n}_1, 0x31)";
            if (dense.Bias) z += $" + {V}.LoadUnsafe(ref At(ref p, Layer{n}Bias))";
            w.Line($"var z{n} = {z};");
            string value = Activations.VectorApply(Isa.Avx2, dense.Activation, $"z{n}");
            w.Line(last ? $"{V}.StoreUnsafe({value}, ref y);" : $"var v{n} = {value};");
        }
        w.Line("return;");
        w.Close();
    }

    /// <summary>The vectorised forward pass for one sample (the batched pass is the runtime's <c>DenseKernels.ForwardBatch</c>, called by <see cref="DenseBatchEmitter"/>).</summary>
    private static void EmitForwardVector(SourceWriter w, DenseLayerSpec layer, DenseRowsPlan plan)
    {
        var isa = plan.Isa;
        var xs = new[] { "x" };
        var ys = new[] { "y" };
        int inputs = layer.InputSize, outputs = layer.OutputSize, width = isa.Width;
        if (plan.SingleRows)
        {
            EmitForwardSingleRows(w, layer, isa);
            return;
        }
        int full = inputs / width * width;
        int rowsPerBlock = ForwardRows;
        int blocked = outputs / rowsPerBlock * rowsPerBlock;
        w.Line($"// {isa.Width}-float vectors: each row of W is {inputs / width} full vector(s) of {width}{(full < inputs ? $" and a scalar tail of {inputs - full}" : "")};");
        w.Line($"// {rowsPerBlock} row(s) at a time share each load of x. The epilogue adds the bias and applies f.");
        if (blocked > 0)
        {
            w.Open($"for (int o = 0; o < {blocked}; o += {rowsPerBlock})");
            EmitForwardRows(w, layer, isa, rowsPerBlock, xs, ys);
            w.Close();
        }
        if (blocked < outputs)
        {
            w.Line($"// The last {outputs - blocked} row(s), one at a time.");
            w.Open($"for (int o = {blocked}; o < {outputs}; o++)");
            EmitForwardRows(w, layer, isa, 1, xs, ys);
            w.Close();
        }
    }

    /// <summary>
    /// One sample through a layer whose rows are whole AVX-512 vectors, row after row: W is read as one sequential stream
    /// (the rows are contiguous) and each row's dot product runs in <see cref="DenseRules.RowAccumulators"/> accumulators, x coming
    /// from L1 again for every row. Such a layer is bound by reading W from L2, and this form reads it at close to the
    /// rate of a plain sequential read, where four rows sharing each load of x (four streams of W) do not
    /// (docs/design/dense-kernels.md). As a network's first layer it gets a copy of an input that is not on a 64-byte
    /// boundary (<see cref="DenseRules.UsesAlignedInput"/>), since x is read once per row.
    /// </summary>
    private static void EmitForwardSingleRows(SourceWriter w, DenseLayerSpec layer, Isa isa)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize, width = isa.Width, step = DenseRules.RowAccumulators * width;
        int looped = inputs / step * step, rest = (inputs - looped) / width;
        w.Line($"// {width}-float vectors, one row at a time: W is read as one stream; the row's {inputs / width} vectors go to {DenseRules.RowAccumulators} accumulators in turn.");
        w.Open($"for (int o = 0; o < {outputs}; o++)");
        w.Line($"ref float wr = ref At(ref w, o * {inputs});");
        for (int k = 0; k < DenseRules.RowAccumulators; k++) w.Line($"var a{k} = {isa.VectorOfFloat}.Zero;");
        // One pass of the accumulators needs no loop.
        bool once = looped == step;
        w.Open(once ? null : $"for (nuint i = 0; i < {looped}; i += {step})");
        for (int k = 0; k < DenseRules.RowAccumulators; k++)
        {
            string at = once ? (k * width).ToString() : k == 0 ? "i" : $"i + {k * width}";
            w.Line($"a{k} = {isa.Fma(isa.Load("wr", at), isa.Load("x", at), $"a{k}")};");
        }
        w.Close();
        if (rest > 0) w.Line($"// The last {rest} vector(s) of the row.");
        for (int k = 0; k < rest; k++)
        {
            string at = (looped + k * width).ToString();
            w.Line($"a{k} = {isa.Fma(isa.Load("wr", at), isa.Load("x", at), $"a{k}")};");
        }
        string Tree(int first, int count) => count == 1 ? $"a{first}" : $"({Tree(first, count / 2)} + {Tree(first + count / 2, count / 2)})";
        w.Line($"float z = {isa.Vector}.Sum{Tree(0, DenseRules.RowAccumulators)};");
        w.Line($"At(ref y, o) = {Activations.Apply(layer.Activation, layer.Bias ? "z + At(ref b, o)" : "z")};");
        w.Close();
    }

    internal static void EmitForwardRows(SourceWriter w, DenseLayerSpec layer, Isa isa, int rows, string[] xs, string[] ys)
    {
        int inputs = layer.InputSize, width = isa.Width;
        int full = inputs / width * width;
        // Accumulator names: s{row} for one sample, s{row}{sample letter} for several.
        string Acc(string prefix, int r, int k) => xs.Length == 1 ? $"{prefix}{r}" : $"{prefix}{r}{(char)('a' + k)}";
        w.Line($"ref float w0 = ref At(ref w, o * {inputs});");
        for (int r = 1; r < rows; r++) w.Line($"ref float w{r} = ref At(ref w0, {r * inputs});");
        // Rows whose sums are folded four at a time by horizontal adds (no scalar tail, vectors of 8 or 16); the others
        // are summed one by one.
        int grouped = full > 0 && full == inputs && isa != Isa.Portable ? rows / 4 * 4 : 0;
        if (full > 0)
        {
            for (int r = 0; r < rows; r++)
                w.Line(isa.Zeros(Enumerable.Range(0, xs.Length).Select(k => Acc("s", r, k))));
            // A native-sized index: the loads use it as it is, without a sign extension each.
            w.Open($"for (nuint i = 0; i < {full}; i += {width})");
            for (int k = 0; k < xs.Length; k++) w.Line($"var {(xs.Length == 1 ? "xi" : $"x{(char)('a' + k)}i")} = {isa.Load(xs[k], "i")};");
            for (int r = 0; r < rows; r++)
            {
                if (xs.Length == 1)
                {
                    w.Line($"s{r} = {isa.Fma(isa.Load($"w{r}", "i"), "xi", $"s{r}")};");
                    continue;
                }
                w.Line($"var w{r}i = {isa.Load($"w{r}", "i")};");
                for (int k = 0; k < xs.Length; k++)
                    w.Line($"{Acc("s", r, k)} = {isa.Fma($"w{r}i", $"x{(char)('a' + k)}i", Acc("s", r, k))};");
            }
            w.Close();
            for (int r = 0; r < grouped; r += 4) EmitFourRowEpilogue(w, layer, isa, r, xs.Length, ys, Acc);
            if (grouped == rows) return;
            for (int r = grouped; r < rows; r++)
                for (int k = 0; k < xs.Length; k++) w.Line($"float {Acc("z", r, k)} = {isa.Vector}.Sum({Acc("s", r, k)});");
        }
        else
        {
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < xs.Length; k++) w.Line($"float {Acc("z", r, k)} = 0f;");
        }
        if (full < inputs)
        {
            w.Open($"for (int i = {full}; i < {inputs}; i++)");
            for (int k = 0; k < xs.Length; k++) w.Line($"float {(xs.Length == 1 ? "xi" : $"x{(char)('a' + k)}i")} = At(ref {xs[k]}, i);");
            for (int r = 0; r < rows; r++)
            {
                if (xs.Length > 1) w.Line($"float w{r}i = At(ref w{r}, i);");
                for (int k = 0; k < xs.Length; k++)
                    w.Line(xs.Length == 1
                        ? $"z{r} += At(ref w{r}, i) * xi;"
                        : $"{Acc("z", r, k)} += w{r}i * x{(char)('a' + k)}i;");
            }
            w.Close();
        }
        for (int k = 0; k < xs.Length; k++)
            for (int r = grouped; r < rows; r++)
            {
                string index = r == 0 ? "o" : $"o + {r}";
                string z = layer.Bias ? $"{Acc("z", r, k)} + At(ref b, {index})" : Acc("z", r, k);
                w.Line($"At(ref {ys[k]}, {index}) = {Activations.Apply(layer.Activation, z)};");
            }
    }

    /// <summary>
    /// The epilogue of four rows (<paramref name="first"/> … + 3 of the tile) without a scalar tail, per sample: the four
    /// accumulators folded into one Vector128 of the four dot products by horizontal adds (AVX; the 512-bit path first
    /// adds its halves), then bias, f and one store of four outputs, instead of four horizontal sums and four scalar
    /// epilogues. Each row's sum takes the same steps whichever group it is in, so a row gets the same bits in any tile.
    /// </summary>
    private static void EmitFourRowEpilogue(SourceWriter w, DenseLayerSpec layer, Isa isa, int first, int samples, string[] ys, System.Func<string, int, int, string> acc)
    {
        string Avx = Names.Avx, V128 = Isa.Portable.Vector, V256 = Isa.Avx2.Vector;
        string group = first == 0 ? "" : first.ToString(), offset = first == 0 ? "(nuint)o" : $"(nuint)(o + {first})";
        w.Line(isa == Isa.Avx512
            ? $"// The sums of rows {first}–{first + 3} as one vector: 512-bit halves added, pairwise horizontal adds, then the two 128-bit halves; bias, f, one store."
            : $"// The sums of rows {first}–{first + 3} as one vector: pairwise horizontal adds, then the two 128-bit halves; bias, f, one store.");
        for (int k = 0; k < samples; k++)
        {
            string suffix = samples == 1 ? "" : ((char)('a' + k)).ToString(), h = "h" + group + suffix, z = "z" + group + suffix;
            if (isa == Isa.Avx512)
                for (int r = first; r < first + 4; r++)
                    w.Line($"var q{r}{suffix} = {isa.Vector}.GetLower({acc("s", r, k)}) + {isa.Vector}.GetUpper({acc("s", r, k)});");
            string Folded(int r) => isa == Isa.Avx512 ? $"q{first + r}{suffix}" : acc("s", first + r, k);
            w.Line($"var {h} = {Avx}.HorizontalAdd({Avx}.HorizontalAdd({Folded(0)}, {Folded(1)}), {Avx}.HorizontalAdd({Folded(2)}, {Folded(3)}));");
            w.Line($"var {z} = {V256}.GetLower({h}) + {V256}.GetUpper({h}){(layer.Bias ? $" + {V128}.LoadUnsafe(ref b, {offset})" : "")};");
            if (layer.Activation == ActivationKind.ReLU) w.Line($"{z} = {Activations.VectorApply(Isa.Portable, layer.Activation, z)};");
            w.Line($"{V128}.StoreUnsafe({z}, ref {ys[k]}, {offset});");
            if (layer.Activation is ActivationKind.Tanh or ActivationKind.Sigmoid)
                for (int r = first; r < first + 4; r++)
                {
                    string index = r == 0 ? "o" : $"o + {r}";
                    w.Line($"At(ref {ys[k]}, {index}) = {Activations.Apply(layer.Activation, $"At(ref {ys[k]}, {index})")};");
                }
        }
    }

    // ---------------------------------------------------------------- backward

    /// <summary>
    /// Emits the batched input-gradient kernel: ∂E/∂z of the layer below = f′(x)·Wᵀ·dz for every sample, where x is this
    /// layer's input, the output of the layer below, whose activation is <paramref name="below"/>. (The first layer needs
    /// none; the weight gradient is <see cref="DenseBatchEmitter"/>'s.)
    /// </summary>
    public static void EmitInputGradient(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        var below = plan.Below!.Value;
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>{Title(layer)}, backward over <paramref name=\"batch\"/> samples stored row-major: given dz = ∂E/∂z,");
        w.Line($"/// writes ∂E/∂z of layer {n - 1} = f′ (its {Activations.Describe(below)}) · Wᵀ·dz to dzBelow, the derivative applied in the same pass.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}InputGradient(ref float p, ref float x, ref float dz, ref float dzBelow, int batch)");
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (plan.Unrolled)
        {
            w.Open("for (int sample = 0; sample < batch; sample++)");
            w.Line($"ref float xs = ref At(ref x, sample * {inputs});");
            w.Line($"ref float ds = ref At(ref dz, sample * {outputs});");
            w.Line($"ref float bs = ref At(ref dzBelow, sample * {inputs});");
            EmitInputGradientUnrolled(w, layer, below);
            w.Close();
        }
        else
        {
            w.Line("// Register tiles of samples × inputs, summed over the rows of W; the tiles' shapes are the runtime's rules for each path.");
            Isa.EmitBranches(w, isa => plan.Rows[isa].Vectors, vectors =>
                w.Line(DenseBatchEmitter.Call("InputGradient", vectors.ToIsa(), layer, "ref w, ref x, ref dz, ref dzBelow, batch")));
        }
        w.Close();
    }

    private static void EmitInputGradientUnrolled(SourceWriter w, DenseLayerSpec layer, ActivationKind activation)
    {
        int inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"// Fully unrolled ({layer.WeightCount} weights).");
        for (int o = 0; o < outputs; o++) w.Line($"float dz{o} = {At("ds", o.ToString())};");
        w.Line($"// ∂E/∂z below = f′·Σ_o W[o,i]·dz[o], f′ from the layer below's output x ({Activations.Describe(activation)})");
        for (int i = 0; i < inputs; i++)
        {
            var terms = new System.Collections.Generic.List<string>();
            for (int o = 0; o < outputs; o++) terms.Add($"{At("w", (o * inputs + i).ToString())} * dz{o}");
            string sum = outputs == 1 ? terms[0] : "(" + string.Join(" + ", terms) + ")";
            w.Line($"{At("bs", i.ToString())} = {Activations.ScalarDerivativeTimes(activation, At("xs", i.ToString()), sum)};");
        }
    }
}
