using System;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The batch kernels of convolutions (PredictBatch and training). They work on blocks of samples interleaved lane by
/// lane: in a block, feature i of sample j is at [i·lanes + j], lanes being the floats per vector of the path taken
/// (16, 8 or 4), so a vector holds one feature of every sample of the block and every window, shape and stride is
/// vectorised without tails. Between two convolution or pooling layers the chunk's activations and ∂E/∂z stay in
/// that layout (block after block); the first such layer turns the row-major input into blocks and the last turns
/// its output back into rows, zeros in the lanes past the last sample so that they add nothing to any gradient.
/// <para>
/// Forward and ∂E/∂x are one register-tiled direct convolution (R output channels × V output positions in
/// registers, every kernel column unrolled); ∂E/∂x is the convolution of ∂E/∂z, dilated by the stride and bordered
/// with zeros, by the flipped kernels. ∂E/∂W keeps R filters × (up to 5) kernel columns of sums in registers over
/// every output position of a block, into per-lane partial sums reduced once per call.
/// </para>
/// </summary>
internal static class BlockEmitter
{
    /// <summary>The widest block (Vector512): scratch is sized for it.</summary>
    public const int MaxLanes = Conv2DRules.MaxLanes;

    // ---------------------------------------------------------------- conv forward

    private static string Title(Conv2DLayerSpec c)
        => $"Layer {c.Number}: convolution {c.Input} → {c.Output}, {c.Filters} filter(s) of {c.KernelHeight}×{c.KernelWidth}, stride {c.Stride}, padding {c.Padding}, {Activations.Describe(c.Activation)}";

    public static void EmitConvKernels(SourceWriter w, Conv2DPlan plan)
    {
        var c = plan.Conv;
        EmitConvForwardBatch(w, plan);
        w.Line();
        if (plan.Winograd) WinogradEmitter.EmitForward(w, c);
        else EmitConvForwardBlock(w, c);
        w.Line();
        EmitConvBackwardBatch(w, plan);
        w.Line();
        if (plan.Winograd) WinogradEmitter.EmitWeightGradientBlock(w, plan);
        else EmitWeightGradientBlock(w, c);
        if (plan.Below is { } activation)
        {
            w.Line();
            EmitInputGradientBlock(w, plan, activation);
        }
    }

    /// <summary>The statements that make <c>xb</c>, block b of the input, padded when the layer pads.</summary>
    private static void EmitInputBlock(SourceWriter w, Conv2DLayerSpec c)
    {
        var i = c.Input;
        if (c.Padding == 0)
        {
            w.Line("ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * " + c.InputSize + ") : ref xPadded;");
            w.Line($"if (!blockedInput) ToBlock(ref x, first, count, lanes, ref xPadded, {i.Channels}, {i.Height}, {i.Width}, 0);");
        }
        else
        {
            w.Line("ref float xb = ref xPadded;");
            w.Line($"if (blockedInput) PadBlock(ref Row(ref x, b, lanes * {c.InputSize}), ref xPadded, {i.Channels}, {i.Height}, {i.Width}, {c.Padding}, lanes);");
            w.Line($"else ToBlock(ref x, first, count, lanes, ref xPadded, {i.Channels}, {i.Height}, {i.Width}, {c.Padding});");
        }
    }

    private static void EmitConvForwardBatch(SourceWriter w, Conv2DPlan plan)
    {
        var c = plan.Conv;
        int padded = c.Input.Channels * c.PaddedHeight * c.PaddedWidth;
        w.Line($"/// <summary>{Title(c)}, forward over <paramref name=\"count\"/> samples, block after block.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{c.Number}ForwardBatch(ref float p, ref float x, ref float y, int count, ref float scratch, bool blockedInput, bool blockedOutput)");
        w.Line("int lanes = Lanes;");
        w.Line($"ref float xPadded = ref scratch; // [{c.Input.Channels}, {c.PaddedHeight}, {c.PaddedWidth}] × lanes");
        w.Line($"ref float yBlock = ref At(ref scratch, {plan.PaddedBlock}); // the output block when the output is row-major");
        if (c.Padding > 0) w.Line($"{Names.MemoryMarshal}.CreateSpan(ref xPadded, lanes * {padded}).Clear(); // the zero border, never written after");
        bool winograd = plan.Winograd;
        if (winograd)
        {
            w.Line($"ref float wino = ref At(ref scratch, {plan.BlockBuffers}); // F(2, 5): the transformed weights (U) for the call");
            w.Line($"ref float winoWork = ref At(ref wino, {plan.WinogradWeights}); // a block's transformed input rows (V) and products (M)");
            w.Line($"Layer{c.Number}WinogradWeights(ref p, ref wino);");
        }
        w.Open("for (int first = 0, b = 0; first < count; first += lanes, b++)");
        EmitInputBlock(w, c);
        w.Line($"ref float yb = ref blockedOutput ? ref Row(ref y, b, lanes * {c.OutputSize}) : ref yBlock;");
        w.Line($"Layer{c.Number}ForwardBlock(ref p, ref xb, ref yb{(winograd ? ", ref wino, ref winoWork" : "")});");
        if (c.Activation is not (ActivationKind.Identity or ActivationKind.ReLU))
            w.Line($"for (int k = 0; k < lanes * {c.OutputSize}; k++) At(ref yb, k) = {Activations.Apply(c.Activation, "At(ref yb, k)")};");
        w.Line($"if (!blockedOutput) FromBlock(ref yBlock, first, count, lanes, ref y, {c.OutputSize});");
        w.Close();
        w.Close();
    }

