using System;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// The forward pass of a batch convolution of 5-wide kernels, stride 1, by Winograd's minimal filtering F(2, 5) along
/// the rows and directly down the columns. Two neighbouring outputs of a row, y[j] = Σ_v W[v]·x[j + v] for j = 0, 1,
/// take 6 products instead of 10:
/// <code>
///   y = Aᵀ [(G·w) ⊙ (Bᵀ·d)],  d = x[0 … 5],  w = W[0 … 4]
/// </code>
/// with the interpolation points 0, ±1, ±2, ∞ (Lavin and Gray, "Fast algorithms for convolutional neural networks",
/// 2016: the Bᵀ of their F(4, 3), which has the same points, and that paper's construction of G and Aᵀ). Over the
/// input channels and kernel rows the sums stay long (C·KH products per output), so each of the six transformed
/// products is a register-tiled dot product as in the direct kernel, with 0.6 of its multiply-adds. The transforms:
/// <list type="bullet">
/// <item>the weights, U[ξ, o, c, u] = Σ_v G[ξ, v]·W[o, c, u, v], once per call (the weights change between training steps);</item>
/// <item>the input, V[c, y, ξ, t] = Σ_k Bᵀ[ξ, k]·x[c, y, 2t + k], once per block (every input row of every channel, cut
///   into pieces of six columns two apart);</item>
/// <item>the output, y[o, oy, 2t + j] = Σ_ξ Aᵀ[j, ξ]·M[o, t, ξ], M[o, t, ξ] = Σ_c Σ_u U[ξ, o, c, u]·V[c, oy + u, ξ, t].</item>
/// </list>
/// The result differs from the direct sum by rounding only (the transforms' constants are small integers, and 1/4,
/// 1/6, 1/24 in G); the tests compare it with a double-precision convolution.
/// </summary>
internal static class WinogradEmitter
{
    /// <summary>α: transformed points per pair of outputs.</summary>
    private const int Points = 6;

    /// <summary>
    /// Whether the forward batch kernel of <paramref name="c"/> uses F(2, 5): 5-wide kernels, stride 1, an even output
    /// width, and at least 15 products per output along channels × kernel rows (LeNet-5's conv2: 6 × 5), so that its
    /// dot products are as long as a direct tile's. Conv1 of LeNet-5 (one input channel) stays direct.
    /// </summary>
    public static bool Applies(Conv2DLayerSpec c)
        => c.Stride == 1 && c.KernelWidth == 5 && c.Output.Width % 2 == 0 && c.Input.Channels * c.KernelHeight >= 15;

    private static int Tiles(Conv2DLayerSpec c) => c.Output.Width / 2;

    private static int Round16(int n) => (n + 15) / 16 * 16;

    /// <summary>Floats of U, the transformed weights.</summary>
    public static int WeightsSize(Conv2DLayerSpec c) => Round16(Points * c.Filters * c.Input.Channels * c.KernelHeight);

    private static int InputSize(Conv2DLayerSpec c) => BlockEmitter.MaxLanes * c.Input.Channels * c.PaddedHeight * Points * Tiles(c);

    private static int ProductsSize(Conv2DLayerSpec c) => BlockEmitter.MaxLanes * c.Filters * Tiles(c) * Points;

    /// <summary>Floats of scratch past the padded input and output blocks: U, V (one block) and M (one output row).</summary>
    public static int Scratch(Conv2DLayerSpec c) => Applies(c) ? WeightsSize(c) + InputSize(c) + ProductsSize(c) : 0;

    private static string Title(Conv2DLayerSpec c)
        => $"Layer {c.Number}: convolution {c.Input} → {c.Output}, {c.Filters} filter(s) of {c.KernelHeight}×{c.KernelWidth}";

