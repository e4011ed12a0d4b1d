using System.Linq;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the single-sample forward kernel of a 2-D convolution (Predict); the batch kernels, forward and backward, are
/// <see cref="BlockEmitter"/>'s. The input is first copied into a zero-padded buffer (when there is
/// padding), so no window ever needs a bounds test. With stride 1 the kernels are vectorised along each output row,
/// up to four vectors of outputs held in registers while the whole window is accumulated into them; every kernel
/// row is unrolled. Other strides use a scalar loop nest with constant bounds. The form each path takes and the layout
/// of the scratch are the layer's plan (<see cref="Conv2DPlan"/>, <see cref="Conv2DRules"/>).
/// </summary>
internal static class ConvEmitter
{
    private const int ChunkVectors = 4;

    private static string Title(Conv2DLayerSpec c)
        => $"Layer {c.Number}: convolution {c.Input} → {c.Output}, {c.Filters} filter(s) of {c.KernelHeight}×{c.KernelWidth}, stride {c.Stride}, padding {c.Padding}, {Activations.Describe(c.Activation)}";

    // ---------------------------------------------------------------- forward

    public static void EmitForward(SourceWriter w, Conv2DPlan plan)
    {
        var c = plan.Conv;
        w.Line($"/// <summary>{Title(c)}: y[o] = f(b[o] + Σ W[o]·window) for one sample.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{c.Number}Forward(ref float p, ref float x, ref float y, ref float scratch)");
        w.Line($"ref float w = ref At(ref p, Layer{c.Number}Weights);");
        if (c.Bias) w.Line($"ref float b = ref At(ref p, Layer{c.Number}Bias);");
        EmitPadding(w, c, "x", "xp", "scratch");
        if (plan.SampleForm.Portable != ConvSampleForm.Scalar)
            Isa.EmitBranches(w, isa =>
            {
                var fit = plan.SampleVectors[isa].ToIsa();
                switch (plan.SampleForm[isa])
                {
                    case ConvSampleForm.FiltersInLanes: EmitForwardFiltersInLanes(w, plan, isa, plan.LanesTile[isa]!.Value); break;
                    case ConvSampleForm.Tiled: EmitForwardTiled(w, c, fit); break;
                    default: EmitForwardVector(w, c, fit); break;
                }
            });
        else EmitForwardScalar(w, c);
        EmitScalarActivationPass(w, c);
        w.Close();
    }

    private static void EmitPadding(SourceWriter w, Conv2DLayerSpec c, string source, string padded, string scratch)
    {
        if (c.Padding == 0)
        {
            w.Line($"ref float {padded} = ref {source};");
            return;
        }
        w.Line($"// Copy the input into a zero-padded [{c.Input.Channels}, {c.PaddedHeight}, {c.PaddedWidth}] buffer.");
        w.Line($"ref float {padded} = ref {scratch};");
        w.Line($"Pad(ref {source}, ref {padded}, {c.Input.Channels}, {c.Input.Height}, {c.Input.Width}, {c.Padding});");
    }

    /// <summary>Activations without a vector form (tanh, logistic) run once over the stored sums.</summary>
    private static void EmitScalarActivationPass(SourceWriter w, Conv2DLayerSpec c)
    {
        if (Activations.HasVectorForm(c.Activation)) return;
        w.Line($"// Apply f ({Activations.Describe(c.Activation)}) to the {c.OutputSize} sums.");
        w.Line($"for (int k = 0; k < {c.OutputSize}; k++) At(ref y, k) = {Activations.Apply(c.Activation, "At(ref y, k)")};");
    }

    private static string ScalarApply(ActivationKind kind, string v)
        => Activations.HasVectorForm(kind) ? Activations.Apply(kind, v) : v;