    /// <summary>The forward pass of a convolution as a block correlation: y[o] = f(b + Σ W[o, c, u, v]·xp[c, i·S + u, j·S + v]).</summary>
    internal static Direct ForwardShape(Conv2DLayerSpec c) => new()
    {
        Rows = c.Filters, OutH = c.Output.Height, OutW = c.Output.Width,
        Channels = c.Input.Channels, InH = c.PaddedHeight, InW = c.PaddedWidth, Stride = c.Stride,
        KH = c.KernelHeight, KW = c.KernelWidth, OriginY = 0, OriginX = 0,
        RowsFrom = c.Padding, RowsTo = c.Padding + c.Input.Height,
        ColsFrom = c.Padding, ColsTo = c.Padding + c.Input.Width,
        Input = "xb", Output = "yb", Weights = "w",
        RowStride = c.KernelSize, ChannelStride = c.KernelHeight * c.KernelWidth, KyStride = c.KernelWidth, KxStride = 1, WeightConst = 0,
        Init = (isa, r) => c.Bias ? $"{isa.Vector}.Create(At(ref bias, r0{Plus(r)}))" : $"{isa.VectorOfFloat}.Zero",
        Epilogue = (isa, r, v, acc) => Activations.VectorApply(isa, c.Activation, acc),
    };

    private static void EmitConvForwardBlock(SourceWriter w, Conv2DLayerSpec c)
    {
        w.Line($"/// <summary>{Title(c)}: y = f(b + W ⊛ x) for one block (f applied here when ReLU or identity).</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{c.Number}ForwardBlock(ref float p, ref float xb, ref float yb)");
        w.Line($"ref float w = ref At(ref p, Layer{c.Number}Weights);");
        if (c.Bias) w.Line($"ref float bias = ref At(ref p, Layer{c.Number}Bias);");
        var d = ForwardShape(c);
        Isa.EmitBranches(w, isa =>
        {
            w.Line($"// Blocks of {isa.Width} samples; a tile of {Describe(d)} stays in registers while the {c.Input.Channels}×{c.KernelHeight}×{c.KernelWidth} window accumulates.");
            EmitDirect(w, isa, d);
        });
        w.Close();
    }

    // ---------------------------------------------------------------- conv backward

    private static void EmitConvBackwardBatch(SourceWriter w, Conv2DPlan plan)
    {
        var c = plan.Conv;
        var below = plan.Below;
        bool dx = below is not null;
        int padded = c.Input.Channels * c.PaddedHeight * c.PaddedWidth;
        int dh = plan.DilatedHeight, dw = plan.DilatedWidth;
        w.Line($"/// <summary>{Title(c)}, backward over <paramref name=\"count\"/> samples: ∂E/∂W and ∂E/∂b into g (added with <paramref name=\"accumulate\"/>, written over it without){(dx ? "" : ".")}");
        if (dx) w.Line($"/// and writes ∂E/∂z of layer {c.Number - 1} (f′ of its {Activations.Describe(below!.Value)} times the full convolution of dz by the flipped kernels) to dzBelow, in blocks.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{c.Number}BackwardBatch(ref float p, ref float g, ref float x, ref float dz{(dx ? ", ref float dzBelow" : "")}, int count, ref float scratch, bool blockedInput, bool blockedOutput, bool accumulate)");
        w.Line("int lanes = Lanes;");
        int offset = 0;
        w.Line($"ref float xPadded = ref scratch; // [{c.Input.Channels}, {c.PaddedHeight}, {c.PaddedWidth}] × lanes");
        offset += plan.PaddedBlock;
        w.Line($"ref float dzBlock = ref At(ref scratch, {offset}); // ∂E/∂z as a block when it arrives row-major");
        offset += MaxLanes * c.OutputSize;
        w.Line($"ref float dzDilated = ref At(ref scratch, {offset}); // [{c.Filters}, {dh}, {dw}] × lanes: ∂E/∂z spread by the stride, zero-bordered");
        offset += plan.DilatedBlock;
        bool winograd = plan.Winograd;
        int sums = plan.GradientSums;
        w.Line(winograd
            ? $"ref float sums = ref At(ref scratch, {offset}); // [{sums}] × lanes: per-lane sums of the F(5, 2) products M[o, c, u, ξ], then of ∂E/∂b"
            : $"ref float sums = ref At(ref scratch, {offset}); // [{sums}] × lanes: per-lane sums of ∂E/∂W, then ∂E/∂b");
        if (winograd) w.Line($"ref float wino = ref At(ref sums, {MaxLanes * sums}); // a block's transformed input rows and ∂E/∂z pairs");
        w.Line($"{Names.MemoryMarshal}.CreateSpan(ref sums, lanes * {sums}).Clear();");
        if (c.Padding > 0) w.Line($"{Names.MemoryMarshal}.CreateSpan(ref xPadded, lanes * {padded}).Clear();");
        if (dx) w.Line($"{Names.MemoryMarshal}.CreateSpan(ref dzDilated, lanes * {c.Filters * dh * dw}).Clear();");
        w.Open("for (int first = 0, b = 0; first < count; first += lanes, b++)");
        EmitInputBlock(w, c);
        w.Line($"ref float dzb = ref blockedOutput ? ref Row(ref dz, b, lanes * {c.OutputSize}) : ref dzBlock;");
        w.Line($"if (!blockedOutput) ToBlock(ref dz, first, count, lanes, ref dzBlock, {c.OutputSize}, 1, 1, 0);");
        w.Line($"Layer{c.Number}WeightGradientBlock(ref dzb, ref xb, ref sums{(winograd ? ", ref wino" : "")});");
        if (dx)
        {
            w.Line($"Dilate(ref dzb, ref dzDilated, {c.Filters}, {c.Output.Height}, {c.Output.Width}, {c.Stride}, {dh}, {dw}, {c.KernelHeight - 1}, {c.KernelWidth - 1}, lanes);");
            w.Line($"Layer{c.Number}InputGradientBlock(ref p, ref dzDilated, ref xb, ref Row(ref dzBelow, b, lanes * {c.InputSize}));");
        }
        w.Close();
        if (winograd) WinogradEmitter.EmitGradientReduction(w, c);
        else
        {
            w.Line("// Reduce the lanes: weights then bias, contiguous in g (added to it, or written over it on a batch's first chunk).");
            w.Line($"ref float gl = ref At(ref g, Layer{c.Number}Weights);");
            w.Open($"for (int i = 0; i < {c.ParameterCount}; i++)");
            w.Line("ref float lane = ref At(ref sums, i * lanes);");
            w.Line("float s = 0f;");
            w.Line("for (int j = 0; j < lanes; j++) s += At(ref lane, j);");
            w.Line("At(ref gl, i) = accumulate ? At(ref gl, i) + s : s;");
            w.Close();
        }
        w.Close();
    }