    /// <summary>U[ξ, o, c, u] = Σ_v G[ξ, v]·W[o, c, u, v], written to the start of <c>wino</c>.</summary>
    public static void EmitWeightTransform(SourceWriter w, Conv2DLayerSpec c)
    {
        int rows = c.Filters * c.Input.Channels * c.KernelHeight;
        w.Line($"/// <summary>{Title(c)}: the kernel rows transformed for F(2, 5), U[ξ, o, c, u] = Σ_v G[ξ, v]·W[o, c, u, v] (G: points 0, 1, −1, 2, −2, ∞).</summary>");
        w.Open($"private static void Layer{c.Number}WinogradWeights(ref float p, ref float u)");
        w.Line($"ref float w = ref At(ref p, Layer{c.Number}Weights);");
        w.Line($"// Kernel row k = (o·{c.Input.Channels} + c)·{c.KernelHeight} + u: its five taps are W[5k … 5k + 4]; U[ξ] rows are {rows} floats apart.");
        w.Open($"for (int k = 0; k < {rows}; k++)");
        w.Line("ref float g = ref At(ref w, 5 * k);");
        w.Line("float g0 = g, g1 = At(ref g, 1), g2 = At(ref g, 2), g3 = At(ref g, 3), g4 = At(ref g, 4);");
        w.Line("float even = g0 + g2 + g4, odd = g1 + g3, even4 = g0 + 4f * g2 + 16f * g4, odd4 = 2f * g1 + 8f * g3;");
        w.Line("At(ref u, k) = g0 / 4f;");
        w.Line($"At(ref u, {rows} + k) = -(even + odd) / 6f;");
        w.Line($"At(ref u, {2 * rows} + k) = -(even - odd) / 6f;");
        w.Line($"At(ref u, {3 * rows} + k) = (even4 + odd4) / 24f;");
        w.Line($"At(ref u, {4 * rows} + k) = (even4 - odd4) / 24f;");
        w.Line($"At(ref u, {5 * rows} + k) = g4;");
        w.Close();
        w.Close();
    }

