using System.Linq;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// <c>PredictBatch</c>'s AVX-512 path for a chunk of 49–64 samples of a network of dense layers: one sample per vector
/// lane. The chunk is transposed once into [input][64 samples]; each layer then computes Y[o, ·] = f(Σᵢ W[o, i]·X[i, ·] + b[o])
/// with W[o, i] broadcast and four vectors of 16 samples per row, so a register tile of 4 rows × 64 samples keeps 16
/// sums in flight, each step is 4 loads of X, 4 broadcasts of W and 16 fused multiply-adds, and no sum ever needs a
/// horizontal reduction (the dot-product form, the runtime's <c>DenseKernels.ForwardBatch</c>, reduces 16 lanes for every output
/// of every sample: 8,192 reductions per chunk of Fashion MLP's first layer). Bias and ReLU are applied to whole
/// vectors of samples. The outputs go back to row-major at the end. The forward pass of <c>ComputeGradients</c> takes
/// the same path for networks not trained by parts (<see cref="LanePlan.InTraining"/>), each layer's outputs also
/// transposed back for the backward kernels. Where the path applies and its buffers are is the plan's
/// (<see cref="NetworkPlan.Lanes"/>).
/// </summary>
/// <remarks>
/// W keeps its canonical [outputs, inputs] layout: nothing is packed, so an update of the parameters is seen at once.
/// Smaller chunks (a batch's last, or a small batch) take the dot-product kernels: a lane layout would compute all
/// 64 lanes for them. The softmax of a classifier runs on the lanes too (<c>Vector512.Exp</c>, 16 samples at a time).
/// Layer 1 runs at the FMA peak (its inner loop: 4 loads, 4 broadcasts, 16 FMAs); what remains is the transposition
/// of the input, which costs what a copy of the same bytes does. See docs/design/dense-kernels.md.
/// </remarks>
internal static class LaneEmitter
{
    /// <summary>Samples per chunk, in <see cref="Vectors"/> vectors of 16 lanes.</summary>
    public const int Samples = NetworkPlan.BatchChunk;

    private const int Vectors = Samples / 16;

    /// <summary>Rows of W per register tile: 4 rows × 4 vectors = 16 sums, with 4 vectors of X and a broadcast (21 of 32 registers).</summary>
    private const int TileRows = 4;

    /// <summary>Chunks of more samples than this take the lane path; smaller ones would waste most lanes.</summary>
    public const int MinimumCount = 48;

    /// <summary>The lane buffer that layer <paramref name="layer"/> writes (its input is in the other one).</summary>
    private static string Buffer(LayerSpec layer) => layer.Index % 2 == 0 ? "lanesB" : "lanesA";

    /// <summary>
    /// The forward pass of a chunk (<paramref name="input"/>, <c>count</c> samples) on the lanes, with the workspace
    /// (<paramref name="lanes"/>) at <paramref name="at"/> floats into <paramref name="workspace"/>. Where
    /// <paramref name="rows"/> names a row-major buffer for a layer (training: the backward kernels read every layer's
    /// outputs), that layer's outputs are transposed back into it too. Returns the lane buffer holding the last layer's outputs.
    /// </summary>
    private static string EmitForwardPass(SourceWriter w, NetworkSpec spec, LanePlan lanes, System.Func<string, int, string> offset, string workspace, int at,
        string input, System.Func<LayerSpec, string?> rows)
    {
        w.Line($"ref float lanesA = ref {offset(workspace, at)};");
        w.Line($"ref float lanesB = ref {offset(workspace, at + lanes.BufferB)};");
        w.Line($"ref float staging = ref {offset(workspace, at + lanes.StagingOffset)};");
        w.Line($"{Names.Kernels}.InputToLanes(ref {input}, ref lanesA, ref staging, count);");
        foreach (var layer in spec.Layers)
        {
            string from = layer.Index == 0 ? "lanesA" : Buffer(spec.Layers[layer.Index - 1]), to = Buffer(layer);
            w.Line($"{Names.Kernels}.Layer{layer.Number}ForwardLanes(ref p, ref {from}, ref {to});");
            if (rows(layer) is { } target) w.Line($"{Names.Kernels}.{ToRows(spec, layer.OutputSize)}(ref {to}, ref {target}, count);");
        }
        return Buffer(spec.Layers[spec.Layers.Count - 1]);
    }