    private static void EmitWeightGradientBlock(SourceWriter w, Conv2DLayerSpec c)
    {
        int oh = c.Output.Height, ow = c.Output.Width, plane = oh * ow;
        int group = c.KernelWidth <= 6 ? c.KernelWidth : 5;
        int rows = Math.Max(1, Math.Min(c.Filters, 10 / group));
        w.Line($"/// <summary>{Title(c)}: adds Σ dz[o, i, j]·xp[c, i·S + u, j·S + v] over one block to the per-lane sums of ∂E/∂W[o, c, u, v]{(c.Bias ? " (and Σ dz[o] to those of ∂E/∂b)" : "")}.</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{c.Number}WeightGradientBlock(ref float dzb, ref float xb, ref float sums)");
        Isa.EmitBranches(w, isa =>
        {
            int l = isa.Width;
            w.Line($"// {rows} filter(s) × up to {group} kernel columns of sums in registers, over every output position of the block.");
            ForEachTile(w, c.Filters, rows, "r0", tile =>
            {
                w.Open($"for (int ic = 0; ic < {c.Input.Channels}; ic++)");
                w.Open($"for (int ky = 0; ky < {c.KernelHeight}; ky++)");
                for (int g0 = 0; g0 < c.KernelWidth; g0 += group)
                {
                    int gn = Math.Min(group, c.KernelWidth - g0);
                    w.Open();
                    for (int r = 0; r < tile; r++)
                        for (int j = 0; j < gn; j++) w.Line($"var a{r}_{j} = {isa.VectorOfFloat}.Zero;");
                    w.Open($"for (int oy = 0; oy < {oh}; oy++)");
                    w.Line($"ref float dr = ref At(ref dzb, (r0 * {plane} + oy * {ow}) * {l});");
                    w.Line($"ref float xr = ref At(ref xb, ((ic * {c.PaddedHeight} + oy * {c.Stride} + ky) * {c.PaddedWidth} + {g0}) * {l});");
                    // dr and xr step along the row, so every load is a constant offset from them (no index arithmetic per load).
                    w.Open($"for (int ox = 0; ox < {ow}; ox++)");
                    EmitOuterProduct(w, isa, tile, gn, plane * l, l);
                    w.Line($"dr = ref At(ref dr, {l});");
                    w.Line($"xr = ref At(ref xr, {c.Stride * l});");
                    w.Close();
                    w.Close();
                    w.Line($"ref float sr = ref At(ref sums, ((r0 * {c.Input.Channels} + ic) * {c.KernelHeight} + ky) * {c.KernelWidth * l}{Plus(g0 * l)});");
                    for (int r = 0; r < tile; r++)
                        for (int j = 0; j < gn; j++)
                        {
                            string at = (r * c.KernelSize * l + j * l).ToString();
                            w.Line(isa.Store($"{isa.Load("sr", at)} + a{r}_{j}", "sr", at));
                        }
                    w.Close();
                }
                w.Close();
                w.Close();
            });
            if (c.Bias) EmitBiasSums(w, isa, c, c.WeightCount);
        });
        w.Close();
    }

