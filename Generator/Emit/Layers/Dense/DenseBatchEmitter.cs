using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the batched kernels of a dense layer, used by training and <c>PredictBatch</c>: the forward pass, the weight
/// gradient ∂E/∂W = Σ_samples dz·xᵀ and the bias gradient. A layer above the unroll limit gets calls to the runtime's
/// register-tiled kernels (<c>NetCompiler.Support.DenseKernels</c>), one per instruction-set path, with the layer's
/// shape as a type argument (<see cref="EmitShape"/>): the JIT compiles them for this layer, every size a constant.
/// Smaller layers get fully unrolled scalar code of their own.
/// </summary>
internal static class DenseBatchEmitter
{
    /// <summary>The struct that gives the runtime's dense kernels a layer's shape as constants.</summary>
    internal static string Shape(DenseLayerSpec layer) => $"Layer{layer.Number}Shape";

    /// <summary>
    /// The layer's shape as a struct of constants (<c>IDenseLayer</c>): a type argument of the runtime's dense kernels,
    /// which the JIT compiles once per such struct.
    /// </summary>
    public static void EmitShape(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        w.Line($"/// <summary>{DenseEmitter.Title(layer)}: its shape as constants, for which the JIT compiles the runtime's dense kernels.</summary>");
        w.Open($"private readonly struct {Shape(layer)} : IDenseLayer");
        w.Line($"public static int Inputs => {layer.InputSize};");
        w.Line($"public static int Outputs => {layer.OutputSize};");
        w.Line($"public static bool Bias => {(layer.Bias ? "true" : "false")};");
        w.Line($"public static Activation Activation => Activation.{layer.Activation};");
        w.Line($"public static Activation Below => Activation.{plan.Below ?? ActivationKind.Identity};");
        w.Close();
    }

    /// <summary>The call of the runtime's dense kernel <paramref name="kernel"/> on <paramref name="isa"/>'s vectors, for this layer.</summary>
    internal static string Call(string kernel, Isa isa, DenseLayerSpec layer, string arguments)
        => $"DenseKernels.{kernel}<{isa.PathType}, {isa.VectorOfFloat}, {Shape(layer)}>({arguments});";

    /// <summary>
    /// The batched forward kernel; with <see cref="DensePlan.RowRange"/> (the first layer of a network trained by parts,
    /// see <see cref="NetworkPlan.Split"/>) it takes the range [rowFrom, rowTo) of outputs to compute, cut at multiples of
    /// 8 (the last range ends at the layer's width): the same tiles, so each output gets the same bits as from the whole range.
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
        w.Line("// Register tiles of rows of W × samples; the tiles' shapes are the runtime's rules for each path.");
        string range = rowRange ? "rowFrom, rowTo" : $"0, {outputs}";
        Isa.EmitBranches(w, isa => plan.Rows[isa].Vectors, vectors =>
            w.Line(Call("ForwardBatch", vectors.ToIsa(), layer, $"ref w, ref {(layer.Bias ? "b" : "w")}, ref x, ref y, batch, {range}")));
        w.Close();
    }

    /// <summary>The documentation of a kernel that takes a range of rows.</summary>
    private const string RangeNote = ", outputs rowFrom … rowTo − 1 only (rowFrom a multiple of 8, rowTo too or the layer's width)";

    /// <summary>The weight-gradient kernel; with <paramref name="rowRange"/>, for a range of rows only (see <see cref="EmitForwardBatch"/>).</summary>
    public static void EmitWeightGradient(SourceWriter w, DensePlan plan)
    {
        var layer = plan.Dense;
        bool rowRange = plan.RowRange;
        int n = layer.Number, inputs = layer.InputSize, outputs = layer.OutputSize;
        w.Line($"/// <summary>");
        w.Line($"/// {DenseEmitter.Title(layer)}: ∂E/∂W = Σ_s dz[s]·x[s]ᵀ{(layer.Bias ? " and ∂E/∂b = Σ_s dz[s]" : "")} over <paramref name=\"batch\"/> samples{(rowRange ? RangeNote : "")},");
        w.Line("/// added to g with <paramref name=\"accumulate\"/>, written over it without (a batch's first chunk: g is not cleared beforehand).");
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
        string range = rowRange ? "rowFrom, rowTo" : $"0, {outputs}";
        w.Line(layer.Bias
            ? "// ∂E/∂b summed in registers over the batch; ∂E/∂W in register tiles of rows × columns, each read and written once per batch."
            : "// ∂E/∂W in register tiles of rows × columns, each read and written once per batch.");
        Isa.EmitBranches(w, isa => (Bias: plan.BiasVectors[isa], Rows: plan.Rows[isa].Vectors), fit =>
        {
            if (layer.Bias) w.Line(Call("BiasGradient", fit.Bias.ToIsa(), layer, $"ref gb, ref dz, batch, accumulate, {range}"));
            w.Line(Call("WeightGradient", fit.Rows.ToIsa(), layer, $"ref gw, ref x, ref dz, batch, accumulate, {range}"));
        });
        w.Close();
    }
}
