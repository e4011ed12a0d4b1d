using System.Globalization;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// The kernels of a batch-normalisation layer (PyTorch's BatchNorm1d over features, BatchNorm2d over channels).
/// Inference normalises with the running statistics; training with the batch's mean and biased variance, summed in
/// double, and differentiates through them. The input is always row-major (every layer below writes row-major for
/// it); the output and its ∂E/∂z are in blocks of <c>lanes</c> samples when the layer above is a convolution or pooling
/// layer (<see cref="BlockEmitter"/>), row-major otherwise (<c>lanes</c> = 1 makes the block formula row-major).
/// </summary>
internal static class BatchNormEmitter
{
    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Title(BatchNormLayerSpec b)
        => $"Layer {b.Number}: batch normalisation of {b.Input}, {(b.Input.Spatial ? $"per channel over batch × {b.Input.Height} × {b.Input.Width}" : "per feature over the batch")}, ε = {BatchNormLayerSpec.Format(b.Epsilon)}, then {Activations.Describe(b.Activation)}";

    public static string Describe(BatchNormLayerSpec b)
        => $"batch norm over {(b.Input.Spatial ? $"{b.Channels} channel(s) (2-D)" : $"{b.Channels} feature(s) (1-D)")}, momentum {BatchNormLayerSpec.Format(b.Momentum)}, ε {BatchNormLayerSpec.Format(b.Epsilon)}, {Activations.Describe(b.Activation)}";

    /// <summary>The statement that runs the layer on one sample (Predict), with the running statistics.</summary>
    public static string ForwardCall(BatchNormLayerSpec b, string state, string input, string output)
        => $"{Names.Kernels}.Layer{b.Number}Forward(ref p, ref {state}, ref {input}, ref {output});";

    /// <summary>The statement that runs the layer on <paramref name="count"/> samples (PredictBatch), with the running statistics.</summary>
    public static string ForwardBatchCall(BatchNormLayerSpec b, string state, string input, string output, string count, string lanes)
        => $"{Names.Kernels}.Layer{b.Number}ForwardBatch(ref p, ref {state}, ref {input}, ref {output}, {count}, {lanes});";

    public static void EmitKernels(SourceWriter w, BatchNormLayerSpec b, ActivationKind? below)
    {
        int n = b.Number, channels = b.Channels, positions = b.Positions, size = b.InputSize;
        int gamma = b.WeightOffset, beta = b.BiasOffset, mean = b.StateOffset, variance = b.StateOffset + channels;
        string eps = F(b.Epsilon);

        // ---- inference, one sample
        w.Line($"/// <summary>{Title(b)}: one sample, with the running statistics: y = f((x − mean) · γ / √(var + ε) + β).</summary>");
        w.Line(Names.Hot);
        w.Line($"internal static void Layer{n}Forward(ref float p, ref float state, ref float x, ref float y) => Layer{n}ForwardBatch(ref p, ref state, ref x, ref y, 1, 1);");
        w.Line();

        // y = f((x − m) · k + shift) for channel c's values of every sample, closing the channel loop; then the blocks' unused lanes cleared.
        void EmitNormalise()
        {
            EmitSampleLoop(w, b, () =>
                w.Line($"At(ref y, at + (c * {positions} + q) * lanes) = {Activations.Apply(b.Activation, "(At(ref xs, c * " + positions + " + q) - m) * k + shift")};"));
            w.Close();
            w.Line($"ClearLanes(ref y, count, lanes, {size});");
        }

        // ---- inference, a batch
        w.Line($"/// <summary>{Title(b)}: <paramref name=\"count\"/> row-major samples, with the running statistics, into blocks of <paramref name=\"lanes\"/> (1: row-major).</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}ForwardBatch(ref float p, ref float state, ref float x, ref float y, int count, int lanes)");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"float m = At(ref state, {mean} + c);");
        w.Line($"float k = At(ref p, {gamma} + c) / {Names.MathF}.Sqrt(At(ref state, {variance} + c) + {eps});");
        w.Line($"float shift = At(ref p, {beta} + c);");
        EmitNormalise();
        w.Close();
        w.Line();

        // ---- training forward
        w.Line("/// <summary>");
        w.Line($"/// {Title(b)}: training forward over <paramref name=\"count\"/> row-major samples with the batch's statistics.");
        w.Line($"/// Writes stats = [mean, 1/√(var + ε), biased var] per channel ({channels} each) for the backward pass and the running");
        w.Line("/// statistics, and y = f((x − mean) · γ/√(var + ε) + β) in blocks of <paramref name=\"lanes\"/> (1: row-major).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainForward(ref float p, ref float x, ref float y, int count, int lanes, ref float stats)");
        w.Line($"double n = (double)count * {positions};");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line("// Mean, then the biased variance about it (two passes, in double: no cancellation).");
        w.Line("double sum = 0;");
        EmitInputLoop(w, b, "sum += At(ref xc, q);");
        w.Line("double mu = sum / n, squares = 0;");
        EmitInputLoop(w, b, "double d = At(ref xc, q) - mu; squares += d * d;");
        w.Line("double variance = squares / n;");
        w.Line("float m = (float)mu, invStd = (float)(1.0 / global::System.Math.Sqrt(variance + " + eps + "));");
        w.Line("At(ref stats, c) = m;");
        w.Line($"At(ref stats, {channels} + c) = invStd;");
        w.Line($"At(ref stats, {2 * channels} + c) = (float)variance;");
        w.Line($"float k = At(ref p, {gamma} + c) * invStd, shift = At(ref p, {beta} + c);");
        EmitNormalise();
        w.Close();
        w.Line();