    /// <summary>
    /// One step of a weight gradient's outer product: a[r, j] += d[r]·x[j] for <paramref name="rows"/> vectors of ∂E/∂z
    /// at <c>dr</c> + r·<paramref name="dStride"/> and <paramref name="cols"/> of (transformed) input at <c>xr</c> + j·<paramref name="xStride"/>.
    /// </summary>
    internal static void EmitOuterProduct(SourceWriter w, Isa isa, int rows, int cols, int dStride, int xStride)
    {
        for (int r = 0; r < rows; r++) w.Line($"var d{r} = {isa.Load("dr", (r * dStride).ToString())};");
        for (int j = 0; j < cols; j++)
        {
            w.Line($"var x{j} = {isa.Load("xr", (j * xStride).ToString())};");
            for (int r = 0; r < rows; r++) w.Line($"a{r}_{j} = {isa.Fma($"d{r}", $"x{j}", $"a{r}_{j}")};");
        }
    }

    /// <summary>Adds ∂E/∂b[o] = Σ dz[o, :, :] over one block to the per-lane sums from float <paramref name="offset"/> (× lanes) of <c>sums</c>.</summary>
    internal static void EmitBiasSums(SourceWriter w, Isa isa, Conv2DLayerSpec c, int offset)
    {
        int l = isa.Width, plane = c.Output.Height * c.Output.Width;
        w.Line($"// ∂E/∂b[o]: Σ dz[o, :, :], four sums in flight.");
        w.Open($"for (int oc = 0; oc < {c.Filters}; oc++)");
        w.Line($"ref float dr = ref At(ref dzb, oc * {plane * l});");
        for (int k = 0; k < 4; k++) w.Line($"var s{k} = {isa.VectorOfFloat}.Zero;");
        int whole = plane / 4 * 4;
        if (whole > 0)
        {
            w.Open($"for (int k = 0; k < {whole}; k += 4)");
            for (int k = 0; k < 4; k++) w.Line($"s{k} += {isa.Load("dr", $"k * {l}{Plus(k * l)}")};");
            w.Close();
        }
        for (int k = whole; k < plane; k++) w.Line($"s{k - whole} += {isa.Load("dr", (k * l).ToString())};");
        w.Line($"ref float sb = ref At(ref sums, ({offset} + oc) * {l});");
        w.Line(isa.Store($"{isa.Load("sb", "0")} + ((s0 + s1) + (s2 + s3))", "sb", "0"));
        w.Close();
    }

    /// <summary>
    /// ∂E/∂x of a convolution as a block correlation: f′ of the layer below times Σ W[o, c, u, v]·dz[o, i + P − u, j + P − v],
    /// a correlation of the dilated, zero-bordered dz with the flipped kernels (row c, channel o, tap (u, v) reads
    /// W[o, c, KH − 1 − u, KW − 1 − v]).
    /// </summary>
    internal static Direct InputGradientShape(Conv2DPlan plan, ActivationKind below)
    {
        var c = plan.Conv;
        int kk = c.KernelHeight * c.KernelWidth;
        return new Direct
        {
            Rows = c.Input.Channels, OutH = c.Input.Height, OutW = c.Input.Width,
            Channels = c.Filters, InH = plan.DilatedHeight, InW = plan.DilatedWidth, Stride = 1,
            KH = c.KernelHeight, KW = c.KernelWidth, OriginY = c.Padding, OriginX = c.Padding,
            // Dilate puts dz's rows from row KH − 1 on (columns from KW − 1); the rows and columns around them are zero.
            RowsFrom = c.KernelHeight - 1, RowsTo = c.KernelHeight - 1 + (c.Output.Height - 1) * c.Stride + 1,
            ColsFrom = c.KernelWidth - 1, ColsTo = c.KernelWidth - 1 + (c.Output.Width - 1) * c.Stride + 1,
            Input = "dzDilated", Output = "dxb", Weights = "w",
            RowStride = kk, ChannelStride = c.KernelSize, KyStride = -c.KernelWidth, KxStride = -1, WeightConst = kk - 1,
            Init = (isa, r) => $"{isa.VectorOfFloat}.Zero",
            Epilogue = (isa, r, v, acc) => below == ActivationKind.Identity ? acc
                : Activations.VectorDerivativeTimes(isa, below,
                    isa.Load("xb", $"(((r0{Plus(r)}) * {c.PaddedHeight} + oy + {c.Padding}) * {c.PaddedWidth} + ox + {v + c.Padding}) * {isa.Width}"), acc),
        };
    }

    private static void EmitInputGradientBlock(SourceWriter w, Conv2DPlan plan, ActivationKind below)
    {
        var c = plan.Conv;
        w.Line($"/// <summary>{Title(c)}: ∂E/∂z of layer {c.Number - 1} for one block, f′ ({Activations.Describe(below)}) times Σ W[o, c, u, v]·dz[o, i + P − u, j + P − v],");
        w.Line("/// a direct convolution of the dilated, zero-bordered dz by the flipped kernels.</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{c.Number}InputGradientBlock(ref float p, ref float dzDilated, ref float xb, ref float dxb)");
        w.Line($"ref float w = ref At(ref p, Layer{c.Number}Weights);");
        var d = InputGradientShape(plan, below);
        Isa.EmitBranches(w, isa =>
        {
            w.Line($"// Blocks of {isa.Width} samples; a tile of {Describe(d)} in registers.");
            EmitDirect(w, isa, d);
        });
        w.Close();
    }

    // ---------------------------------------------------------------- the direct convolution