    /// <summary>
    /// The forward pass of a training chunk (<c>x</c>, <c>count</c> samples) on the lanes, every layer's outputs also
    /// transposed back into its row-major buffer (<paramref name="output"/>), which the backward kernels read.
    /// </summary>
    public static void EmitTrainingForward(SourceWriter w, NetworkPlan plan, LanePlan lanes, System.Func<string, int, string> offset, string workspace, int at, System.Func<LayerSpec, string> output)
    {
        w.Line($"// Samples in vector lanes: the chunk transposed to [input][{Samples}], each layer a product over whole vectors of");
        w.Line("// samples (no horizontal sums) into one of two lane buffers in turn, and its outputs transposed back for the backward pass.");
        EmitForwardPass(w, plan.Spec, lanes, offset, workspace, at, "x", output);
    }

    /// <summary>The kernel that transposes [width][64] lanes back to row-major: LanesToOutput for the output's width.</summary>
    private static string ToRows(NetworkSpec spec, int width)
        => width == spec.OutputSize ? "LanesToOutput" : $"LanesToRows{width}";

    /// <summary>The condition of the lane path, as the network class spells it: AVX-512 (its transposition uses AVX-512F shuffles) and enough samples.</summary>
    public static string Condition(string count)
        => Names.Qualified.Condition($"{Isa.Avx512.Condition} && Avx512F.IsSupported && {count} > {MinimumCount}");

    /// <summary>The calls of the lane path for one chunk (<c>xs</c>, <c>count</c> samples, into <c>ys</c>), with its workspace at <c>h</c>.</summary>
    public static void EmitChunk(SourceWriter w, NetworkPlan plan, LanePlan lanes, System.Func<string, int, string> offset, bool softmax)
    {
        w.Line($"// Samples in vector lanes: the chunk transposed to [input][{Samples}], each layer a product over whole vectors of");
        w.Line("// samples (no horizontal sums) into one of two lane buffers in turn, the outputs transposed back.");
        string last = EmitForwardPass(w, plan.Spec, lanes, offset, "h", 0, "xs", _ => null);
        if (softmax)
        {
            w.Line("// Logits → class probabilities, 16 samples per vector.");
            w.Line($"{Names.Kernels}.SoftmaxLanes(ref {last});");
        }
        w.Line($"{Names.Kernels}.LanesToOutput(ref {last}, ref ys, count);");
    }

    /// <summary>
    /// The lane kernels: a classifier's softmax, the 16 × 16 transposition, the transpositions of a chunk into lanes and
    /// back (for training, one back for each width of layer), one forward kernel per layer.
    /// </summary>
    public static void EmitKernels(SourceWriter w, NetworkPlan plan, LanePlan lanes, bool softmax)
    {
        var spec = plan.Spec;
        if (softmax)
        {
            EmitSoftmax(w, spec.Layers[spec.Layers.Count - 1].OutputSize);
            w.Line();
        }
        EmitInputToLanes(w, spec.InputSize);
        w.Line();
        EmitLanesToRows(w, spec.OutputSize, "LanesToOutput");
        w.Line();
        foreach (int width in lanes.RowWidths)
        {
            EmitLanesToRows(w, width, ToRows(spec, width));
            w.Line();
        }
        foreach (var layer in spec.Layers.Cast<DenseLayerSpec>())
        {
            EmitForward(w, layer);
            w.Line();
        }
    }

    private const string V = "Vector512";
    private const string Avx512F = "Avx512F";

    private static string Hex(int i) => i.ToString("x");

