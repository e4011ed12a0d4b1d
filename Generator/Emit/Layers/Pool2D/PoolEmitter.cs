using System.Linq;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits max and average pooling. Max pooling keeps nothing for the backward pass: it finds each window's maximum
/// again in the stored input and routes the gradient there (the first maximum on ties, like PyTorch).
/// </summary>
internal static class PoolEmitter
{
    private static string Title(Pool2DLayerSpec l)
        => $"Layer {l.Number}: {(l.Kind == PoolKind.Max ? "max" : "average")} pooling {l.Input} → {l.Output}, {l.Size}×{l.Size} windows, stride {l.Stride}{PaddingNote(l)}";

    /// <summary>", padding 1" and what the padding does (nothing when unpadded: the unpadded kernels' text is unchanged).</summary>
    public static string PaddingNote(Pool2DLayerSpec l)
        => l.Padding == 0 ? ""
            : $", padding {l.Padding} ({(l.Kind == PoolKind.Max ? "never the maximum" : l.CountIncludePad ? "zeros, counted in the mean" : "left out of the mean")})";

    public static void EmitForward(SourceWriter w, Pool2DPlan plan)
    {
        var l = plan.Pool;
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        w.Line($"/// <summary>{Title(l)}, for one sample.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{l.Number}Forward(ref float x, ref float y)");
        if (plan.SampleForm == PoolSampleForm.Padded)
        {
            EmitForwardPadded(w, l);
            w.Close();
            return;
        }
        if (plan.SampleForm == PoolSampleForm.Pairs)
        {
            EmitForwardPairs(w, plan);
            w.Close();
            return;
        }
        w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Open($"for (int ox = 0; ox < {ow}; ox++)");
        w.Line($"ref float window = ref At(ref x, (c * {h} + oy * {l.Stride}) * {wd} + ox * {l.Stride});");
        if (l.Kind == PoolKind.Max)
        {
            w.Line("// MathF.Max: branch-free (a branch on the data would mispredict) and NaN-propagating, like the vector kernels.");
            w.Line("float m = window;");
            EmitWindow(w, l, plan.WindowUnrolled, k => $"m = global::System.MathF.Max(m, At(ref window, {k}));");
            w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = m;");
        }
        else
        {
            w.Line("float s = window;");
            EmitWindow(w, l, plan.WindowUnrolled, k => $"s += At(ref window, {k});");
            w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = s * {Inverse(l)};");
        }
        w.Close();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>
    /// Max pooling over 2×2 windows with stride 2 (the usual case), in steps of <c>width / 2</c> outputs from <c>width</c>
    /// columns of two input rows: 256-bit vectors (four outputs) where those are accelerated and a row has at least four
    /// outputs (<see cref="Pool2DPlan.WidePairs"/>), else 128-bit vectors (two outputs) on every machine.
    /// </summary>
    private static void EmitForwardPairs(SourceWriter w, Pool2DPlan plan)
    {
        var l = plan.Pool;
        if (plan.WidePairs)
        {
            w.Open($"if ({Isa.Avx2.Vector}.IsHardwareAccelerated)");
            EmitForwardSteps(w, l, Isa.Avx2);
            w.Close();
            w.Open("else");
            EmitForwardSteps(w, l, Isa.Portable);
            w.Close();
            return;
        }
        EmitForwardSteps(w, l, Isa.Portable);
    }

    /// <summary>
    /// One step: the vertical maximum of the two rows, then the maximum of each pair of neighbours (a swap within the
    /// vector), the pairs' maxima (even lanes) gathered into the low half and stored together (128-bit vectors: as one
    /// 64-bit value). A row whose width is not a multiple of the step ends with a step that overlaps the one before it
    /// (it writes the same values again).
    /// </summary>
    private static void EmitForwardSteps(SourceWriter w, Pool2DLayerSpec l, Isa isa)
    {
        string V = isa.Vector, V128 = Isa.Portable.Vector;
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        int step = isa.Width / 2, whole = ow / step * step;
        string swap = string.Join(", ", Enumerable.Range(0, isa.Width).Select(k => k ^ 1));
        string even = string.Join(", ", Enumerable.Range(0, isa.Width).Select(k => 2 * k % isa.Width));
        void Step(string o)
        {
            w.Line($"var a = {isa.Load("r0", $"2 * {o}")};");
            w.Line($"var v = {isa.MaxPropagatingNaN("a", isa.Load("r1", $"2 * {o}"))};");
            w.Line($"var m = {isa.MaxPropagatingNaN("v", $"{V}.Shuffle(v, {V}.Create({swap}))")};");
            string gathered = $"{V}.Shuffle(m, {V}.Create({even}))";
            w.Line(isa == Isa.Portable
                ? $"{Names.Unsafe}.WriteUnaligned(ref {Names.Unsafe}.As<float, byte>(ref At(ref yr, {o})), {V}.ToScalar({V}.AsUInt64({gathered})));"
                : $"{V128}.StoreUnsafe({V}.GetLower({gathered}), ref yr, (nuint)({o}));");
        }
        w.Line($"// {step} outputs per step: the maximum of rows 2·oy and 2·oy + 1 over {isa.Width} columns, then of each pair of neighbours");
        w.Line($"// (NaN when any of the {isa.Width} is NaN, like MathF.Max and the batch kernels).");
        w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
        w.Open($"for (int oy = 0; oy < {oh}; oy++)");
        w.Line($"ref float r0 = ref At(ref x, (c * {h} + oy * 2) * {wd});");
        w.Line($"ref float r1 = ref At(ref r0, {wd});");
        w.Line($"ref float yr = ref At(ref y, (c * {oh} + oy) * {ow});");
        w.Open($"for (int ox = 0; ox < {whole}; ox += {step})");
        Step("ox");
        w.Close();
        if (whole < ow)
        {
            w.Line($"// Outputs {ow - step}–{ow - 1}, overlapping the step before.");
            w.Open();
            Step((ow - step).ToString());
            w.Close();
        }
        w.Close();
        w.Close();
    }

    /// <summary>
    /// Every position k of the window but the top-left corner (which starts the reduction), relative to that corner:
    /// <paramref name="unrolled"/> windows whole, every offset a constant; larger ones with a loop per window row.
    /// </summary>
    private static void EmitWindow(SourceWriter w, Pool2DLayerSpec l, bool unrolled, System.Func<string, string> statement)
    {
        if (unrolled)
        {
            for (int ky = 0; ky < l.Size; ky++)
                for (int kx = 0; kx < l.Size; kx++)
                    if (ky > 0 || kx > 0) w.Line(statement((ky * l.Input.Width + kx).ToString()));
            return;
        }
        for (int ky = 0; ky < l.Size; ky++)
        {
            w.Open($"for (int kx = {(ky == 0 ? 1 : 0)}; kx < {l.Size}; kx++)");
            w.Line($"int k = {(ky == 0 ? "" : $"{ky * l.Input.Width} + ")}kx;");
            w.Line(statement("k"));
            w.Close();
        }
    }

    private static string Inverse(Pool2DLayerSpec l)
        => (1.0 / (l.Size * l.Size)).ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "f";

    // ---------------------------------------------------------------- batch kernels (blocks of samples, see BlockEmitter)

    public static void EmitBatchKernels(SourceWriter w, Pool2DPlan plan)
    {
        var l = plan.Pool;
        var below = plan.Below;
        int b = BlockEmitter.MaxLanes * l.InputSize;
        w.Line($"/// <summary>{Title(l)}, forward over <paramref name=\"count\"/> samples, block after block.</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{l.Number}ForwardBatch(ref float x, ref float y, int count, ref float scratch, bool blockedInput, bool blockedOutput)");
        w.Line("int lanes = Lanes;");
        w.Line($"ref float yBlock = ref At(ref scratch, {b});");
        w.Open("for (int first = 0, b = 0; first < count; first += lanes, b++)");
        w.Line($"ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * {l.InputSize}) : ref scratch;");
        w.Line($"if (!blockedInput) ToBlock(ref x, first, count, lanes, ref scratch, {l.Input.Channels}, {l.Input.Height}, {l.Input.Width}, 0);");
        w.Line($"ref float yb = ref blockedOutput ? ref Row(ref y, b, lanes * {l.OutputSize}) : ref yBlock;");
        w.Line($"Layer{l.Number}ForwardBlock(ref xb, ref yb);");
        w.Line($"if (!blockedOutput) FromBlock(ref yBlock, first, count, lanes, ref y, {l.OutputSize});");
        w.Close();
        w.Close();
        w.Line();
        EmitForwardBlock(w, l);
        if (below is not { } activation) return;
        w.Line();
        w.Line($"/// <summary>{Title(l)}, backward over <paramref name=\"count\"/> samples: routes dz to {(l.Kind == PoolKind.Max ? "each window's maximum" : "every position of each window, divided by its size")},");
        w.Line($"/// times f′ of layer {l.Number - 1} ({Activations.Describe(activation)}), into dzBelow (in blocks; the input x is in blocks too).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{l.Number}BackwardBatch(ref float x, ref float dz, ref float dzBelow, int count, ref float scratch, bool blockedOutput)");
        w.Line("int lanes = Lanes;");
        w.Open("for (int first = 0, b = 0; first < count; first += lanes, b++)");
        w.Line($"ref float dzb = ref blockedOutput ? ref Row(ref dz, b, lanes * {l.OutputSize}) : ref scratch;");
        w.Line($"if (!blockedOutput) ToBlock(ref dz, first, count, lanes, ref scratch, {l.OutputSize}, 1, 1, 0);");
        w.Line($"Layer{l.Number}BackwardBlock(ref Row(ref x, b, lanes * {l.InputSize}), ref dzb, ref Row(ref dzBelow, b, lanes * {l.InputSize}));");
        w.Close();
        w.Close();
        w.Line();
        EmitBackwardBlock(w, l, activation);
    }

    private static void EmitForwardBlock(SourceWriter w, Pool2DLayerSpec l)
    {
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        w.Line($"/// <summary>{Title(l)}, for one block of samples (one per lane).</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{l.Number}ForwardBlock(ref float xb, ref float yb)");
        if (l.Padding > 0)
        {
            Isa.EmitBranches(w, isa => EmitForwardBlockPadded(w, l, isa));
            w.Close();
            return;
        }
        Isa.EmitBranches(w, isa =>
        {
            int n = isa.Width;
            w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
            w.Open($"for (int oy = 0; oy < {oh}; oy++)");
            w.Open($"for (int ox = 0; ox < {ow}; ox++)");
            w.Line($"ref float window = ref At(ref xb, ((c * {h} + oy * {l.Stride}) * {wd} + ox * {l.Stride}) * {n});");
            w.Line($"var m = {isa.Load("window", "0")};");
            for (int ky = 0; ky < l.Size; ky++)
                for (int kx = 0; kx < l.Size; kx++)
                {
                    if (ky == 0 && kx == 0) continue;
                    string at = ((ky * wd + kx) * n).ToString();
                    w.Line(l.Kind == PoolKind.Max ? $"m = {isa.MaxPropagatingNaN("m", isa.Load("window", at))};" : $"m += {isa.Load("window", at)};");
                }
            string value = l.Kind == PoolKind.Max ? "m" : $"m * {Inverse(l)}";
            w.Line(isa.Store(value, "yb", $"((c * {oh} + oy) * {ow} + ox) * {n}"));
            w.Close();
            w.Close();
            w.Close();
        });
        w.Close();
    }

    private static void EmitBackwardBlock(SourceWriter w, Pool2DLayerSpec l, ActivationKind below)
    {
        int h = l.Input.Height, wd = l.Input.Width, oh = l.Output.Height, ow = l.Output.Width;
        // Windows that tile the input exactly: every input position gets exactly one value, stored once, f′ included.
        bool tiles = l.Stride == l.Size && oh * l.Size == h && ow * l.Size == wd;
        w.Line($"/// <summary>{Title(l)}, backward for one block of samples{(l.Kind == PoolKind.Max ? " (the first maximum of each window, per lane, takes the gradient)" : "")}.</summary>");
        w.Line(Names.Hot);
        w.Open($"private static void Layer{l.Number}BackwardBlock(ref float xb, ref float dzb, ref float dxb)");
        if (l.Padding > 0)
        {
            Isa.EmitBranches(w, isa => EmitBackwardBlockPadded(w, l, below, isa));
            w.Close();
            return;
        }
        Isa.EmitBranches(w, isa =>
        {
            int n = isa.Width;
            if (!tiles)
            {
                w.Line($"// The windows {(l.Stride < l.Size ? "overlap" : "leave gaps")}: clear, add, then f′ in a pass of its own.");
                w.Line($"{Names.MemoryMarshal}.CreateSpan(ref dxb, {l.InputSize * n}).Clear();");
            }
            w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
            w.Open($"for (int oy = 0; oy < {oh}; oy++)");
            w.Open($"for (int ox = 0; ox < {ow}; ox++)");
            w.Line($"int corner = ((c * {h} + oy * {l.Stride}) * {wd} + ox * {l.Stride}) * {n};");
            w.Line($"ref float window = ref At(ref xb, corner);");
            w.Line($"ref float target = ref At(ref dxb, corner);");
            w.Line($"var d = {isa.Load("dzb", $"((c * {oh} + oy) * {ow} + ox) * {n}")};");
            int k = 0, last = l.Size * l.Size - 1;
            bool needX = l.Kind == PoolKind.Max || (tiles && below != ActivationKind.Identity);
            for (int ky = 0; ky < l.Size; ky++)
                for (int kx = 0; kx < l.Size; kx++, k++)
                    if (needX) w.Line($"var x{k} = {isa.Load("window", ((ky * wd + kx) * n).ToString())};");
            if (l.Kind == PoolKind.Max)
            {
                w.Line("var m = x0;");
                for (int i = 1; i <= last; i++) w.Line($"m = {isa.MaxPropagatingNaN("m", $"x{i}")};");
                if (last > 0) w.Line($"var taken = {isa.VectorOfFloat}.Zero;");
                if (tiles && below == ActivationKind.ReLU)
                {
                    // ReLU′ at the one position that takes d is 1 exactly when the maximum is above 0: one test per window.
                    w.Line($"d = {Activations.VectorDerivativeTimes(isa, below, "m", "d")};");
                }
            }
            else w.Line($"d *= {Inverse(l)};");
            k = 0;
            for (int ky = 0; ky < l.Size; ky++)
                for (int kx = 0; kx < l.Size; kx++, k++)
                {
                    string at = ((ky * wd + kx) * n).ToString();
                    string value = "d";
                    if (l.Kind == PoolKind.Max)
                    {
                        w.Line($"var e{k} = {(k == 0 ? $"{isa.Vector}.Equals(x0, m)" : $"{isa.Vector}.AndNot({isa.Vector}.Equals(x{k}, m), taken)")};");
                        if (k < last) w.Line($"taken |= e{k};");
                        value = $"(d & e{k})";
                    }
                    if (tiles) w.Line(isa.Store(l.Kind == PoolKind.Max && below == ActivationKind.ReLU ? value : Activations.VectorDerivativeTimes(isa, below, $"x{k}", value), "target", at));
                    else w.Line(isa.Store($"{isa.Load("target", at)} + {value}", "target", at));
                }
            w.Close();
            w.Close();
            w.Close();
            if (!tiles) EmitDerivativePass(w, l, below, isa);
        });
        w.Close();
    }

    /// <summary>dxb ×= f′ of the layer below, from its output xb, in a pass of its own (nothing for the identity).</summary>
    private static void EmitDerivativePass(SourceWriter w, Pool2DLayerSpec l, ActivationKind below, Isa isa)
    {
        if (below == ActivationKind.Identity) return;
        int n = isa.Width;
        w.Line($"// Times f′ of the layer below ({Activations.Describe(below)}), from its output x.");
        w.Open($"for (int k = 0; k < {l.InputSize * n}; k += {n})");
        w.Line(isa.Store(Activations.VectorDerivativeTimes(isa, below, isa.Load("xb", "k"), isa.Load("dxb", "k")), "dxb", "k"));
        w.Close();
    }

    // ---------------------------------------------------------------- padded pooling (PyTorch's padding)
    //
    // A padded layer's windows are clipped to the input: window (oy, ox) covers input rows r0 … r1 − 1 and columns
    // q0 … q1 − 1, its rows oy·stride − padding … + size − 1 (and columns likewise) that lie inside the input. Padding
    // never wins a maximum (as −∞) and adds nothing to a sum (as 0), so only those positions are read; an average divides
    // by size² when the padding counts (its zeros are in the window), else by (r1 − r0)·(q1 − q0). Since the padding is at
    // most half the window, every window covers at least one input position. These kernels loop over the clipped window
    // instead of unrolling it; the unpadded kernels above are unchanged (see docs/design/pooling.md).

    /// <summary>Loops over every channel and output position with the clipped window (r0, r1, q0, q1) of each; then <paramref name="body"/>.</summary>
    private static void EmitPaddedWindows(SourceWriter w, Pool2DLayerSpec l, System.Action body)
    {
        int h = l.Input.Height, wd = l.Input.Width;
        w.Line($"// Each window clipped to the input: rows r0 … r1 − 1 and columns q0 … q1 − 1 of channel c (the rest is padding).");
        w.Open($"for (int c = 0; c < {l.Input.Channels}; c++)");
        w.Open($"for (int oy = 0; oy < {l.Output.Height}; oy++)");
        w.Line($"int r0 = global::System.Math.Max(oy * {l.Stride} - {l.Padding}, 0), r1 = global::System.Math.Min(oy * {l.Stride} + {l.Size - l.Padding}, {h});");
        w.Open($"for (int ox = 0; ox < {l.Output.Width}; ox++)");
        w.Line($"int q0 = global::System.Math.Max(ox * {l.Stride} - {l.Padding}, 0), q1 = global::System.Math.Min(ox * {l.Stride} + {l.Size - l.Padding}, {wd});");
        body();
        w.Close();
        w.Close();
        w.Close();
    }

    /// <summary>The loops over the clipped window's input positions, k being the position's index in channel c (times <paramref name="lanes"/> in blocks).</summary>
    private static void EmitClippedWindow(SourceWriter w, Pool2DLayerSpec l, int lanes, System.Action body)
    {
        w.Open("for (int r = r0; r < r1; r++)");
        w.Open("for (int q = q0; q < q1; q++)");
        string position = $"(c * {l.Input.Height} + r) * {l.Input.Width} + q";
        w.Line(lanes == 1 ? $"int k = {position};" : $"int k = ({position}) * {lanes};");
        body();
        w.Close();
        w.Close();
    }

    /// <summary>The divisor of an average: a constant factor 1/size² when the padding counts, else the window's input positions.</summary>
    private static string Mean(Pool2DLayerSpec l, string sum, string? vector = null)
        => l.CountIncludePad ? $"{sum} * {Inverse(l)}"
            : vector is null ? $"{sum} / ((r1 - r0) * (q1 - q0))" : $"{sum} / {vector}.Create((float)((r1 - r0) * (q1 - q0)))";

    private static void EmitForwardPadded(SourceWriter w, Pool2DLayerSpec l)
    {
        int oh = l.Output.Height, ow = l.Output.Width;
        EmitPaddedWindows(w, l, () =>
        {
            if (l.Kind == PoolKind.Max)
            {
                w.Line("// MathF.Max: NaN-propagating, like the vector kernels; −∞ is the padding, which never wins.");
                w.Line("float m = float.NegativeInfinity;");
                EmitClippedWindow(w, l, 1, () => w.Line("m = global::System.MathF.Max(m, At(ref x, k));"));
                w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = m;");
            }
            else
            {
                w.Line("float s = 0f;");
                EmitClippedWindow(w, l, 1, () => w.Line("s += At(ref x, k);"));
                w.Line($"At(ref y, (c * {oh} + oy) * {ow} + ox) = {Mean(l, "s")};");
            }
        });
    }

    private static void EmitForwardBlockPadded(SourceWriter w, Pool2DLayerSpec l, Isa isa)
    {
        int n = isa.Width, oh = l.Output.Height, ow = l.Output.Width;
        EmitPaddedWindows(w, l, () =>
        {
            w.Line(l.Kind == PoolKind.Max ? $"var m = {isa.Vector}.Create(float.NegativeInfinity);" : $"var m = {isa.VectorOfFloat}.Zero;");
            EmitClippedWindow(w, l, n, () => w.Line(l.Kind == PoolKind.Max
                ? $"m = {isa.MaxPropagatingNaN("m", isa.Load("xb", "k"))};"
                : $"m += {isa.Load("xb", "k")};"));
            w.Line(isa.Store(l.Kind == PoolKind.Max ? "m" : Mean(l, "m", isa.Vector), "yb", $"((c * {oh} + oy) * {ow} + ox) * {n}"));
        });
    }

    private static void EmitBackwardBlockPadded(SourceWriter w, Pool2DLayerSpec l, ActivationKind below, Isa isa)
    {
        int n = isa.Width, oh = l.Output.Height, ow = l.Output.Width;
        w.Line("// Clear, then add each window's share of d (the windows may overlap).");
        w.Line($"{Names.MemoryMarshal}.CreateSpan(ref dxb, {l.InputSize * n}).Clear();");
        EmitPaddedWindows(w, l, () =>
        {
            w.Line($"var d = {isa.Load("dzb", $"((c * {oh} + oy) * {ow} + ox) * {n}")};");
            if (l.Kind == PoolKind.Max)
            {
                w.Line($"var m = {isa.Vector}.Create(float.NegativeInfinity);");
                EmitClippedWindow(w, l, n, () => w.Line($"m = {isa.MaxPropagatingNaN("m", isa.Load("xb", "k"))};"));
                w.Line("// The first maximum of the window, per lane, takes d.");
                w.Line($"var taken = {isa.VectorOfFloat}.Zero;");
                EmitClippedWindow(w, l, n, () =>
                {
                    w.Line($"var e = {isa.Vector}.AndNot({isa.Vector}.Equals({isa.Load("xb", "k")}, m), taken);");
                    w.Line("taken |= e;");
                    w.Line(isa.Store($"{isa.Load("dxb", "k")} + (d & e)", "dxb", "k"));
                });
            }
            else
            {
                w.Line($"d = {Mean(l, "d", isa.Vector)};");
                EmitClippedWindow(w, l, n, () => w.Line(isa.Store($"{isa.Load("dxb", "k")} + d", "dxb", "k")));
            }
        });
        EmitDerivativePass(w, l, below, isa);
    }
}