    /// <summary>A direct convolution over blocks: out[row, oy, ox] = epilogue(init + Σ_c Σ_u Σ_v W(row, c, u, v)·in[c, OriginY + oy·S + u, OriginX + ox·S + v]).</summary>
    internal sealed class Direct
    {
        public int Rows, OutH, OutW, Channels, InH, InW, Stride, KH, KW, OriginY, OriginX;
        /// <summary>The input rows that may hold non-zero values, [RowsFrom, RowsTo): taps reaching the others (padding) are skipped.</summary>
        public int RowsFrom, RowsTo = int.MaxValue;
        /// <summary>The input columns that may hold non-zero values, [ColsFrom, ColsTo).</summary>
        public int ColsFrom, ColsTo = int.MaxValue;
        /// <summary>
        /// How many kernel columns of a tile of <paramref name="cols"/> positions from <paramref name="ox"/> read only
        /// columns of zeros for every one of its positions (skipped, where that pays, by bounds computed per tile).
        /// </summary>
        public int SkippedColumnTaps(int ox, int cols)
        {
            int skipped = 0;
            for (int kx = 0; kx < KW; kx++)
                if ((ox + cols - 1) * Stride + OriginX + kx < ColsFrom || ox * Stride + OriginX + kx >= ColsTo) skipped++;
            return skipped;
        }
        /// <summary>Whether some output row has taps on rows of zeros only (so its loop over kernel rows is clipped).</summary>
        public bool RowsClipped
        {
            get
            {
                for (int oy = 0; oy < OutH; oy++)
                    if (OriginY + oy * Stride < RowsFrom || OriginY + oy * Stride + KH > RowsTo) return true;
                return false;
            }
        }
        public string Input = "", Output = "", Weights = "";
        /// <summary>W(row, c, u, v) = Weights[WeightConst + row·RowStride + c·ChannelStride + u·KyStride + v·KxStride].</summary>
        public int RowStride, ChannelStride, KyStride, KxStride, WeightConst;
        public Func<Isa, int, string> Init = (_, _) => "";
        public Func<Isa, int, int, string, string> Epilogue = (_, _, _, a) => a;
        public (int R, int V) Tile => ChooseTile(Rows, OutW);
    }

    private static string Describe(Direct d) => $"{d.Tile.R} channel(s) × {d.Tile.V} position(s)";

    /// <summary>
    /// The tile (R rows × V positions, R·V + V + 1 ≤ 15 vector registers) with the fewest estimated cycles per kernel tap over
    /// the whole output, tails included: max(4 cycles of FMA latency, R·V FMAs on two pipes, R + V loads on two ports).
    /// </summary>
    internal static (int R, int V) ChooseTile(int rows, int cols)
    {
        (int R, int V) best = (1, 1);
        double bestCost = double.MaxValue;
        for (int r = 1; r <= Math.Min(rows, 8); r++)
            for (int v = 1; v <= Math.Min(cols, 6); v++)
            {
                // Registers: R·V accumulators, V input vectors, one broadcast weight, within the 16 vector registers
                // of x64 with one to spare (beyond that the JIT spills).
                if (r * v + v + 1 > 15) continue;
                double cost = 0;
                foreach (var (tr, nr) in new[] { (r, rows / r), (rows % r, 1) })
                    foreach (var (tv, nv) in new[] { (v, cols / v), (cols % v, 1) })
                        if (tr > 0 && tv > 0 && nr > 0 && nv > 0) cost += nr * nv * Math.Max(4.0, Math.Max(tr * tv / 2.0, (tr + tv) / 2.0));
                // On a tie, more accumulators (more latency hidden), then fewer loads per FMA.
                bool better = cost < bestCost - 1e-9
                    || (cost < bestCost + 1e-9 && (r * v > best.R * best.V || (r * v == best.R * best.V && r + v < best.R + best.V)));
                if (better) { bestCost = cost; best = (r, v); }
            }
        return best;
    }

    /// <summary>Bytes of input rows a group of channels may span, so that the rows a tile reads stay in L1 across a row of tiles.</summary>
    private const int GroupBytes = 20 * 1024;