    /// <summary>
    /// Rows at least one vector wide: tiles of R filters × V vectors of outputs in registers (the last vector of a row
    /// overlaps the one before it when the width is not a multiple of the vector, storing the same sums again), so the
    /// FMAs of a tile are independent and each input vector loaded serves R filters.
    /// </summary>
    private static void EmitForwardTiled(SourceWriter w, Conv2DLayerSpec c, Isa isa)
    {
        int ow = c.Output.Width, width = isa.Width, vectors = ow / width;
        bool overlap = ow % width != 0;
        var (rows, v) = BlockEmitter.ChooseTile(c.Filters, vectors + (overlap ? 1 : 0));
        int looped = vectors / v, rest = vectors % v;
        int plane = c.Output.Height * ow;
        w.Line($"// {width}-float vectors along each output row of {ow}{(overlap ? $" (the last one at {ow - width}, overlapping)" : "")}; tiles of {rows} filter(s) × {v} vector(s) in registers.");
        BlockEmitter.ForEachTile(w, c.Filters, rows, "oc0", r =>
        {
            w.Open($"for (int oy = 0; oy < {c.Output.Height}; oy++)");
            w.Line($"ref float yrow = ref At(ref y, oc0 * {plane} + oy * {ow});");
            w.Line($"ref float xrow = ref At(ref xp, oy * {c.PaddedWidth});");
            w.Line($"ref float wo = ref At(ref w, oc0 * {c.KernelSize});");
            if (looped > 0)
            {
                w.Open($"for (int ox = 0; ox < {looped * v * width}; ox += {v * width})");
                EmitTiledBody(w, c, isa, r, System.Linq.Enumerable.Range(0, v).Select(j => j == 0 ? "ox" : $"ox + {j * width}").ToArray());
                w.Close();
            }
            var starts = System.Linq.Enumerable.Range(0, rest).Select(j => ((looped * v + j) * width).ToString()).ToList();
            if (overlap) starts.Add((ow - width).ToString());
            if (starts.Count > 0)
            {
                w.Open();
                EmitTiledBody(w, c, isa, r, starts.ToArray());
                w.Close();
            }
            w.Close();
        });
    }

    /// <summary>
    /// Filters in vector lanes, for small feature maps whose rows do not fill vectors (LeNet-5's conv2: 10-wide rows, 16
    /// filters): the weights are transposed to [taps, filters] (8 × 8 transposes), a tile of <paramref name="tile"/>
    /// positions of a row × all filters accumulates in registers (per tap: the filters' weights loaded once, each input
    /// value broadcast once), the sums go to a [positions, filters] staging buffer and are transposed into y at the end.
    /// Every lane does useful work, where the row-vector form computes and discards the lanes past the row's end.
    /// </summary>
    private static void EmitForwardFiltersInLanes(SourceWriter w, Conv2DPlan plan, Isa isa, int tile)
    {
        var c = plan.Conv;
        int filters = c.Filters, width = isa.Width, vectors = filters / width, taps = c.KernelSize;
        int oh = c.Output.Height, ow = c.Output.Width, plane = oh * ow;
        bool winograd = plan.SampleWinograd;
        w.Line($"// Filters in lanes: {vectors} vector(s) of {width} filters{(winograd ? "" : $" × {tile} positions of a row per tile")} (the {ow}-wide rows would leave lanes idle).");
        w.Line($"ref float wt = ref At(ref scratch, {plan.LanesWeightsOffset}); // W as [{taps} taps, {filters} filters]");
        w.Line($"ref float staging = ref At(ref scratch, {plan.LanesStagingOffset}); // outputs as [{plane} positions, {filters} filters]");
        w.Line($"for (int g = 0; g < {filters}; g += 8) Transpose8xN(ref At(ref w, g * {taps}), {taps}, ref At(ref wt, g), {filters}, {taps});");
        if (winograd) WinogradEmitter.EmitSampleRows(w, plan, isa);
        else EmitLanesRows(w, c, isa, tile);
        w.Line($"// [positions, filters] → y as [filters, positions].");
        w.Line($"for (int g = 0; g < {filters}; g += 8) TransposeNx8(ref At(ref staging, g), {filters}, ref At(ref y, g * {plane}), {plane}, {plane});");
    }

