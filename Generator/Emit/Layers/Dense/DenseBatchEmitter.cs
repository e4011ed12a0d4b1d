using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the batched kernels of a dense layer, used by training and <c>PredictBatch</c>: the forward pass two samples
/// at a time (each load of W serves both), and the weight gradient ∂E/∂W = Σ_samples dz·xᵀ as one pass over the batch
/// per block of W, so the gradient is read and written once per batch instead of once per sample.
/// </summary>
internal static class DenseBatchEmitter
{
    /// <summary>Vectors of each row of ∂E/∂W accumulated together (each x load serves every row).</summary>
    private const int GradientVectors = DenseRules.GradientVectors;

    /// <summary>
    /// The batched forward kernel; with <see cref="DensePlan.RowRange"/> (the first layer of a network trained by parts,
    /// see <see cref="NetworkPlan.Split"/>) it takes the range [rowFrom, rowTo) of outputs to compute, cut at multiples of
    /// <see cref="DenseRowsPlan.ForwardTileRows"/>, 8 or 4 (the last range ends at the layer's width): the same tiles, so
    /// each output gets the same bits as from the whole range.
    /// </summary>
    public static void EmitForwardBatch(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        bool rowRange = plan.RowRange;
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>{DenseEmitter.Title(layer)}: y = f(W·x{(layer.Bias ? " + b" : "")}) for <paramref name=\"batch\"/> samples stored row-major{(rowRange ? RangeNote : "")}.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}ForwardBatch(ref float p, ref float x, ref float y, int batch{(rowRange ? ", int rowFrom, int rowTo" : "")})");
        if (plan.Unrolled)
        {
            w.Line("// A small layer: its unrolled single-sample kernel, sample after sample.");
            w.Line($"for (int sample = 0; sample < batch; sample++) Layer{n}Forward(ref p, ref At(ref x, sample * {inputs}), ref At(ref y, sample * {outputs}));");
            w.Close();
            return;
        }
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float b = ref At(ref p, Layer{n}Bias);");
        Isa.EmitBranches(w, isa => plan.Rows[isa], rows => EmitForwardBatchVector(w, layer, rows, rowRange));
        w.Close();
    }

    /// <summary>The documentation of a kernel that takes a range of rows.</summary>
    private const string RangeNote = ", outputs rowFrom … rowTo − 1 only (rowFrom a multiple of 8, rowTo too or the layer's width)";

    /// <summary>The loop over the blocks of <paramref name="tile"/> rows below <paramref name="blocked"/>, over all of them or the range's.</summary>
    private static string RowLoop(int blocked, int tile, bool rowRange)
        => rowRange
            ? $"for (int o = rowFrom, oEnd = global::System.Math.Min(rowTo, {blocked}); o < oEnd; o += {tile})"
            : $"for (int o = 0; o < {blocked}; o += {tile})";

    /// <summary>Samples per register tile of the batched forward pass (4 rows × 3 samples = 12 accumulators, or 24).</summary>
    private const int TileSamples = 3;

    /// <summary>
    /// The batched forward pass as a matrix product Y = f(X·Wᵀ + b): the outer loop walks blocks of <see cref="DenseRowsPlan.ForwardTileRows"/>
    /// rows of W (which stay in L1 while the whole batch passes), the inner loop takes <see cref="TileSamples"/> samples at a
    /// time; each step of the dot product loads 4 vectors of W and 3 of x for 12 fused multiply-adds.
    /// </summary>
    private static void EmitForwardBatchVector(SourceWriter w, DenseLayerSpec layer, DenseRowsPlan plan, bool rowRange)
    {
        var isa = plan.Isa;
        int inputs = layer.InputSize, outputs = layer.OutputSize, tileRows = plan.ForwardTileRows;
        int blocked = outputs / tileRows * tileRows, rest = outputs - blocked;
        w.Line($"// {isa.Width}-float vectors; register tiles of {tileRows} rows of W × {TileSamples} samples ({tileRows * TileSamples} dot products in flight).");
        void Tile(int rows, int samples)
        {
            var xs = new string[samples];
            var ys = new string[samples];
            for (int k = 0; k < samples; k++)
            {
                xs[k] = "x" + (char)('a' + k);
                ys[k] = "y" + (char)('a' + k);
                w.Line(k == 0
                    ? $"ref float xa = ref At(ref x, sample * {inputs});"
                    : $"ref float {xs[k]} = ref At(ref xa, {k * inputs});");
            }
            for (int k = 0; k < samples; k++)
                w.Line(k == 0
                    ? $"ref float ya = ref At(ref y, sample * {outputs});"
                    : $"ref float {ys[k]} = ref At(ref ya, {k * outputs});");
            DenseEmitter.EmitForwardRows(w, layer, isa, rows, xs, ys);
        }
        void Samples(int rows)
        {
            w.Line("int sample = 0;");
            w.Line($"// Tiles of {TileSamples} samples, then of 2: one sample alone keeps only {rows} dot products in flight, too few to");
            w.Line("// cover the FMA latency, so a remainder of one takes the last four samples as two tiles of two.");
            w.Line($"int tiled = batch % {TileSamples} == 1 && batch > {TileSamples} ? batch - 4 : batch;");
            w.Open($"for (; sample + {TileSamples} <= tiled; sample += {TileSamples})");
            Tile(rows, TileSamples);
            w.Close();
            w.Open("for (; sample + 2 <= batch; sample += 2)");
            Tile(rows, 2);
            w.Close();
            w.Line("// A batch of one.");
            w.Open("for (; sample < batch; sample++)");
            w.Line($"ref float xs = ref At(ref x, sample * {inputs});");
            w.Line($"ref float ys = ref At(ref y, sample * {outputs});");
            DenseEmitter.EmitForwardRows(w, layer, isa, rows, new[] { "xs" }, new[] { "ys" });
            w.Close();
        }
        if (blocked > 0)
        {
            w.Open(RowLoop(blocked, tileRows, rowRange));
            Samples(tileRows);
            w.Close();
        }
        if (rest > 0)
        {
            w.Line($"// The last {rest} row(s) of W, as one block{(rowRange ? ", in the range that ends the layer" : "")}.");
            w.Open(rowRange ? $"if (rowTo == {outputs})" : null);
            w.Line($"const int o = {blocked};");
            Samples(rest);
            w.Close();
        }
    }

    /// <summary>The weight-gradient kernel; with <paramref name="rowRange"/>, for a range of rows only (see <see cref="EmitForwardBatch"/>).</summary>
    public static void EmitWeightGradient(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        bool rowRange = plan.RowRange;
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>");
        w.Line($"/// {DenseEmitter.Title(layer)}: ∂E/∂W = Σ_s dz[s]·x[s]ᵀ{(layer.Bias ? " and ∂E/∂b = Σ_s dz[s]" : "")} over <paramref name=\"batch\"/> samples{(rowRange ? RangeNote : "")},");
        w.Line("/// added to g with <paramref name=\"accumulate\"/>, written over it without (a batch's first chunk: g is not cleared beforehand).");
        if (!plan.Unrolled)
            w.Line("/// The tiles of ∂E/∂W then start from zero instead of loading g, loads that would miss the caches and stall every tile.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}WeightGradient(ref float g, ref float x, ref float dz, int batch, bool accumulate{(rowRange ? ", int rowFrom, int rowTo" : "")})");
        w.Line($"ref float gw = ref At(ref g, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float gb = ref At(ref g, Layer{n}Bias);");
        if (plan.Unrolled)
        {
            if (layer.Bias)
            {
                w.Line($"if (!accumulate) {Names.MemoryMarshal}.CreateSpan(ref gb, {outputs}).Clear();");
                w.Line("// ∂E/∂b += Σ_s dz[s]");
                w.Open("for (int sample = 0; sample < batch; sample++)");
                w.Line($"ref float d = ref At(ref dz, sample * {outputs});");
                w.Line($"for (int o = 0; o < {outputs}; o++) At(ref gb, o) += At(ref d, o);");
                w.Close();
            }
            w.Line($"if (!accumulate) {Names.MemoryMarshal}.CreateSpan(ref gw, {layer.WeightCount}).Clear();");
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
        Isa.EmitBranches(w, isa => (Bias: plan.BiasVectors[isa], Rows: plan.Rows[isa]), fit =>
        {
            if (layer.Bias) EmitBiasGradient(w, outputs, fit.Bias.ToIsa(), rowRange ? "rowFrom" : "0", rowRange ? "rowTo" : outputs.ToString());
            EmitWeightGradientVector(w, layer, fit.Rows, rowRange);
        });
        w.Close();
    }

    /// <summary>Vectors of outputs this many at a time: independent sums, so the adds do not wait on each other.</summary>
    private const int BiasVectors = 4;

    /// <summary>
    /// ∂E/∂b = Σ_s dz[s] (added to gb with accumulate) for outputs <paramref name="from"/> … <paramref name="to"/> − 1
    /// (the whole layer, or a kernel's row range): <see cref="BiasVectors"/> vectors at a time, then one, then scalars.
    /// Each output is summed over the samples in order whichever way it is reached, so a range gets the same bits as
    /// the whole layer.
    /// </summary>
    private static void EmitBiasGradient(SourceWriter w, int outputs, Isa isa, string from, string to)
    {
        int width = isa.Width;
        w.Line($"// ∂E/∂b = Σ_s dz[s], summed in registers: {BiasVectors} vectors of outputs at a time, then one, then single outputs.");
        // With constant bounds (the whole layer), the loops that cannot run are left out.
        int? whole = from == "0" && int.TryParse(to, out int n) ? n : null;
        w.Line($"int ob = {from};");
        foreach (int vectors in new[] { BiasVectors, 1 })
        {
            if (whole < vectors * width || (vectors == 1 && whole % (BiasVectors * width) == 0)) continue;
            w.Open($"for (; ob + {vectors * width} <= {to}; ob += {vectors * width})");
            for (int k = 0; k < vectors; k++)
                w.Line($"var b{k} = accumulate ? {isa.Load("gb", k == 0 ? "ob" : $"ob + {k * width}")} : {isa.VectorOfFloat}.Zero;");
            w.Line("ref float ds = ref At(ref dz, ob);");
            w.Open("for (int sample = 0; sample < batch; sample++)");
            for (int k = 0; k < vectors; k++) w.Line($"b{k} += {isa.Load("ds", (k * width).ToString())};");
            w.Line($"ds = ref At(ref ds, {outputs});");
            w.Close();
            for (int k = 0; k < vectors; k++) w.Line(isa.Store($"b{k}", "gb", k == 0 ? "ob" : $"ob + {k * width}"));
            w.Close();
        }
        if (whole % width == 0) return;
        w.Open($"for (; ob < {to}; ob++)");
        w.Line("float t = accumulate ? At(ref gb, ob) : 0f;");
        w.Line($"for (int sample = 0; sample < batch; sample++) t += At(ref dz, sample * {outputs} + ob);");
        w.Line("At(ref gb, ob) = t;");
        w.Close();
    }

    /// <summary>
    /// Columns [0, <paramref name="full"/>) of a row, in blocks of <paramref name="vectors"/> vectors of
    /// <paramref name="width"/> floats: a loop over the whole blocks in <c>i</c> (a constant <c>i</c> when there is one), then
    /// the remaining vectors as one block with a constant <c>i</c>; <paramref name="body"/> gets the block's number of vectors.
    /// </summary>
    internal static void ForEachVectorBlock(SourceWriter w, int full, int width, int vectors, string what, System.Action<int> body)
        => BlockEmitter.ForEachTile(w, full, width * vectors, "i", floats => body(floats / width),
            rest => $"// The remaining {rest / width} full vector(s) of {what}, as one block.");

    private static void EmitWeightGradientVector(SourceWriter w, DenseLayerSpec layer, DenseRowsPlan plan, bool rowRange)
    {
        var isa = plan.Isa;
        int inputs = layer.InputSize, outputs = layer.OutputSize, width = isa.Width;
        int full = inputs / width * width;
        int tileRows = plan.GradientTileRows;
        int blockedRows = outputs / tileRows * tileRows, restRows = outputs - blockedRows;
        bool pack = plan.PacksInput;
        w.Line($"// {width}-float vectors: a tile of {tileRows} rows × {GradientVectors}×{width} columns of ∂E/∂W stays in registers while the whole");
        w.Line("// batch is added into it, so the gradient is read and written once per batch. Column blocks are the outer loop:");
        w.Line("// the batch's slice of x for one block stays in L1 while every row block uses it.");
        if (pack)
        {
            w.Line($"// That slice is first copied to a contiguous buffer on the stack: in place, its rows are {4 * inputs} bytes apart and would");
            w.Line("// fall into a few sets of L1, so they came again from L2 for every tile of rows.");
            w.Line($"global::System.Span<float> xBuffer = stackalloc float[{NetworkPlan.BatchChunk * GradientVectors * width + 16}];");
            w.Line($"ref float xp = ref Aligned(ref {Names.MemoryMarshal}.GetReference(xBuffer));");
        }
        void Rows(int vectors)
        {
            if (pack)
            {
                w.Line($"// This block's {vectors * width} columns of every sample, side by side.");
                w.Open("for (int sample = 0; sample < batch; sample++)");
                w.Line($"ref float xr = ref At(ref x, sample * {inputs} + i);");
                w.Line($"ref float xq = ref At(ref xp, sample * {vectors * width});");
                for (int k = 0; k < vectors; k++) w.Line(isa.Store(isa.Load("xr", (k * width).ToString()), "xq", (k * width).ToString()));
                w.Close();
            }
            if (blockedRows > 0)
            {
                w.Open(RowLoop(blockedRows, tileRows, rowRange));
                Tile(tileRows, vectors);
                w.Close();
            }
            if (restRows > 0)
            {
                w.Open(rowRange ? $"if (rowTo == {outputs})" : null);
                w.Line($"const int o = {blockedRows};");
                Tile(restRows, vectors);
                w.Close();
            }
        }
        void Tile(int rows, int vectors)
        {
            w.Line($"ref float g0 = ref At(ref gw, o * {inputs});");
            for (int r = 1; r < rows; r++) w.Line($"ref float g{r} = ref At(ref g0, {r * inputs});");
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < vectors; k++)
                    w.Line($"var a{r}{k} = accumulate ? {isa.Load($"g{r}", k == 0 ? "i" : $"i + {k * width}")} : {isa.VectorOfFloat}.Zero;");
            // xs and ds step from sample to sample, so the loads are constant offsets from them.
            w.Line(pack ? "ref float xs = ref xp;" : "ref float xs = ref At(ref x, i);");
            w.Line($"ref float ds = ref At(ref dz, o);");
            w.Open("for (int sample = 0; sample < batch; sample++)");
            for (int k = 0; k < vectors; k++) w.Line($"var x{k} = {isa.Load("xs", (k * width).ToString())};");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"var d{r} = {isa.Vector}.Create(At(ref ds, {r}));");
                for (int k = 0; k < vectors; k++) w.Line($"a{r}{k} = {isa.Fma($"d{r}", $"x{k}", $"a{r}{k}")};");
            }
            w.Line($"xs = ref At(ref xs, {(pack ? vectors * width : inputs)});");
            w.Line($"ds = ref At(ref ds, {outputs});");
            w.Close();
            for (int r = 0; r < rows; r++)
                for (int k = 0; k < vectors; k++)
                    w.Line(isa.Store($"a{r}{k}", $"g{r}", k == 0 ? "i" : $"i + {k * width}"));
        }
        ForEachVectorBlock(w, full, width, GradientVectors, "columns", Rows);
        if (full < inputs)
        {
            w.Line($"// Scalar tail: the last {inputs - full} column(s).");
            w.Open($"for (int i = {full}; i < {inputs}; i++)");
            w.Open(rowRange ? "for (int o = rowFrom; o < rowTo; o++)" : $"for (int o = 0; o < {outputs}; o++)");
            w.Line("float t = 0f;");
            w.Line($"for (int sample = 0; sample < batch; sample++) t += At(ref dz, sample * {outputs} + o) * At(ref x, sample * {inputs} + i);");
            w.Line($"At(ref gw, o * {inputs} + i) = accumulate ? At(ref gw, o * {inputs} + i) + t : t;");
            w.Close();
            w.Close();
        }
    }
}