    /// <summary>The forward block kernel: y = f(b + W ⊛ x) for one block, by F(2, 5) along the rows.</summary>
    public static void EmitForwardBlock(SourceWriter w, Conv2DLayerSpec c)
    {
        int ch = c.Input.Channels, inH = c.PaddedHeight, inW = c.PaddedWidth, kh = c.KernelHeight;
        int oh = c.Output.Height, ow = c.Output.Width, tiles = Tiles(c), rows = c.Filters;
        int plane = oh * ow;
        int uRow = rows * ch * kh; // floats between U[ξ] and U[ξ + 1]
        int rt = Math.Min(2, rows), tt = Math.Min(tiles, rt == 1 ? 8 : 5);
        w.Line($"/// <summary>{Title(c)}: y = f(b + W ⊛ x) for one block, by Winograd's F(2, 5) along the rows ({nameof(WinogradEmitter)}); <paramref name=\"u\"/> holds U, then room for V and M.</summary>");
        w.Open($"private static void Layer{c.Number}ForwardBlock(ref float p, ref float xb, ref float yb, ref float u)");
        if (c.Bias) w.Line($"ref float bias = ref At(ref p, Layer{c.Number}Bias);");
        w.Line($"ref float v = ref At(ref u, {WeightsSize(c)}); // V[c, y, ξ, t] × lanes: the input rows, transformed");
        w.Line($"ref float m = ref At(ref v, {InputSize(c)}); // M[o, t, ξ] × lanes: the transformed products of one output row");
        Isa.EmitBranches(w, isa =>
        {
            int l = isa.Width;
            string V = isa.VectorOfFloat;
            w.Line($"// Blocks of {l} samples.");
            w.Line($"// V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of every row: {ch} × {inH} rows × {tiles} pieces.");
            w.Line($"var four = {isa.Vector}.Create(4f);");
            w.Line($"var five = {isa.Vector}.Create(5f);");
            w.Line($"var two = {isa.Vector}.Create(2f);");
            w.Open($"for (int row = 0; row < {ch * inH}; row++)");
            w.Line($"ref float xr = ref At(ref xb, row * {inW * l});");
            w.Line($"ref float vr = ref At(ref v, row * {Points * tiles * l});");
            w.Open($"for (int t = 0; t < {tiles}; t++)");
            w.Line($"ref float d = ref At(ref xr, t * {2 * l});");
            for (int k = 0; k < Points; k++) w.Line($"var d{k} = {isa.Load("d", (k * l).ToString())};");
            w.Line("var s12 = d1 + d2;");
            w.Line("var m12 = d1 - d2;");
            w.Line("var s43 = d4 + d3;");
            w.Line("var m43 = d4 - d3;");
            w.Line("var m42 = d4 - d2;");
            w.Line("var m31 = d3 - d1;");
            w.Line("ref float o = ref At(ref vr, t * " + l + ");");
            // Bᵀ rows: [4 0 −5 0 1 0], [0 −4 −4 1 1 0], [0 4 −4 −1 1 0], [0 −2 −1 2 1 0], [0 2 −1 −2 1 0], [0 4 0 −5 0 1].
            w.Line(isa.Store($"{isa.Fma("four", "d0", "d4")} - five * d2", "o", "0"));
            w.Line(isa.Store("s43 - four * s12", "o", (tiles * l).ToString()));
            w.Line(isa.Store(isa.Fma("four", "m12", "m43"), "o", (2 * tiles * l).ToString()));
            w.Line(isa.Store(isa.Fma("two", "m31", "m42"), "o", (3 * tiles * l).ToString()));
            w.Line(isa.Store("m42 - two * m31", "o", (4 * tiles * l).ToString()));
            w.Line(isa.Store($"{isa.Fma("four", "d1", "d5")} - five * d3", "o", (5 * tiles * l).ToString()));
            w.Close();
            w.Close();
            w.Open($"for (int oy = 0; oy < {oh}; oy++)");
            w.Line($"// M[o, t, ξ] = Σ_c Σ_u U[ξ, o, c, u]·V[c, oy + u, ξ, t]: {rt} filter(s) × {tt} piece(s) of sums in registers.");
            w.Open($"for (int xi = 0; xi < {Points}; xi++)");
            BlockEmitter.ForEachTile(w, rows, rt, "r0", tr =>
                BlockEmitter.ForEachTile(w, tiles, tt, "t0", tn =>
                {
                    for (int r = 0; r < tr; r++)
                        for (int t = 0; t < tn; t++) w.Line($"var a{r}_{t} = {V}.Zero;");
                    w.Line($"ref float ur = ref At(ref u, xi * {uRow} + r0 * {ch * kh});");
                    w.Line($"ref float vc = ref At(ref v, ((oy * {Points} + xi) * {tiles} + t0) * {l});");
                    w.Open($"for (int c = 0; c < {ch}; c++)");
                    for (int ky = 0; ky < kh; ky++)
                    {
                        w.Line($"ref float v{ky} = ref At(ref vc, (c * {inH} + {ky}) * {Points * tiles * l});");
                        for (int r = 0; r < tr; r++) w.Line($"var k{ky}_{r} = {isa.Vector}.Create(At(ref ur, c * {kh} + {r * ch * kh + ky}));");
                        for (int t = 0; t < tn; t++)
                        {
                            w.Line($"var x{ky}_{t} = {isa.Load($"v{ky}", (t * l).ToString())};");
                            for (int r = 0; r < tr; r++) w.Line($"a{r}_{t} = {isa.Fma($"k{ky}_{r}", $"x{ky}_{t}", $"a{r}_{t}")};");
                        }
                    }
                    w.Close();
                    w.Line($"ref float mr = ref At(ref m, ((r0 * {tiles} + t0) * {Points} + xi) * {l});");
                    for (int r = 0; r < tr; r++)
                        for (int t = 0; t < tn; t++) w.Line(isa.Store($"a{r}_{t}", "mr", ((r * tiles + t) * Points * l).ToString()));
                }));
            w.Close();
            w.Line("// y[o, oy, 2t] = Σ_ξ<5 M[ξ] and y[o, oy, 2t + 1] = M1 − M2 + 2·(M3 − M4) + M5 (Aᵀ), plus the bias, then f.");
            w.Open($"for (int o = 0; o < {rows}; o++)");
            w.Line($"var b = {(c.Bias ? $"{isa.Vector}.Create(At(ref bias, o))" : $"{V}.Zero")};");
            w.Line($"ref float orow = ref At(ref yb, (o * {plane} + oy * {ow}) * {l});");
            w.Open($"for (int t = 0; t < {tiles}; t++)");
            w.Line($"ref float mt = ref At(ref m, (o * {tiles} + t) * {Points * l});");
            for (int k = 0; k < Points; k++) w.Line($"var m{k} = {isa.Load("mt", (k * l).ToString())};");
            w.Line($"var y0 = b + (m0 + (m1 + m2) + (m3 + m4));");
            w.Line($"var y1 = b + ({isa.Fma("two", "m3 - m4", "m1 - m2")} + m5);");
            w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, "y0"), "orow", $"t * {2 * l}"));
            w.Line(isa.Store(Activations.VectorApply(isa, c.Activation, "y1"), "orow", $"t * {2 * l} + {l}"));
            w.Close();
            w.Close();
            w.Close();
        });
        w.Close();
    }
}