    private static void EmitDirect(SourceWriter w, Isa isa, Direct d)
    {
        int l = isa.Width;
        var (rt, vt) = d.Tile;
        int plane = d.OutH * d.OutW;
        // Channels in groups (of at least 4) whose KH input rows fit the budget: the first group starts from Init, the
        // others add to what the previous one stored, and the last applies the epilogue.
        int perGroup = Math.Max(4, GroupBytes / (d.KH * d.InW * l * 4));
        int groups = (d.Channels + perGroup - 1) / perGroup;
        int size = (d.Channels + groups - 1) / groups;
        if (groups > 1)
        {
            w.Line($"// The {d.Channels} input channels in groups of up to {size}, so that the input rows a row of tiles reads stay in L1.");
            w.Open($"for (int c0 = 0; c0 < {d.Channels}; c0 += {size})");
            w.Line($"int c1 = global::System.Math.Min(c0 + {size}, {d.Channels});");
            w.Line($"bool first = c0 == 0, last = c1 == {d.Channels};");
        }
        ForEachTile(w, d.Rows, rt, "r0", rows =>
        {
            w.Open($"for (int oy = 0; oy < {d.OutH}; oy++)");
            w.Line($"ref float orow = ref At(ref {d.Output}, (r0 * {plane} + oy * {d.OutW}) * {l});");
            w.Line($"ref float irow = ref At(ref {d.Input}, ({d.OriginY} + oy * {d.Stride}) * {d.InW * l}{Plus(d.OriginX * l)});");
            w.Line($"ref float wrow = ref At(ref {d.Weights}, r0 * {d.RowStride}{Plus(d.WeightConst)});");
            if (d.RowsClipped)
            {
                w.Line($"// Only the kernel rows that reach input rows {d.RowsFrom}–{d.RowsTo - 1} (the others are zero padding and add nothing).");
                w.Line($"int kyFrom = global::System.Math.Max(0, {d.RowsFrom - d.OriginY} - oy{(d.Stride == 1 ? "" : $" * {d.Stride}")});");
                w.Line($"int kyTo = global::System.Math.Min({d.KH}, {d.RowsTo - d.OriginY} - oy{(d.Stride == 1 ? "" : $" * {d.Stride}")});");
            }
            ForEachColumnTile(w, d, vt, (cols, clipped) => EmitDirectTile(w, isa, d, rows, cols, groups > 1, clipped));
            w.Close();
        });
        if (groups > 1) w.Close();
    }

    /// <summary>
    /// The tiles along an output row (<see cref="ForEachTile"/>). When at least a tenth of the row's tile taps reach only
    /// columns of zeros (<see cref="Direct.SkippedColumnTaps"/>), every tile gets bounds checks on its kernel columns:
    /// predictable branches, and one copy of the tile's code rather than separate loops for the clipped tiles (which
    /// made LeNet-5's generated code a quarter larger). Conv2's ∂E/∂x in LeNet-5 skips 8 of 35; conv1's forward (1 of 70)
    /// is left alone.
    /// </summary>
    private static void ForEachColumnTile(SourceWriter w, Direct d, int step, Action<int, bool> body)
    {
        int skipped = 0, taps = 0;
        for (int ox = 0; ox < d.OutW; ox += step)
        {
            skipped += d.SkippedColumnTaps(ox, Math.Min(step, d.OutW - ox));
            taps += d.KW;
        }
        bool clipped = 10 * skipped >= taps;
        ForEachTile(w, d.OutW, step, "ox", cols => body(cols, clipped));
    }

