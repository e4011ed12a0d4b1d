using System;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The forward pass and the weight gradient of batch convolutions of 5-wide kernels, stride 1, by Winograd's minimal
/// filtering along the rows (F(2, 5) forward, F(5, 2) for ∂E/∂W, below) and directly down the columns. Forward: two
/// neighbouring outputs of a row, y[j] = Σ_v W[v]·x[j + v] for j = 0, 1, take 6 products instead of 10:
/// <code>
///   y = Aᵀ [(G·w) ⊙ (Bᵀ·d)],  d = x[0 … 5],  w = W[0 … 4]
/// </code>
/// with the interpolation points 0, ±1, ±2, ∞ (Lavin and Gray, "Fast algorithms for convolutional neural networks",
/// 2016: the Bᵀ of their F(4, 3), which has the same points, and that paper's construction of G and Aᵀ). Over the
/// input channels and kernel rows the sums stay long (C·KH products per output), so each of the six transformed
/// products is a register-tiled dot product as in the direct kernel, with 0.6 of its multiply-adds. The transforms:
/// <list type="bullet">
/// <item>the weights, U[ξ, o, c, u] = Σ_v G[ξ, v]·W[o, c, u, v], once per call (the weights change between training steps);</item>
/// <item>the input, V[c, y, ξ, t] = Σ_k Bᵀ[ξ, k]·x[c, y, 2t + k], once per block (every live input row of every channel,
///   cut into pieces of six columns two apart; rows of padding are skipped, as are the kernel rows reaching them);</item>
/// <item>the output, y[o, oy, 2t + j] = Σ_ξ Aᵀ[j, ξ]·M[o, t, ξ], M[o, t, ξ] = Σ_c Σ_u U[ξ, o, c, u]·V[c, oy + u, ξ, t].</item>
/// </list>
/// The result differs from the direct sum by rounding only (the transforms' constants are small integers, and 1/4,
/// 1/6, 1/24 in G); the tests compare it with a double-precision convolution.
/// </summary>
internal static class WinogradEmitter
{
    /// <summary>α: transformed points per pair of outputs.</summary>
    private const int Points = 6;

    /// <summary>The rows of G (F(2, 5)'s weight transform), for the points 0, 1, −1, 2, −2, ∞.</summary>
    private const string GRows = "[1/4 0 0 0 0], −[1 1 1 1 1]/6, −[1 −1 1 −1 1]/6, [1 2 4 8 16]/24, [1 −2 4 −8 16]/24, [0 0 0 0 1] (points 0, 1, −1, 2, −2, ∞)";

    private static int Tiles(Conv2DLayerSpec c) => c.Output.Width / 2;

    /// <summary>The input rows a block kernel reads that may be non-zero, [first, end): the others are padding, skipped.</summary>
    private static (int First, int End) LiveRows(BlockEmitter.Direct d) => (Math.Max(0, d.RowsFrom), Math.Min(d.InH, d.RowsTo));

    private static string Title(Conv2DLayerSpec c)
        => $"Layer {c.Number}: convolution {c.Input} → {c.Output}, {c.Filters} filter(s) of {c.KernelHeight}×{c.KernelWidth}";

    /// <summary>The forward pass: U of W, written by <c>Layer{n}WinogradWeights</c> once per call, then the block kernel.</summary>
    public static void EmitForward(SourceWriter w, Conv2DLayerSpec c)
    {
        var d = BlockEmitter.ForwardShape(c);
        EmitWeightTransform(w, c, d, $"Layer{c.Number}WinogradWeights", "W[row, c, u, v]");
        w.Line();
        w.Line($"/// <summary>{Title(c)}: y = f(b + W ⊛ x) for one block, by Winograd's F(2, 5) along the rows ({nameof(WinogradEmitter)}); <paramref name=\"u\"/> holds U, <paramref name=\"work\"/> has room for V and M.</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{c.Number}ForwardBlock(ref float p, ref float xb, ref float yb, ref float u, ref float work)");
        if (c.Bias) w.Line($"ref float bias = ref At(ref p, Layer{c.Number}Bias);");
        EmitBlock(w, d);
        w.Close();
    }