    /// <summary>The direct sums of the filters-in-lanes kernel: tiles of positions × all filters, to the staging.</summary>
    private static void EmitLanesRows(SourceWriter w, Conv2DLayerSpec c, Isa isa, int tile)
    {
        int filters = c.Filters, width = isa.Width, vectors = filters / width;
        int oh = c.Output.Height, ow = c.Output.Width;
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        if (tile == ow)
        {
            w.Open();
            w.Line("const int ox0 = 0;");
        }
        else w.Open($"for (int ox0 = 0; ox0 < {ow}; ox0 += {tile})");
        for (int j = 0; j < tile; j++)
            for (int f = 0; f < vectors; f++)
                w.Line($"var a{j}_{f} = {(c.Bias ? isa.Load("b", (f * width).ToString()) : $"{isa.VectorOfFloat}.Zero")};");
        w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
        w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
        w.Line($"ref float xr = ref At(ref xp, (ic * {c.PaddedHeight} + oy + ky) * {c.PaddedWidth} + ox0);");
        w.Line($"ref float wr = ref At(ref wt, (ic * {c.KernelHeight} + ky) * {c.KernelWidth * filters});");
        for (int kx = 0; kx < c.KernelWidth; kx++)
        {
            for (int f = 0; f < vectors; f++) w.Line($"var k{f}_{kx} = {isa.Load("wr", (kx * filters + f * width).ToString())};");
            for (int j = 0; j < tile; j++)
            {
                w.Line($"var x{j}_{kx} = {isa.Vector}.Create(At(ref xr, {j + kx}));");
                for (int f = 0; f < vectors; f++) w.Line($"a{j}_{f} = {isa.Fma($"k{f}_{kx}", $"x{j}_{kx}", $"a{j}_{f}")};");
            }
        }
        w.Close();
        w.Close();
        w.Line($"ref float so = ref At(ref staging, (oy * {ow} + ox0) * {filters});");
        for (int j = 0; j < tile; j++)
            for (int f = 0; f < vectors; f++)
                w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, $"a{j}_{f}"), "so", (j * filters + f * width).ToString()));
        w.Close();
        w.Close();
    }

    private static void EmitTiledBody(SourceWriter w, Conv2DLayerSpec c, Isa isa, int rows, string[] starts)
    {
        int plane = c.Output.Height * c.Output.Width;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < starts.Length; j++)
                w.Line($"var a{r}_{j} = {(c.Bias ? $"{isa.Vector}.Create(At(ref b, oc0 + {r}))" : $"{isa.VectorOfFloat}.Zero")};");
        for (int j = 0; j < starts.Length; j++) w.Line($"{isa.VectorOfFloat} x{j};");
        w.Line($"{isa.VectorOfFloat} k;");
        w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
        w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
        w.Line($"ref float xr = ref At(ref xrow, (ic * {c.PaddedHeight} + ky) * {c.PaddedWidth});");
        w.Line($"ref float wr = ref At(ref wo, (ic * {c.KernelHeight} + ky) * {c.KernelWidth});");
        for (int kx = 0; kx < c.KernelWidth; kx++)
        {
            for (int j = 0; j < starts.Length; j++) w.Line($"x{j} = {isa.Load("xr", kx == 0 ? starts[j] : $"{starts[j]} + {kx}")};");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"k = {isa.Vector}.Create(At(ref wr, {r * c.KernelSize + kx}));");
                for (int j = 0; j < starts.Length; j++) w.Line($"a{r}_{j} = {isa.Fma($"x{j}", "k", $"a{r}_{j}")};");
            }
        }
        w.Close();
        w.Close();
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < starts.Length; j++)
                w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, $"a{r}_{j}"), "yrow", r == 0 ? starts[j] : $"{starts[j]} + {r * plane}"));
    }

    private static void EmitForwardVector(SourceWriter w, Conv2DLayerSpec c, Isa isa)
    {
        int ow = c.Output.Width, width = isa.Width;
        int full = ow / width * width;
        w.Line($"// {isa.Width}-float vectors: each output row of {ow} is {ow / width} vector(s) of {width}{(full < ow ? $" and a scalar tail of {ow - full}" : "")};");
        w.Line($"// up to {ChunkVectors} vectors of outputs stay in registers while the {c.Input.Channels}×{c.KernelHeight}×{c.KernelWidth} window accumulates.");
        w.Open($"for (int oc = 0; oc < {c.Filters}; oc++)");
        w.Line($"ref float wo = ref At(ref w, oc * {c.KernelSize});");
        w.Line($"float bias = {(c.Bias ? "At(ref b, oc)" : "0f")};");
        w.Open($"for (int oy = 0; oy < {c.Output.Height}; oy++)");
        w.Line($"ref float yrow = ref At(ref y, (oc * {c.Output.Height} + oy) * {ow});");
        w.Line($"ref float xrow = ref At(ref xp, oy * {c.PaddedWidth});");
        ForEachChunk(w, full, width, (start, vectors) =>
        {
            for (int j = 0; j < vectors; j++) w.Line($"var a{j} = {isa.Vector}.Create(bias);");
            w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
            w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
            w.Line($"ref float xr = ref At(ref xrow, (ic * {c.PaddedHeight} + ky) * {c.PaddedWidth} + {start});");
            w.Line($"ref float wr = ref At(ref wo, (ic * {c.KernelHeight} + ky) * {c.KernelWidth});");
            for (int kx = 0; kx < c.KernelWidth; kx++)
            {
                w.Line($"var w{kx} = {isa.Vector}.Create(At(ref wr, {kx}));");
                for (int j = 0; j < vectors; j++)
                    w.Line($"a{j} = {isa.Fma($"w{kx}", isa.Load("xr", Sum(j * width, kx)), $"a{j}")};");
            }
            w.Close();
            w.Close();
            for (int j = 0; j < vectors; j++)
                w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, $"a{j}"), "yrow", Plus(start, j * width)));
        });
        if (full < ow)
        {
            w.Open($"for (int ox = {full}; ox < {ow}; ox++)");
            w.Line("float s = bias;");
            w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
            w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
            w.Line($"ref float xr = ref At(ref xrow, (ic * {c.PaddedHeight} + ky) * {c.PaddedWidth} + ox);");
            w.Line($"ref float wr = ref At(ref wo, (ic * {c.KernelHeight} + ky) * {c.KernelWidth});");
            for (int kx = 0; kx < c.KernelWidth; kx++) w.Line($"s += At(ref wr, {kx}) * At(ref xr, {kx});");
            w.Close();
            w.Close();
            w.Line($"At(ref yrow, ox) = {ScalarApply(c.Activation, "s")};");
            w.Close();
        }
        w.Close();
        w.Close();
    }

    private static void EmitForwardScalar(SourceWriter w, Conv2DLayerSpec c)
    {
        w.Line($"// Stride {c.Stride}: a scalar loop nest, every bound a constant.");
        w.Open($"for (int oc = 0; oc < {c.Filters}; oc++)");
        w.Open($"for (int oy = 0; oy < {c.Output.Height}; oy++)");
        w.Open($"for (int ox = 0; ox < {c.Output.Width}; ox++)");
        w.Line($"float s = {(c.Bias ? "At(ref b, oc)" : "0f")};");
        EmitWindowLoops(w, c, "s += At(ref w, ((oc * {IC} + ic) * {KH} + ky) * {KW} + kx) * At(ref xp, (ic * {HP} + oy * {S} + ky) * {WP} + ox * {S} + kx);");
        w.Line($"At(ref y, (oc * {c.Output.Height} + oy) * {c.Output.Width} + ox) = {ScalarApply(c.Activation, "s")};");
        w.Close();
        w.Close();
        w.Close();
    }

    private static void EmitWindowLoops(SourceWriter w, Conv2DLayerSpec c, string statement)
    {
        w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
        w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
        w.Open($"for (int kx = 0; kx < {c.KernelWidth}; kx++)");
        w.Line(Fill(c, statement));
        w.Close();
        w.Close();
        w.Close();
    }

    private static string Fill(Conv2DLayerSpec c, string text) => text
        .Replace("{IC}", c.Input.Channels.ToString()).Replace("{KH}", c.KernelHeight.ToString()).Replace("{KW}", c.KernelWidth.ToString())
        .Replace("{HP}", c.PaddedHeight.ToString()).Replace("{WP}", c.PaddedWidth.ToString()).Replace("{S}", c.Stride.ToString())
        .Replace("{OH}", c.Output.Height.ToString()).Replace("{OW}", c.Output.Width.ToString());

    // ---------------------------------------------------------------- shared

    /// <summary>Chunks of up to <see cref="ChunkVectors"/> vectors over [0, full): a loop over the whole chunks, then one shorter chunk.</summary>
    private static void ForEachChunk(SourceWriter w, int full, int width, System.Action<string, int> body)
    {
        int step = width * ChunkVectors;
        int whole = full / step * step;
        if (whole > 0)
        {
            if (whole == step)
            {
                w.Open();
                w.Line("const int ox = 0;");
                body("ox", ChunkVectors);
                w.Close();
            }
            else
            {
                w.Open($"for (int ox = 0; ox < {whole}; ox += {step})");
                body("ox", ChunkVectors);
                w.Close();
            }
        }
        if (full > whole)
        {
            w.Open();
            w.Line($"const int ox = {whole};");
            body("ox", (full - whole) / width);
            w.Close();
        }
    }

    private static string Sum(int a, int b) => (a + b).ToString();

    private static string Plus(string start, int offset) => offset == 0 ? start : $"{start} + {offset}";

    /// <summary>The helper that zero-pads an input, emitted once per network that has padded convolutions.</summary>
    public static void EmitPadHelper(SourceWriter w)
    {
        w.Line("/// <summary>Copies a [channels, height, width] input into the middle of a buffer with <paramref name=\"padding\"/> zeros on every side.</summary>");
        w.Line(Names.Hot);
        w.Open("private static void Pad(ref float x, ref float xp, int channels, int height, int width, int padding)");
        w.Line("int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;");
        w.Line($"{Names.MemoryMarshal}.CreateSpan(ref xp, channels * paddedHeight * paddedWidth).Clear();");
        w.Line("for (int c = 0; c < channels; c++)");
        w.Line("    for (int r = 0; r < height; r++)");
        w.Line($"        {Names.MemoryMarshal}.CreateReadOnlySpan(ref At(ref x, (c * height + r) * width), width)");
        w.Line($"            .CopyTo({Names.MemoryMarshal}.CreateSpan(ref At(ref xp, (c * paddedHeight + r + padding) * paddedWidth + padding), width));");
        w.Close();
    }
}