        // ---- running statistics
        w.Line("/// <summary>");
        w.Line($"/// {Title(b)}: the running statistics after a step over <paramref name=\"count\"/> samples, into <paramref name=\"updated\"/>:");
        w.Line($"/// (1 − {BatchNormLayerSpec.Format(b.Momentum)}) · running + {BatchNormLayerSpec.Format(b.Momentum)} · batch, with the batch's unbiased variance (as PyTorch).");
        w.Line("/// </summary>");
        w.Open($"internal static void Layer{n}RunningStatistics(ref float stats, ref float running, ref float updated, int count)");
        w.Line($"double n = (double)count * {positions};");
        w.Line($"const float momentum = {F(b.Momentum)};");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"At(ref updated, {mean} + c) = (1f - momentum) * At(ref running, {mean} + c) + momentum * At(ref stats, c);");
        w.Line($"float unbiased = (float)(At(ref stats, {2 * channels} + c) * (n / (n - 1)));");
        w.Line($"At(ref updated, {variance} + c) = (1f - momentum) * At(ref running, {variance} + c) + momentum * unbiased;");
        w.Close();
        w.Close();
        w.Line();

        // ---- training backward
        if (below is not { } activation) return;   // never the first layer (NC0073)
        w.Line("/// <summary>");
        w.Line($"/// {Title(b)}: training backward. With x̂ = (x − mean)/√(var + ε) and dy = ∂E/∂z (in blocks of <paramref name=\"lanes\"/>),");
        w.Line("/// ∂E/∂γ = Σ dy·x̂, ∂E/∂β = Σ dy (written: the whole batch is one call), and ∂E/∂x =");
        w.Line($"/// γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)), times f′ of layer {n - 1} ({Activations.Describe(activation)}), into dzBelow (row-major).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainBackward(ref float p, ref float g, ref float x, ref float dz, ref float dzBelow, int count, int lanes, ref float stats)");
        w.Line($"double n = (double)count * {positions};");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"float m = At(ref stats, c), invStd = At(ref stats, {channels} + c);");
        w.Line("double sumDy = 0, sumDyXhat = 0;");
        EmitSampleLoop(w, b, () =>
        {
            w.Line($"float dy = At(ref dz, at + (c * {positions} + q) * lanes);");
            w.Line($"float xhat = (At(ref xs, c * {positions} + q) - m) * invStd;");
            w.Line("sumDy += dy;");
            w.Line("sumDyXhat += dy * xhat;");
        });
        w.Line($"At(ref g, {gamma} + c) = (float)sumDyXhat;");
        w.Line($"At(ref g, {beta} + c) = (float)sumDy;");
        w.Line($"float k = At(ref p, {gamma} + c) * invStd, meanDy = (float)(sumDy / n), meanDyXhat = (float)(sumDyXhat / n);");
        EmitSampleLoop(w, b, () =>
        {
            w.Line($"float xv = At(ref xs, c * {positions} + q);");
            w.Line($"float dx = k * (At(ref dz, at + (c * {positions} + q) * lanes) - meanDy - (xv - m) * invStd * meanDyXhat);");
            w.Line($"At(ref dzBelow, s * {size} + c * {positions} + q) = {Activations.ScalarDerivativeTimes(activation, "xv", "dx")};");
        });
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>For every sample s and position q of channel c: xc = channel c of sample s (row-major).</summary>
    private static void EmitInputLoop(SourceWriter w, BatchNormLayerSpec b, string body)
    {
        w.Open("for (int s = 0; s < count; s++)");
        w.Line($"ref float xc = ref At(ref x, s * {b.InputSize} + c * {b.Positions});");
        w.Line($"for (int q = 0; q < {b.Positions}; q++) {{ {body} }}");
        w.Close();
    }

    /// <summary>
    /// For every sample s and position q of channel c: xs = sample s of x (row-major), and at = where sample s starts
    /// in a buffer of blocks of lanes samples (feature f of it at at + f·lanes).
    /// </summary>
    private static void EmitSampleLoop(SourceWriter w, BatchNormLayerSpec b, System.Action body)
    {
        w.Open("for (int s = 0; s < count; s++)");
        w.Line($"ref float xs = ref At(ref x, s * {b.InputSize});");
        w.Line($"int at = s / lanes * lanes * {b.InputSize} + s % lanes;");
        w.Open($"for (int q = 0; q < {b.Positions}; q++)");
        body();
        w.Close();
        w.Close();
    }
}