    /// <summary>U[ξ, row, c, u] = Σ_v G[ξ, v]·W(row, c, u, v) for the weights as the block convolution <paramref name="d"/> reads them.</summary>
    private static void EmitWeightTransform(SourceWriter w, Conv2DLayerSpec c, BlockEmitter.Direct d, string name, string what)
    {
        int kernelRows = d.Rows * d.Channels * d.KH;
        w.Line($"/// <summary>{Title(c)}: the kernel rows transformed for F(2, 5), U[ξ, row, c, u] = Σ_v G[ξ, v]·W(row, c, u, v), W(row, c, u, v) = {what} (G: points 0, 1, −1, 2, −2, ∞).</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void {name}(ref float p, ref float u)");
        w.Line($"ref float w = ref At(ref p, Layer{c.Number}Weights);");
        w.Line($"// U[ξ] holds {kernelRows} kernel rows, k = (row·{d.Channels} + c)·{d.KH} + u.");
        w.Line($"// G's rows: {GRows}.");
        w.Open($"for (int row = 0, k = 0; row < {d.Rows}; row++)");
        w.Open($"for (int c = 0; c < {d.Channels}; c++)");
        w.Open($"for (int ky = 0; ky < {d.KH}; ky++, k++)");
        w.Line($"ref float g = ref At(ref w, {Sum((d.WeightConst, ""), (d.RowStride, "row"), (d.ChannelStride, "c"), (d.KyStride, "ky"))});");
        string Tap(int v) => v == 0 ? "g" : $"At(ref g, {v * d.KxStride})";
        w.Line($"float g0 = {Tap(0)}, g1 = {Tap(1)}, g2 = {Tap(2)}, g3 = {Tap(3)}, g4 = {Tap(4)};");
        EmitKernelRowTransform(w, (xi, value) => $"At(ref u, {(xi == 0 ? "" : $"{xi * kernelRows} + ")}k) = {value};");
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>
    /// U[ξ] = Σ_v G[ξ, v]·g_v for one kernel row g0 … g4 in scope (floats, or vectors of filters), each written by
    /// <paramref name="store"/>(ξ, value), with G's rows <see cref="GRows"/>.
    /// </summary>
    private static void EmitKernelRowTransform(SourceWriter w, Func<int, string, string> store)
    {
        w.Line("var even = g0 + g2 + g4;");
        w.Line("var odd = g1 + g3;");
        w.Line("var even4 = g0 + g2 * 4f + g4 * 16f;");
        w.Line("var odd4 = g1 * 2f + g3 * 8f;");
        string[] rows = { "g0 * 0.25f", "(even + odd) * (-1f / 6f)", "(odd - even) * (1f / 6f)", "(even4 + odd4) * (1f / 24f)", "(even4 - odd4) * (1f / 24f)", "g4" };
        for (int xi = 0; xi < Points; xi++) w.Line(store(xi, rows[xi]));
    }

    /// <summary>
    /// The body of a block kernel computing the correlation <paramref name="d"/> by F(2, 5) along the rows: V of the
    /// live input rows, then per output row M = Σ_c Σ_u U·V (clipped to the live rows) and y = epilogue(init + Aᵀ·M).
    /// </summary>
    private static void EmitBlock(SourceWriter w, BlockEmitter.Direct d)
    {
        int ch = d.Channels, kh = d.KH, oh = d.OutH, ow = d.OutW, tiles = ow / 2, rows = d.Rows;
        var (first, end) = LiveRows(d);
        int live = end - first;
        int plane = oh * ow, uRow = rows * ch * kh; // floats between U[ξ] and U[ξ + 1]
        int rt = Math.Min(2, rows), tt = Math.Min(tiles, rt == 1 ? 8 : 5);
        bool clipped = d.RowsClipped;
        w.Line($"ref float v = ref work; // V[c, y, ξ, t] × lanes: input rows {first}–{end - 1} of each channel, transformed");
        w.Line($"ref float m = ref At(ref work, {BlockEmitter.MaxLanes * ch * live * Points * tiles}); // M[row, t, ξ] × lanes: the transformed products of one output row");
        Isa.EmitBranches(w, isa =>
        {
            int l = isa.Width;
            string V = isa.VectorOfFloat;
            int vRow = Points * tiles * l; // floats per row of V
            w.Line($"// Blocks of {l} samples.");
            EmitRowTransform(w, isa, ch, d.InH, first, live, d.InW, d.OriginX, tiles, d.Input, "v");
            w.Open($"for (int oy = 0; oy < {oh}; oy++)");
            if (clipped)
            {
                w.Line($"// Only the kernel rows that reach input rows {first}–{end - 1} (the others are zero padding and add nothing).");
                w.Line($"int kyFrom = global::System.Math.Max(0, {first - d.OriginY} - oy);");
                w.Line($"int kyTo = global::System.Math.Min({kh}, {end - d.OriginY} - oy);");
            }
            w.Line($"// M[row, t, ξ] = Σ_c Σ_u U[ξ, row, c, u]·V[c, {(d.OriginY == 0 ? "" : $"{d.OriginY} + ")}oy + u, ξ, t]: {rt} row(s) × {tt} piece(s) of sums in registers.");
            w.Open($"for (int xi = 0; xi < {Points}; xi++)");
            BlockEmitter.ForEachTile(w, rows, rt, "r0", tr =>
                BlockEmitter.ForEachTile(w, tiles, tt, "t0", tn =>
                {
                    for (int r = 0; r < tr; r++)
                        for (int t = 0; t < tn; t++) w.Line($"var a{r}_{t} = {V}.Zero;");
                    w.Line($"ref float ur = ref At(ref u, xi * {uRow} + r0 * {ch * kh});");
                    w.Line($"ref float vc = ref At(ref v, ({(d.OriginY == first ? "oy" : $"(oy{Plus(d.OriginY - first)})")} * {Points * tiles} + xi * {tiles} + t0) * {l});");
                    if (clipped)
                    {
                        // Kernel rows outside (their bounds change with oy), channels inside: a loop of fixed length whose
                        // loads are constant offsets from vk and uk, which step one channel at a time.
                        w.Open("for (int ky = kyFrom; ky < kyTo; ky++)");
                        w.Line($"ref float vk = ref At(ref vc, ky * {vRow});");
                        w.Line("ref float uk = ref At(ref ur, ky);");
                        w.Open($"for (int c = 0; c < {ch}; c++)");
                        EmitProducts(w, isa, tr, tn, "k", "vk", "uk", "0", ch * kh);
                        w.Line($"vk = ref At(ref vk, {live * vRow});");
                        w.Line($"uk = ref At(ref uk, {kh});");
                        w.Close();
                        w.Close();
                    }
                    else
                    {
                        w.Open($"for (int c = 0; c < {ch}; c++)");
                        for (int ky = 0; ky < kh; ky++)
                        {
                            w.Line($"ref float v{ky} = ref At(ref vc, (c * {live} + {ky}) * {vRow});");
                            EmitProducts(w, isa, tr, tn, ky.ToString(), $"v{ky}", "ur", $"c * {kh} + {ky}", ch * kh);
                        }
                        w.Close();
                    }
                    w.Line($"ref float mr = ref At(ref m, ((r0 * {tiles} + t0) * {Points} + xi) * {l});");
                    for (int r = 0; r < tr; r++)
                        for (int t = 0; t < tn; t++) w.Line(isa.Store($"a{r}_{t}", "mr", ((r * tiles + t) * Points * l).ToString()));
                }));
            w.Close();
            w.Line("// y[row, oy, 2t] = Σ_ξ<5 M[ξ] and y[row, oy, 2t + 1] = M1 − M2 + 2·(M3 − M4) + M5 (Aᵀ), from the initial value, then the epilogue.");
            w.Open($"for (int r0 = 0; r0 < {rows}; r0++)");
            w.Line($"var b = {d.Init(isa, 0)};");
            w.Line($"ref float orow = ref At(ref {d.Output}, (r0 * {plane} + oy * {ow}) * {l});");
            w.Open($"for (int t = 0, ox = 0; t < {tiles}; t++, ox += 2)");
            w.Line($"ref float mt = ref At(ref m, (r0 * {tiles} + t) * {Points * l});");
            for (int k = 0; k < Points; k++) w.Line($"var m{k} = {isa.Load("mt", (k * l).ToString())};");
            EmitOutputTransform(w, isa, "b");
            w.Line(isa.Store(d.Epilogue(isa, 0, 0, "y0"), "orow", $"ox * {l}"));
            w.Line(isa.Store(d.Epilogue(isa, 0, 1, "y1"), "orow", $"ox * {l} + {l}"));
            w.Close();
            w.Close();
            w.Close();
        });
    }

    /// <summary>y0 = init + Aᵀ[0]·m and y1 = init + Aᵀ[1]·m over the six points' sums m0 … m5 (Aᵀ rows [1 1 1 1 1 0], [0 1 −1 2 −2 1]); <c>two</c> in scope.</summary>
    private static void EmitOutputTransform(SourceWriter w, Isa isa, string init)
    {
        w.Line($"var y0 = {init} + (m0 + (m1 + m2) + (m3 + m4));");
        w.Line($"var y1 = {init} + ({isa.Fma("two", "m3 - m4", "m1 - m2")} + m5);");
    }

    /// <summary>
    /// One (channel, kernel row) step of the products: the tile rows' U broadcast from <paramref name="u"/> +
    /// <paramref name="uOffset"/> + r·<paramref name="uStride"/>, the pieces' V loaded from <paramref name="v"/>, tr × tn
    /// FMAs; <paramref name="s"/> suffixes the step's variables.
    /// </summary>
    private static void EmitProducts(SourceWriter w, Isa isa, int tr, int tn, string s, string v, string u, string uOffset, int uStride)
    {
        int l = isa.Width;
        for (int r = 0; r < tr; r++)
        {
            string at = uOffset == "0" ? (r * uStride).ToString() : $"{uOffset}{Plus(r * uStride)}";
            w.Line($"var k{s}_{r} = {isa.Vector}.Create(At(ref {u}, {at}));");
        }
        for (int t = 0; t < tn; t++)
        {
            w.Line($"var x{s}_{t} = {isa.Load(v, (t * l).ToString())};");
            for (int r = 0; r < tr; r++) w.Line($"a{r}_{t} = {isa.Fma($"k{s}_{r}", $"x{s}_{t}", $"a{r}_{t}")};");
        }
    }

    /// <summary>
    /// V[c, y, ξ, t] = Σ_k Bᵀ[ξ, k]·x[c, y, 2t + k] for every row of a block of [channels, height, width] (every piece of
    /// six columns, two apart), as statements of the ISA branch being written.
    /// </summary>
    private static void EmitRowTransform(SourceWriter w, Isa isa, int channels, int height, int first, int live, int width, int originX, int tiles, string input, string output, bool pointMajor = false)
    {
        int l = isa.Width;
        // V[c, y, ξ, t] (a row's six transforms together) or V[ξ, c, y, t] (∂E/∂W: one point's rows together), for the
        // live rows first … first + live − 1 of each channel.
        int rowStride = pointMajor ? tiles : Points * tiles, pointStride = pointMajor ? channels * live * tiles : tiles;
        string x0 = originX == 0 ? "" : $"{originX} + ";
        w.Line($"// V = Bᵀ·d for every piece d of six input columns ({x0}2t … {x0}2t + 5) of rows {first}–{first + live - 1} of the {channels} channel(s): {tiles} pieces a row.");
        w.Line($"var four = {isa.Vector}.Create(4f);");
        w.Line($"var five = {isa.Vector}.Create(5f);");
        w.Line($"var two = {isa.Vector}.Create(2f);");
        w.Open($"for (int row = 0; row < {channels * live}; row++)");
        w.Line(live == height
            ? $"ref float xr = ref At(ref {input}, row * {width * l}{Plus(originX * l)});"
            : $"ref float xr = ref At(ref {input}, ((row / {live}) * {height} + row % {live} + {first}) * {width * l}{Plus(originX * l)});");
        w.Line($"ref float vr = ref At(ref {output}, row * {rowStride * l});");
        w.Open($"for (int t = 0; t < {tiles}; t++)");
        w.Line($"ref float d = ref At(ref xr, t * {2 * l});");
        EmitPieceTransform(w, isa, l, pointStride * l, $"ref float o = ref At(ref vr, t * {l});");
        w.Close();
        w.Close();
    }

    /// <summary>
    /// o[ξ·<paramref name="pointStride"/>] = Σ_k Bᵀ[ξ, k]·d[k·<paramref name="loadStride"/>] for vectors of pieces: statements
    /// reading the six inputs from <c>d</c>, writing the six transforms to <c>o</c> (declared by <paramref name="declareOutput"/>
    /// when not null), with <c>four</c>, <c>five</c>, <c>two</c> in scope.
    /// </summary>
    private static void EmitPieceTransform(SourceWriter w, Isa isa, int loadStride, int pointStride, string? declareOutput)
    {
        for (int k = 0; k < Points; k++) w.Line($"var d{k} = {isa.Load("d", (k * loadStride).ToString())};");
        w.Line("var s12 = d1 + d2;");
        w.Line("var m12 = d1 - d2;");
        w.Line("var s43 = d4 + d3;");
        w.Line("var m43 = d4 - d3;");
        w.Line("var m42 = d4 - d2;");
        w.Line("var m31 = d3 - d1;");
        if (declareOutput is not null) w.Line(declareOutput);
        // Bᵀ rows: [4 0 −5 0 1 0], [0 −4 −4 1 1 0], [0 4 −4 −1 1 0], [0 −2 −1 2 1 0], [0 2 −1 −2 1 0], [0 4 0 −5 0 1].
        w.Line(isa.Store($"{isa.Fma("four", "d0", "d4")} - five * d2", "o", "0"));
        w.Line(isa.Store("s43 - four * s12", "o", pointStride.ToString()));
        w.Line(isa.Store(isa.Fma("four", "m12", "m43"), "o", (2 * pointStride).ToString()));
        w.Line(isa.Store(isa.Fma("two", "m31", "m42"), "o", (3 * pointStride).ToString()));
        w.Line(isa.Store("m42 - two * m31", "o", (4 * pointStride).ToString()));
        w.Line(isa.Store($"{isa.Fma("four", "d1", "d5")} - five * d3", "o", (5 * pointStride).ToString()));
    }

    // ---------------------------------------------------------------- one sample, filters in lanes

    /// <summary>
    /// The middle of the filters-in-lanes kernel (<see cref="ConvEmitter"/>) by F(2, 5) along the rows: from the weights
    /// transposed to [taps, filters] in <c>wt</c> and the (padded) input in <c>xp</c>, the outputs as [positions, filters]
    /// in <c>staging</c>. U = G·w, filters in lanes, once per call; V = Bᵀ·x for every piece start s of every input row
    /// (vectors of starts; the products read the even ones); per output row and point ξ the sums M = Σ_c Σ_u U·V with
    /// the filters' vectors × pairs of outputs in registers (each V broadcast once, each U loaded once per kernel row);
    /// then y = f(b + Aᵀ·M). Where U, V and M start in the scratch is the plan's.
    /// </summary>
    public static void EmitSampleRows(SourceWriter w, Conv2DPlan plan, Isa isa)
    {
        var c = plan.Conv;
        int ch = c.Input.Channels, kh = c.KernelHeight, kw = c.KernelWidth, filters = c.Filters, hp = c.PaddedHeight, wp = c.PaddedWidth;
        int oh = c.Output.Height, ow = c.Output.Width, tiles = Tiles(c), k = ch * kh, l = isa.Width, vectors = filters / l;
        int tp = Math.Min(tiles, 12 / vectors), vRow = Points * ow; // pairs per register tile; floats per input row of V
        var vi = isa.Fit(ow - 1);
        w.Line($"// By Winograd's F(2, 5) along the rows ({nameof(WinogradEmitter)}): 6 products for each pair of outputs of a row instead of 10.");
        w.Line($"ref float u = ref At(ref scratch, {plan.LanesWinogradOffset}); // U[ξ, c, u, o]: the kernel rows transformed, filters in lanes");
        w.Line($"ref float v = ref At(ref scratch, {plan.SampleWinogradInputOffset}); // V[c, y, ξ, s]: the piece of columns s … s + 5 transformed");
        w.Line($"ref float m = ref At(ref scratch, {plan.SampleWinogradProductsOffset}); // M[t, ξ, o]: one output row's sums");
        w.Line("// U[ξ, c, u, o] = Σ_v G[ξ, v]·W[o, c, u, v], filters in lanes.");
        w.Line($"// G's rows: {GRows}.");
        w.Open($"for (int k = 0; k < {k}; k++)");
        w.Line($"ref float g = ref At(ref wt, k * {kw * filters});");
        w.Line($"ref float uk = ref At(ref u, k * {filters});");
        for (int f = 0; f < vectors; f++)
        {
            int o = f * l;
            w.Open();
            for (int t = 0; t < kw; t++) w.Line($"var g{t} = {isa.Load("g", (t * filters + o).ToString())};");
            EmitKernelRowTransform(w, (xi, value) => isa.Store(value, "uk", (xi * k * filters + o).ToString()));
            w.Close();
        }
        w.Close();
        w.Open();
        var starts = new System.Collections.Generic.List<int>();
        for (int s0 = 0; s0 + vi.Width <= ow - 1; s0 += vi.Width) starts.Add(s0);
        if (starts[starts.Count - 1] + vi.Width < ow - 1) starts.Add(ow - 1 - vi.Width);
        w.Line($"// V[c, y, ξ, s] = Σ_k Bᵀ[ξ, k]·x[c, y, s + k] for the {ow - 1} starts s of each of the {ch * hp} input rows, {vi.Width} a vector{(starts.Count * vi.Width > ow - 1 ? " (the last vector overlapping the one before)" : "")}.");
        w.Line($"var four = {vi.Vector}.Create(4f);");
        w.Line($"var five = {vi.Vector}.Create(5f);");
        w.Line($"var two = {vi.Vector}.Create(2f);");
        w.Open($"for (int row = 0; row < {ch * hp}; row++)");
        w.Line($"ref float xr = ref At(ref xp, row * {wp});");
        w.Line($"ref float vr = ref At(ref v, row * {vRow});");
        foreach (int s0 in starts)
        {
            w.Open();
            w.Line(s0 == 0 ? "ref float d = ref xr;" : $"ref float d = ref At(ref xr, {s0});");
            EmitPieceTransform(w, vi, 1, ow, s0 == 0 ? "ref float o = ref vr;" : $"ref float o = ref At(ref vr, {s0});");
            w.Close();
        }
        w.Close();
        w.Close();
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Line($"// M[t, ξ, o] = Σ_c Σ_u U[ξ, c, u, o]·V[c, oy + u, ξ, 2t]: {vectors} vector(s) of filters × {tp} pair(s) in registers.");
        w.Open($"for (int xi = 0; xi < {Points}; xi++)");
        w.Line($"ref float ux = ref At(ref u, xi * {k * filters});");
        BlockEmitter.ForEachTile(w, tiles, tp, "t0", tn =>
        {
            for (int t = 0; t < tn; t++)
                for (int f = 0; f < vectors; f++) w.Line($"var a{t}_{f} = {isa.VectorOfFloat}.Zero;");
            w.Line($"ref float vx = ref At(ref v, (oy * {Points} + xi) * {ow} + 2 * t0);");
            w.Open($"for (int c = 0; c < {ch}; c++)");
            w.Line($"ref float vc = ref At(ref vx, c * {hp * vRow});");
            w.Line($"ref float uc = ref At(ref ux, c * {kh * filters});");
            for (int ky = 0; ky < kh; ky++)
            {
                for (int f = 0; f < vectors; f++) w.Line($"var k{ky}_{f} = {isa.Load("uc", (ky * filters + f * l).ToString())};");
                for (int t = 0; t < tn; t++)
                {
                    w.Line($"var x{ky}_{t} = {isa.Vector}.Create(At(ref vc, {ky * vRow + 2 * t}));");
                    for (int f = 0; f < vectors; f++) w.Line($"a{t}_{f} = {isa.Fma($"k{ky}_{f}", $"x{ky}_{t}", $"a{t}_{f}")};");
                }
            }
            w.Close();
            w.Line($"ref float mt = ref At(ref m, (t0 * {Points} + xi) * {filters});");
            for (int t = 0; t < tn; t++)
                for (int f = 0; f < vectors; f++) w.Line(isa.Store($"a{t}_{f}", "mt", (t * Points * filters + f * l).ToString()));
        });
        w.Close();
        w.Line("// y[o, oy, 2t] and y[o, oy, 2t + 1] = f(b + Aᵀ·M[t]), to the [positions, filters] staging.");
        w.Line($"var two = {isa.Vector}.Create(2f);");
        w.Open($"for (int t = 0; t < {tiles}; t++)");
        w.Line($"ref float mt = ref At(ref m, t * {Points * filters});");
        w.Line($"ref float so = ref At(ref staging, (oy * {ow} + 2 * t) * {filters});");
        for (int f = 0; f < vectors; f++)
        {
            int o = f * l;
            w.Open();
            w.Line($"var bf = {(c.Bias ? isa.Load("b", o.ToString()) : $"{isa.VectorOfFloat}.Zero")};");
            for (int p = 0; p < Points; p++) w.Line($"var m{p} = {isa.Load("mt", (p * filters + o).ToString())};");
            EmitOutputTransform(w, isa, "bf");
            w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, "y0"), "so", o.ToString()));
            w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, "y1"), "so", (filters + o).ToString()));
            w.Close();
        }
        w.Close();
        w.Close();
    }

    // ---------------------------------------------------------------- ∂E/∂W by F(5, 2)

    private static int ProductSums(Conv2DLayerSpec c) => c.Filters * c.Input.Channels * c.KernelHeight * Points;

    /// <summary>
    /// Adds, for one block, M[o, c, u, ξ] = Σ_oy Σ_t D[o, oy, ξ, t]·V[c, oy + u, ξ, t] to the per-lane sums, where
    /// D = G·(dz[o, oy, 2t], dz[o, oy, 2t + 1]) and V = Bᵀ·x[c, y, 2t … 2t + 5]; and Σ dz[o] to those of ∂E/∂b.
    /// </summary>
    public static void EmitWeightGradientBlock(SourceWriter w, Conv2DPlan plan)
    {
        var c = plan.Conv;
        int ch = c.Input.Channels, inH = c.PaddedHeight, inW = c.PaddedWidth, kh = c.KernelHeight;
        int oh = c.Output.Height, ow = c.Output.Width, tiles = Tiles(c), rows = c.Filters;
        int rt = Math.Min(2, rows), ut = Math.Min(kh, 5);
        int dPoint = rows * oh * tiles, vPoint = ch * inH * tiles; // floats (÷ lanes) per point ξ of D and of V
        w.Line($"/// <summary>{Title(c)}: adds the F(5, 2) products of one block, M[o, c, u, ξ] = Σ_oy Σ_t D[ξ, o, oy, t]·V[ξ, c, oy + u, t], to the per-lane sums{(c.Bias ? " (and Σ dz[o] to those of ∂E/∂b)" : "")} ({nameof(WinogradEmitter)}).</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{c.Number}WeightGradientBlock(ref float dzb, ref float xb, ref float sums, ref float wino)");
        w.Line($"ref float v = ref wino; // V[ξ, c, y, t] × lanes: the input rows, transformed");
        w.Line($"ref float dt = ref At(ref wino, {plan.WinogradGradientInput}); // D[ξ, o, oy, t] × lanes: pairs of ∂E/∂z, transformed");
        Isa.EmitBranches(w, isa =>
        {
            int l = isa.Width;
            string V = isa.VectorOfFloat;
            w.Line($"// Blocks of {l} samples.");
            EmitRowTransform(w, isa, ch, inH, 0, inH, inW, 0, tiles, "xb", "v", pointMajor: true);
            w.Line($"// D = G·(dz[2t], dz[2t + 1]) (G rows: [1/4, 0], −[1, 1]/6, −[1, −1]/6, [1, 2]/24, [1, −2]/24, [0, 1]) for every pair of every row.");
            w.Line($"var sixth = {isa.Vector}.Create(1f / 6f);");
            w.Line($"var twentyFourth = {isa.Vector}.Create(1f / 24f);");
            w.Open($"for (int row = 0; row < {rows * oh}; row++)");
            w.Line($"ref float zr = ref At(ref dzb, row * {ow * l});");
            w.Line($"ref float dr = ref At(ref dt, row * {tiles * l});");
            w.Open($"for (int t = 0; t < {tiles}; t++)");
            w.Line($"var z0 = {isa.Load("zr", $"t * {2 * l}")};");
            w.Line($"var z1 = {isa.Load("zr", $"t * {2 * l} + {l}")};");
            w.Line($"ref float o = ref At(ref dr, t * {l});");
            w.Line(isa.Store("z0 * 0.25f", "o", "0"));
            w.Line(isa.Store("-(z0 + z1) * sixth", "o", (dPoint * l).ToString()));
            w.Line(isa.Store("(z1 - z0) * sixth", "o", (2 * dPoint * l).ToString()));
            w.Line(isa.Store($"{isa.Fma("two", "z1", "z0")} * twentyFourth", "o", (3 * dPoint * l).ToString()));
            w.Line(isa.Store("(z0 - two * z1) * twentyFourth", "o", (4 * dPoint * l).ToString()));
            w.Line(isa.Store("z1", "o", (5 * dPoint * l).ToString()));
            w.Close();
            w.Close();
            w.Line($"// M: {rt} filter(s) × {ut} kernel row(s) of sums in registers; for a filter, kernel row and point, D and V walk");
            w.Line($"// the block's {oh} × {tiles} (output row, pair) in step, one run of {oh * tiles} vectors each. Per point, the filters'");
            w.Line("// D stays in L1 across the channels, and the point's V across the filters.");
            w.Open($"for (int xi = 0; xi < {Points}; xi++)");
            BlockEmitter.ForEachTile(w, rows, rt, "r0", tr =>
            {
                w.Open($"for (int c = 0; c < {ch}; c++)");
                BlockEmitter.ForEachTile(w, kh, ut, "u0", tu =>
                {
                    for (int r = 0; r < tr; r++)
                        for (int u = 0; u < tu; u++) w.Line($"var a{r}_{u} = {V}.Zero;");
                    w.Line($"ref float dr = ref At(ref dt, (xi * {dPoint} + r0 * {oh * tiles}) * {l});");
                    w.Line($"ref float xr = ref At(ref v, (xi * {vPoint} + (c * {inH} + u0) * {tiles}) * {l});");
                    // dr and xr step along the run, so every load is a constant offset from them.
                    w.Open($"for (int j = 0; j < {oh * tiles}; j++)");
                    BlockEmitter.EmitOuterProduct(w, isa, tr, tu, oh * tiles * l, tiles * l);
                    w.Line($"dr = ref At(ref dr, {l});");
                    w.Line($"xr = ref At(ref xr, {l});");
                    w.Close();
                    w.Line($"ref float sr = ref At(ref sums, (((r0 * {ch} + c) * {kh} + u0) * {Points} + xi) * {l});");
                    for (int r = 0; r < tr; r++)
                        for (int u = 0; u < tu; u++)
                        {
                            string at = ((r * ch * kh + u) * Points * l).ToString();
                            w.Line(isa.Store($"{isa.Load("sr", at)} + a{r}_{u}", "sr", at));
                        }
                });
                w.Close();
            });
            w.Close();
            if (c.Bias) BlockEmitter.EmitBiasSums(w, isa, c, ProductSums(c));
        });
        w.Close();
    }

    /// <summary>
    /// The end of the backward batch kernel: reduces the lanes of M and applies Aᵀ (rows [1 1 1 1 1 0], [0 1 −1 2 −2 0],
    /// [0 1 1 4 4 0], [0 1 −1 8 −8 0], [0 1 1 16 16 1]) to get ∂E/∂W[o, c, u, 0 … 4]; then ∂E/∂b's lanes.
    /// </summary>
    public static void EmitGradientReduction(SourceWriter w, Conv2DLayerSpec c)
    {
        int rows = c.Filters * c.Input.Channels * c.KernelHeight;
        w.Line("// Reduce the lanes of M, then ∂E/∂W = Aᵀ·M for each kernel row; then ∂E/∂b (added to g, or written over it on a batch's first chunk).");
        w.Line($"ref float gl = ref At(ref g, Layer{c.Number}Weights);");
        w.Line($"global::System.Span<float> s = stackalloc float[{Points}];");
        w.Open($"for (int k = 0; k < {rows}; k++)");
        w.Open($"for (int xi = 0; xi < {Points}; xi++)");
        w.Line($"ref float lane = ref At(ref sums, (k * {Points} + xi) * lanes);");
        w.Line("float sum = 0f;");
        w.Line("for (int j = 0; j < lanes; j++) sum += At(ref lane, j);");
        w.Line("s[xi] = sum;");
        w.Close();
        w.Line("float p12 = s[1] + s[2], m12 = s[1] - s[2], p34 = s[3] + s[4], m34 = s[3] - s[4];");
        w.Line("ref float gk = ref At(ref gl, 5 * k);");
        w.Line("float w0 = s[0] + p12 + p34, w1 = m12 + 2f * m34, w2 = p12 + 4f * p34, w3 = m12 + 8f * m34, w4 = p12 + 16f * p34 + s[5];");
        w.Line("if (accumulate) { gk += w0; At(ref gk, 1) += w1; At(ref gk, 2) += w2; At(ref gk, 3) += w3; At(ref gk, 4) += w4; }");
        w.Line("else { gk = w0; At(ref gk, 1) = w1; At(ref gk, 2) = w2; At(ref gk, 3) = w3; At(ref gk, 4) = w4; }");
        w.Close();
        if (c.Bias)
        {
            w.Open($"for (int o = 0; o < {c.Filters}; o++)");
            w.Line($"ref float lane = ref At(ref sums, ({ProductSums(c)} + o) * lanes);");
            w.Line("float sum = 0f;");
            w.Line("for (int j = 0; j < lanes; j++) sum += At(ref lane, j);");
            w.Line($"ref float gb = ref At(ref gl, {c.WeightCount} + o);");
            w.Line("gb = accumulate ? gb + sum : sum;");
            w.Close();
        }
    }

    /// <summary>Σ coefficient·variable (a constant where the variable is empty) as C#, zero terms left out: "row * 150 + c * 25 + ky * 5".</summary>
    private static string Sum(params (int Coefficient, string Variable)[] terms)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (k, v) in terms)
        {
            if (k == 0) continue;
            string term = v.Length == 0 ? Math.Abs(k).ToString() : Math.Abs(k) == 1 ? v : $"{v} * {Math.Abs(k)}";
            text.Append(text.Length == 0 ? (k < 0 ? "-" : "") : k < 0 ? " - " : " + ").Append(term);
        }
        return text.Length == 0 ? "0" : text.ToString();
    }

    private static string Plus(int offset) => offset == 0 ? "" : offset > 0 ? $" + {offset}" : $" - {-offset}";
}