    private static void EmitInputToLanes(SourceWriter w, int inputs)
    {
        int blocked = inputs / 16 * 16;
        w.Line("/// <summary>");
        w.Line($"/// <paramref name=\"count\"/> (≤ {Samples}) samples of {inputs} floats at <paramref name=\"x\"/>, row-major, into <paramref name=\"lanes\"/>: {inputs} rows of");
        w.Line($"/// {Samples} lanes, sample s in lane s; lanes from <paramref name=\"count\"/> on are zero. A last group of fewer than 16 samples is");
        w.Line($"/// copied first into <paramref name=\"staging\"/> (16 rows), whose other rows are cleared, so no read goes past x's end.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open("internal static void InputToLanes(ref float x, ref float lanes, ref float staging, int count)");
        w.Open("for (int s = 0; s < " + Samples + "; s += 16)");
        w.Line("int n = count - s;");
        w.Line("ref float rows = ref staging;");
        w.Line($"if (n >= 16) rows = ref At(ref x, s * {inputs});");
        w.Open("else");
        w.Line("// A last group of n < 16 samples: copied to staging, its other rows zero.");
        w.Line($"if (n > 0) {Names.MemoryMarshal}.CreateReadOnlySpan(ref At(ref x, s * {inputs}), n * {inputs}).CopyTo({Names.MemoryMarshal}.CreateSpan(ref staging, n * {inputs}));");
        w.Line("else n = 0;");
        w.Line($"{Names.MemoryMarshal}.CreateSpan(ref At(ref staging, n * {inputs}), (16 - n) * {inputs}).Clear();");
        w.Close();
        if (blocked > 0)
        {
            w.Line($"for (int i = 0; i < {blocked}; i += 16) Transpose16(ref At(ref rows, i), {inputs}, ref At(ref lanes, i * {Samples} + s), {Samples});");
        }
        if (blocked < inputs)
        {
            w.Line($"// Inputs {blocked}–{inputs - 1}, one at a time.");
            w.Open($"for (int i = {blocked}; i < {inputs}; i++)");
            w.Line($"for (int k = 0; k < 16; k++) At(ref lanes, i * {Samples} + s + k) = At(ref rows, k * {inputs} + i);");
            w.Close();
        }
        w.Close();
        w.Close();
    }

    private static void EmitLanesToRows(SourceWriter w, int outputs, string name)
    {
        int blocked = outputs / 16 * 16;
        w.Line("/// <summary>");
        w.Line($"/// The first <paramref name=\"count\"/> lanes of <paramref name=\"lanes\"/> ({outputs} rows of {Samples}) into <paramref name=\"y\"/>: <paramref name=\"count\"/> samples of");
        w.Line($"/// {outputs} floats, row-major.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void {name}(ref float lanes, ref float y, int count)");
        w.Line("int s = 0;");
        if (blocked > 0)
        {
            w.Line("// Whole groups of 16 samples, by 16 × 16 blocks.");
            w.Open("for (; s + 16 <= count; s += 16)");
            w.Line($"for (int o = 0; o < {blocked}; o += 16) Transpose16(ref At(ref lanes, o * {Samples} + s), {Samples}, ref At(ref y, s * {outputs} + o), {outputs});");
            if (blocked < outputs)
                w.Line($"for (int k = 0; k < 16; k++) for (int o = {blocked}; o < {outputs}; o++) At(ref y, (s + k) * {outputs} + o) = At(ref lanes, o * {Samples} + s + k);");
            w.Close();
        }
        w.Line(blocked > 0 ? "// The rest, one float at a time." : "// One float at a time (fewer than 16 outputs).");
        w.Line($"for (; s < count; s++) for (int o = 0; o < {outputs}; o++) At(ref y, s * {outputs} + o) = At(ref lanes, o * {Samples} + s);");
        w.Close();
    }

    /// <summary>
    /// Softmax over the rows of [outputs][64] logits, each lane a sample: as <c>Softmax</c> (e^(z − max z), then times
    /// 1 / Σ) with <c>Vector512.Exp</c> (within an ulp or two of <c>MathF.Exp</c>) for 16 samples at a time. A NaN
    /// logit makes its sample's maximum, and so all its probabilities, NaN, as in <c>Softmax</c>.
    /// </summary>
    private static void EmitSoftmax(SourceWriter w, int outputs)
    {
        var isa = Isa.Avx512;
        w.Line($"/// <summary>Logits → class probabilities for the {Samples} samples of [{outputs}][{Samples}] lanes, in place.</summary>");
        w.Line(Names.Hot);
        w.Open("internal static void SoftmaxLanes(ref float z)");
        w.Open($"for (int s = 0; s < {Samples}; s += 16)");
        w.Line("ref float zs = ref At(ref z, s);");
        w.Line($"var max = {V}.LoadUnsafe(ref zs);");
        w.Open($"for (int k = 1; k < {outputs}; k++)");
        w.Line($"var zk = {V}.LoadUnsafe(ref zs, (nuint)(k * {Samples}));");
        w.Line($"max = {isa.MaxPropagatingNaN("zk", "max")};");
        w.Close();
        w.Line($"var sum = {V}<float>.Zero;");
        w.Open($"for (int k = 0; k < {outputs}; k++)");
        w.Line($"var e = {V}.Exp({V}.LoadUnsafe(ref zs, (nuint)(k * {Samples})) - max);");
        w.Line($"{V}.StoreUnsafe(e, ref zs, (nuint)(k * {Samples}));");
        w.Line("sum += e;");
        w.Close();
        w.Line($"var inverse = {V}<float>.One / sum;");
        w.Line($"for (int k = 0; k < {outputs}; k++) {V}.StoreUnsafe({V}.LoadUnsafe(ref zs, (nuint)(k * {Samples})) * inverse, ref zs, (nuint)(k * {Samples}));");
        w.Close();
        w.Close();
    }

    private static string Lane(int k) => ((char)('a' + k)).ToString();

    private static void EmitForward(SourceWriter w, DenseLayerSpec layer)
    {
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        int blocked = outputs / TileRows * TileRows, rest = outputs - blocked;
        bool vectorF = Activations.HasVectorForm(layer.Activation);
        w.Line($"/// <summary>{DenseEmitter.Title(layer)}, samples in lanes: x is [{inputs}][{Samples}], y is [{outputs}][{Samples}].</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}ForwardLanes(ref float p, ref float x, ref float y)");
        w.Line($"ref float w = ref At(ref p, Layer{n}Weights);");
        if (layer.Bias) w.Line($"ref float b = ref At(ref p, Layer{n}Bias);");
        void Tile(int rows)
        {
            w.Line($"ref float w0 = ref At(ref w, o * {inputs});");
            for (int r = 1; r < rows; r++) w.Line($"ref float w{r} = ref At(ref w0, {r * inputs});");
            for (int r = 0; r < rows; r++)
                w.Line($"{V}<float> " + string.Join(", ", Enumerable.Range(0, Vectors).Select(k => $"s{r}{Lane(k)} = default")) + ";");
            w.Open($"for (nuint i = 0; i < {inputs}; i++)");
            w.Line($"ref float xi = ref {Names.Unsafe}.Add(ref x, i * {Samples});");
            w.Line(string.Join(" ", Enumerable.Range(0, Vectors).Select(k => $"var x{Lane(k)} = {V}.LoadUnsafe(ref xi{(k == 0 ? "" : $", {16 * k}")});")));
            for (int r = 0; r < rows; r++)
            {
                w.Line($"{(r == 0 ? "var " : "")}wi = {V}.Create({Names.Unsafe}.Add(ref w{r}, i));");
                w.Line(string.Join(" ", Enumerable.Range(0, Vectors).Select(k => $"s{r}{Lane(k)} = {V}.FusedMultiplyAdd(wi, x{Lane(k)}, s{r}{Lane(k)});")));
            }
            w.Close();
            w.Line(vectorF
                ? $"// {(layer.Bias ? "Bias and " : "")}{Activations.Describe(layer.Activation)} on whole vectors of samples."
                : $"// {(layer.Bias ? "Bias added; " : "")}{Activations.Describe(layer.Activation)} applied to the stored sums, one at a time.");
            for (int r = 0; r < rows; r++)
            {
                string row = r == 0 ? "o" : $"o + {r}";
                w.Line($"ref float y{r} = ref At(ref y, {(r == 0 ? "o" : $"({row})")} * {Samples});");
                if (layer.Bias) w.Line($"var b{r} = {V}.Create(At(ref b, {row}));");
                for (int k = 0; k < Vectors; k++)
                {
                    string sum = layer.Bias ? $"s{r}{Lane(k)} + b{r}" : $"s{r}{Lane(k)}";
                    w.Line($"{V}.StoreUnsafe({Activations.VectorApply(Isa.Avx512, layer.Activation, sum)}, ref y{r}{(k == 0 ? "" : $", {16 * k}")});");
                }
                if (!vectorF)
                    w.Line($"for (int k = 0; k < {Samples}; k++) At(ref y{r}, k) = {Activations.Apply(layer.Activation, $"At(ref y{r}, k)")};");
            }
        }
        if (blocked > 0)
        {
            w.Line($"// Tiles of {TileRows} rows × {Samples} samples: {TileRows * Vectors} sums in flight, each step {Vectors} loads of x, {TileRows} broadcasts of W, {TileRows * Vectors} FMAs.");
            w.Open($"for (int o = 0; o < {blocked}; o += {TileRows})");
            Tile(TileRows);
            w.Close();
        }
        if (rest > 0)
        {
            w.Line($"// The last {rest} row(s).");
            w.Open();
            w.Line($"const int o = {blocked};");
            Tile(rest);
            w.Close();
        }
        w.Close();
    }
}