    private static void EmitDirectTile(SourceWriter w, Isa isa, Direct d, int rows, int cols, bool grouped, bool clipped)
    {
        int l = isa.Width, plane = d.OutH * d.OutW;
        string Slot(int r, int v) => $"ox * {l}{Plus((r * plane + v) * l)}";
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < cols; v++)
                w.Line($"var a{r}_{v} = {(grouped ? $"first ? {d.Init(isa, r)} : {isa.Load("orow", Slot(r, v))}" : d.Init(isa, r))};");
        // Registers: the accumulators, one input vector per position, one broadcast weight.
        for (int v = 0; v < cols; v++) w.Line($"{isa.VectorOfFloat} x{v};");
        w.Line($"{isa.VectorOfFloat} k;");
        if (clipped)
        {
            string S(string e) => d.Stride == 1 ? e : $"{e} * {d.Stride}";
            w.Line($"// This tile's positions reach input columns {d.ColsFrom}–{d.ColsTo - 1} (the others are zero padding) only through kernel columns kxFrom … kxTo − 1.");
            w.Line($"int kxFrom = global::System.Math.Max(0, {d.ColsFrom - d.OriginX - (cols - 1) * d.Stride} - {S("ox")});");
            w.Line($"int kxTo = global::System.Math.Min({d.KW}, {d.ColsTo - d.OriginX} - {S("ox")});");
        }
        w.Open(grouped ? "for (int c = c0; c < c1; c++)" : $"for (int c = 0; c < {d.Channels}; c++)");
        w.Open(d.RowsClipped ? "for (int ky = kyFrom; ky < kyTo; ky++)" : $"for (int ky = 0; ky < {d.KH}; ky++)");
        w.Line($"ref float xr = ref At(ref irow, ((c * {d.InH} + ky) * {d.InW} + ox * {d.Stride}) * {l});");
        w.Line($"ref float wr = ref At(ref wrow, c * {d.ChannelStride} + ky * {d.KyStride});");
        for (int kx = 0; kx < d.KW; kx++)
        {
            if (clipped) w.Open($"if (kxFrom <= {kx} && {kx} < kxTo)");
            for (int v = 0; v < cols; v++) w.Line($"x{v} = {isa.Load("xr", ((v * d.Stride + kx) * l).ToString())};");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"k = {isa.Vector}.Create(At(ref wr, {r * d.RowStride + kx * d.KxStride}));");
                for (int v = 0; v < cols; v++) w.Line($"a{r}_{v} = {isa.Fma($"x{v}", "k", $"a{r}_{v}")};");
            }
            if (clipped) w.Close();
        }
        w.Close();
        w.Close();
        for (int r = 0; r < rows; r++)
            for (int v = 0; v < cols; v++)
            {
                string value = d.Epilogue(isa, r, v, $"a{r}_{v}");
                w.Line(isa.Store(grouped && value != $"a{r}_{v}" ? $"last ? {value} : a{r}_{v}" : value, "orow", Slot(r, v)));
            }
    }

    /// <summary>
    /// Tiles of <paramref name="step"/> over [0, <paramref name="total"/>) in variable <paramref name="index"/>: a loop
    /// over the whole tiles (or a constant when there is one), then one shorter tile; <paramref name="body"/> gets the
    /// tile's size; <paramref name="restComment"/>, given the shorter tile's size, comments it.
    /// </summary>
    internal static void ForEachTile(SourceWriter w, int total, int step, string index, Action<int> body, Func<int, string>? restComment = null)
    {
        int whole = total / step * step;
        if (whole > 0)
        {
            if (whole == step)
            {
                w.Open();
                w.Line($"const int {index} = 0;");
            }
            else w.Open($"for (int {index} = 0; {index} < {whole}; {index} += {step})");
            body(step);
            w.Close();
        }
        if (total > whole)
        {
            if (restComment is not null) w.Line(restComment(total - whole));
            w.Open();
            w.Line($"const int {index} = {whole};");
            body(total - whole);
            w.Close();
        }
    }

    private static string Plus(int offset) => offset == 0 ? "" : offset > 0 ? $" + {offset}" : $" - {-offset}";

    // ---------------------------------------------------------------- helpers

    /// <summary>The block layout's helpers, emitted once per network that has convolutions or pooling.</summary>
    public static void EmitHelpers(SourceWriter w)
    {
        w.Line("/// <summary>Samples per block in the batch kernels of convolutions and pooling: floats per vector on the path taken.</summary>");
        w.Line("internal static int Lanes");
        w.Line("{");
        w.Line($"    {Names.Inline}");
        w.Line($"    get => {Isa.Avx512.Condition} ? {Isa.Avx512.Width} : {Isa.Avx2.Condition} ? {Isa.Avx2.Width} : {Isa.Portable.Width};");
        w.Line("}");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Samples first … first + lanes − 1 of a row-major batch of [channels, height, width] samples as a block (sample");
        w.Line("/// first + j in lane j, zeros for samples at or past count), in the middle of a border of padding (left as it is: zero).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open("private static void ToBlock(ref float x, int first, int count, int lanes, ref float block, int channels, int height, int width, int padding)");
        w.Line("int size = channels * height * width;");
        w.Line("// Without padding a sample is one contiguous row in the block as in the batch.");
        w.Line("if (padding == 0) (channels, height, width) = (1, 1, size);");
        w.Line("int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;");
        w.Open($"if ({Avx}.IsSupported && lanes % 8 == 0 && count - first >= lanes && width >= 8)");
        w.Line("// Whole blocks: 8 × 8 transposes of eight samples' rows, eight positions at a time (a row's last eight overlap the");
        w.Line("// group before them where the width is not a multiple of eight).");
        w.Open("for (int g = 0; g < lanes; g += 8)");
        w.Line("ref float samples = ref At(ref x, (first + g) * size);");
        w.Line("for (int c = 0; c < channels; c++)");
        w.Line("    for (int r = 0; r < height; r++)");
        w.Line("    {");
        w.Line("        ref float source = ref At(ref samples, (c * height + r) * width);");
        w.Line("        ref float target = ref At(ref block, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes + g);");
        w.Line("        Transpose8xN(ref source, size, ref target, lanes, width);");
        w.Line("    }");
        w.Close();
        w.Line("return;");
        w.Close();
        w.Open("for (int j = 0; j < lanes; j++)");
        w.Line("bool real = first + j < count;");
        w.Line("ref float sample = ref At(ref x, real ? (first + j) * size : 0);");
        w.Line("for (int c = 0; c < channels; c++)");
        w.Line("    for (int r = 0; r < height; r++)");
        w.Line("    {");
        w.Line("        ref float source = ref At(ref sample, (c * height + r) * width);");
        w.Line("        ref float target = ref At(ref block, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes + j);");
        w.Line("        for (int i = 0; i < width; i++) At(ref target, i * lanes) = real ? At(ref source, i) : 0f;");
        w.Line("    }");
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Eight rows of eight floats, <paramref name=\"from\"/> floats apart, written as eight columns <paramref name=\"to\"/> floats apart:");
        w.Line("/// target[k·to + j] = source[j·from + k] (unpack pairs, shuffle quadruples, swap 128-bit halves).");
        w.Line("/// </summary>");
        w.Line(Names.Inline);
        w.Open("private static void Transpose8(ref float source, int from, ref float target, int to)");
        w.Line($"nuint f = (nuint)from, t = (nuint)to;");
        for (int k = 0; k < 8; k++) w.Line($"var r{k} = {V256}.LoadUnsafe(ref source{(k == 0 ? "" : k == 1 ? ", f" : $", {k} * f")});");
        for (int k = 0; k < 8; k += 2)
        {
            w.Line($"var t{k} = {Avx}.UnpackLow(r{k}, r{k + 1});");
            w.Line($"var t{k + 1} = {Avx}.UnpackHigh(r{k}, r{k + 1});");
        }
        for (int h = 0; h < 2; h++)
        {
            int a = 4 * h;
            w.Line($"var u{a} = {Avx}.Shuffle(t{a}, t{a + 2}, 0x44);");
            w.Line($"var u{a + 1} = {Avx}.Shuffle(t{a}, t{a + 2}, 0xEE);");
            w.Line($"var u{a + 2} = {Avx}.Shuffle(t{a + 1}, t{a + 3}, 0x44);");
            w.Line($"var u{a + 3} = {Avx}.Shuffle(t{a + 1}, t{a + 3}, 0xEE);");
        }
        for (int k = 0; k < 8; k++)
            w.Line($"{V256}.StoreUnsafe({Avx}.Permute2x128(u{k % 4}, u{k % 4 + 4}, {(k < 4 ? "0x20" : "0x31")}), ref target{(k == 0 ? "" : k == 1 ? ", t" : $", {k} * t")});");
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Eight rows of n ≥ 8 floats, <paramref name=\"from\"/> floats apart, written as n rows of eight floats, <paramref name=\"to\"/>");
        w.Line("/// floats apart: target[k·to + j] = source[j·from + k], by 8 × 8 transposes along the rows, the last one overlapping");
        w.Line("/// the one before it when n is not a multiple of eight (it writes the same values again).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open("private static void Transpose8xN(ref float source, int from, ref float target, int to, int n)");
        w.Line("for (int k = 0; k < n - 8; k += 8) Transpose8(ref At(ref source, k), from, ref At(ref target, k * to), to);");
        w.Line("Transpose8(ref At(ref source, n - 8), from, ref At(ref target, (n - 8) * to), to);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The other way round: n ≥ 8 rows of eight floats written as eight rows of n floats, target[j·to + k] = source[k·from + j].</summary>");
        w.Line(Names.Hot);
        w.Open("private static void TransposeNx8(ref float source, int from, ref float target, int to, int n)");
        w.Line("for (int k = 0; k < n - 8; k += 8) Transpose8(ref At(ref source, k * from), from, ref At(ref target, k), to);");
        w.Line("Transpose8(ref At(ref source, (n - 8) * from), from, ref At(ref target, n - 8), to);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Copies a block of [channels, height, width] into the middle of a padded block whose border is already zero.</summary>");
        w.Line(Names.Hot);
        w.Open("private static void PadBlock(ref float block, ref float padded, int channels, int height, int width, int padding, int lanes)");
        w.Line("int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;");
        w.Line("for (int c = 0; c < channels; c++)");
        w.Line("    for (int r = 0; r < height; r++)");
        w.Line($"        {Names.MemoryMarshal}.CreateReadOnlySpan(ref At(ref block, (c * height + r) * width * lanes), width * lanes)");
        w.Line($"            .CopyTo({Names.MemoryMarshal}.CreateSpan(ref At(ref padded, ((c * paddedHeight + r + padding) * paddedWidth + padding) * lanes), width * lanes));");
        w.Close();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Spreads a block of ∂E/∂z, [channels, height, width], over a zeroed [channels, dilatedHeight, dilatedWidth] block:");
        w.Line("/// position (i, j) goes to (top + i·stride, left + j·stride); every other position stays zero.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open("private static void Dilate(ref float dz, ref float dilated, int channels, int height, int width, int stride, int dilatedHeight, int dilatedWidth, int top, int left, int lanes)");
        w.Open("for (int c = 0; c < channels; c++)");
        w.Open("for (int r = 0; r < height; r++)");
        w.Line("ref float source = ref At(ref dz, (c * height + r) * width * lanes);");
        w.Line("ref float target = ref At(ref dilated, ((c * dilatedHeight + top + r * stride) * dilatedWidth + left) * lanes);");
        w.Line("if (stride == 1)");
        w.Line($"    {Names.MemoryMarshal}.CreateReadOnlySpan(ref source, width * lanes).CopyTo({Names.MemoryMarshal}.CreateSpan(ref target, width * lanes));");
        w.Line("else");
        w.Line("    for (int i = 0; i < width; i++)");
        w.Line("        for (int j = 0; j < lanes; j++) At(ref target, i * stride * lanes + j) = At(ref source, i * lanes + j);");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
        w.Line("/// <summary>Rows first … of a row-major batch of samples of <paramref name=\"size\"/> floats from a block (lane j → sample first + j, up to count).</summary>");
        w.Line(Names.Hot);
        w.Open("private static void FromBlock(ref float block, int first, int count, int lanes, ref float y, int size)");
        w.Line("int samples = global::System.Math.Min(lanes, count - first);");
        w.Open($"if ({Avx}.IsSupported && lanes % 8 == 0 && samples == lanes && size >= 8)");
        w.Line("// Whole blocks: 8 × 8 transposes, eight positions of eight lanes at a time (the last eight may overlap).");
        w.Open("for (int g = 0; g < lanes; g += 8)");
        w.Line("TransposeNx8(ref At(ref block, g), lanes, ref At(ref y, (first + g) * size), size, size);");
        w.Close();
        w.Line("return;");
        w.Close();
        w.Open("for (int j = 0; j < samples; j++)");
        w.Line("ref float row = ref At(ref y, (first + j) * size);");
        w.Line("for (int i = 0; i < size; i++) At(ref row, i) = At(ref block, i * lanes + j);");
        w.Close();
        w.Close();
    }

    private const string Avx = Names.Avx;
    private static readonly string V256 = Isa.Avx2.Vector;
}
