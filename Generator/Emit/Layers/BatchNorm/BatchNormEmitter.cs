using System.Globalization;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>
/// The kernels of a batch-normalisation layer (PyTorch's BatchNorm1d over features, BatchNorm2d over channels).
/// Inference normalises with the running statistics; training with the batch's mean and biased variance, summed in
/// double, and differentiates through them. Over channels (after a convolution or pooling layer) the layer runs on
/// blocks of samples, as they do (<see cref="BlockEmitter"/>): its input and the ∂E/∂z it writes below are in blocks of
/// <c>inLanes</c> samples, and each block holds a channel as one contiguous run that the runtime's per-channel passes
/// (<c>NetworkSupport.Channel…</c>) read with vectors. Its output and that output's ∂E/∂z are in blocks of
/// <c>outLanes</c> when the layer above runs on blocks too, row-major (1) otherwise; over features, everything is row-major.
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
    /// <param name="layouts">The samples per block of the input, then of the output.</param>
    public static string ForwardBatchCall(BatchNormLayerSpec b, string state, string input, string output, string count, string layouts)
        => $"{Names.Kernels}.Layer{b.Number}ForwardBatch(ref p, ref {state}, ref {input}, ref {output}, {count}, {layouts});";

    /// <param name="sharedPerPart">Doubles of the parts' shared workspace per part (<c>SharedPerPart</c>): four per normalised channel of the network.</param>
    public static void EmitKernels(SourceWriter w, BatchNormLayerSpec b, ActivationKind? below, int sharedPerPart)
    {
        int n = b.Number, channels = b.Channels, positions = b.Positions, size = b.InputSize;
        int gamma = b.WeightOffset, beta = b.BiasOffset, mean = b.StateOffset, variance = b.StateOffset + channels;
        string eps = F(b.Epsilon);
        // The channel's values: the runtime's vector passes for identity and ReLU, a scalar loop for other activations.
        bool vectorForward = Activations.HasVectorForm(b.Activation);
        string relu = b.Activation == ActivationKind.ReLU ? "true" : "false";
        string start = positions == 1 ? "c" : $"c * {positions}";                    // the channel's first feature
        string channel = $"count, {size}, {start}, {positions}";                    // the channel's samples, layout aside
        string inputChannel = $"count, inLanes, {size}, {start}, {positions}";
        // This layer's partial sums in each part's share of sync: [Σx | Σ(x − mean)² | Σdy | Σdy·x̂] per channel.
        int own = 2 * b.StateOffset;
        string Parts(int at) => $"SumOfParts(ref sync, {(own + at == 0 ? "c" : $"{own + at} + c")}, parts, {sharedPerPart})";
        const string partArguments = "int batch, ref double sync, int part, int parts, SpinBarrier? barrier";

        // ---- inference, one sample
        w.Line($"/// <summary>{Title(b)}: one sample, with the running statistics: y = f((x − mean) · γ / √(var + ε) + β).</summary>");
        w.Line(Names.Hot);
        w.Line($"internal static void Layer{n}Forward(ref float p, ref float state, ref float x, ref float y) => Layer{n}ForwardBatch(ref p, ref state, ref x, ref y, 1, 1, 1);");
        w.Line();

        // y = f((x − m) · k + shift) for channel c's values of every sample, closing the channel loop; then the output blocks' unused lanes cleared.
        void EmitNormalise()
        {
            if (vectorForward)
                w.Line($"ChannelNormalize(ref x, inLanes, ref y, outLanes, {channel}, m, k, shift, {relu});");
            else
                EmitSampleLoop(w, b, () =>
                    w.Line($"At(ref y, yAt + q * outLanes) = {Activations.Apply(b.Activation, "(At(ref x, xAt + q * inLanes) - m) * k + shift")};"));
            w.Close();
            w.Line($"ClearLanes(ref y, count, outLanes, {size});");
        }

        // ---- inference, a batch
        w.Line($"/// <summary>{Title(b)}: <paramref name=\"count\"/> samples, with the running statistics, from blocks of <paramref name=\"inLanes\"/> into blocks of <paramref name=\"outLanes\"/> (1: row-major).</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}ForwardBatch(ref float p, ref float state, ref float x, ref float y, int count, int inLanes, int outLanes)");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"float m = At(ref state, {mean} + c);");
        w.Line($"float k = At(ref p, {gamma} + c) / {Names.MathF}.Sqrt(At(ref state, {variance} + c) + {eps});");
        w.Line($"float shift = At(ref p, {beta} + c);");
        EmitNormalise();
        w.Close();
        w.Line();

        // ---- training forward
        w.Line("/// <summary>");
        w.Line($"/// {Title(b)}: training forward over <paramref name=\"count\"/> samples with the statistics of the batch of");
        w.Line("/// <paramref name=\"batch\"/>, from blocks of <paramref name=\"inLanes\"/> into blocks of <paramref name=\"outLanes\"/> (1: row-major).");
        w.Line("/// The whole batch (<paramref name=\"parts\"/> = 1), or one part's slice of it: the parts then add their partial sums, met at");
        w.Line("/// the barrier, in part order. Writes stats = [mean, 1/√(var + ε), biased var] per channel");
        w.Line($"/// ({channels} each) for the backward pass and the running statistics, and y = f((x − mean) · γ/√(var + ε) + β).");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainForward(ref float p, ref float x, ref float y, int count, int inLanes, int outLanes, ref float stats, {partArguments})");
        w.Line($"double n = (double)batch * {positions};");
        w.Open("if (parts > 1)");
        w.Line("// Each part's sums over its slice, then (once every part's are there) its squares about the batch's mean.");
        w.Line($"ref double own = ref Unsafe.Add(ref sync, part * {sharedPerPart} + {own});");
        w.Line($"for (int c = 0; c < {channels}; c++) Unsafe.Add(ref own, c) = ChannelSum(ref x, {inputChannel});");
        w.Line("barrier!.SignalAndWait();");
        w.Line($"for (int c = 0; c < {channels}; c++) Unsafe.Add(ref own, {channels} + c) = ChannelSquares(ref x, {inputChannel}, {Parts(0)} / n);");
        w.Line("barrier.SignalAndWait();");
        w.Close();
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line("// Mean, then the biased variance about it (two passes, in double: no cancellation).");
        w.Line($"double mu = parts > 1 ? {Parts(0)} / n : ChannelSum(ref x, {inputChannel}) / n;");
        w.Line($"double variance = parts > 1 ? {Parts(channels)} / n : ChannelSquares(ref x, {inputChannel}, mu) / n;");
        w.Line("float m = (float)mu, invStd = (float)(1.0 / " + Names.Math + ".Sqrt(variance + " + eps + "));");
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
        w.Line($"/// {Title(b)}: training backward. With x̂ = (x − mean)/√(var + ε) and dy = ∂E/∂z (in blocks of <paramref name=\"outLanes\"/>),");
        w.Line("/// ∂E/∂γ = Σ dy·x̂, ∂E/∂β = Σ dy over the batch (written by part 0; the other parts write zeros, so that the parts'");
        w.Line("/// gradients add up to the batch's), and ∂E/∂x = γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)), times f′ of");
        w.Line($"/// layer {n - 1} ({Activations.Describe(activation)}), into dzBelow (in blocks of <paramref name=\"inLanes\"/>, as x). A part adds the");
        w.Line("/// parts' partial sums, met at the barrier, in part order.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainBackward(ref float p, ref float g, ref float x, ref float dz, ref float dzBelow, int count, int inLanes, int outLanes, ref float stats, {partArguments})");
        w.Line($"double n = (double)batch * {positions};");
        w.Open("if (parts > 1)");
        w.Line($"ref double own = ref Unsafe.Add(ref sync, part * {sharedPerPart} + {own + 2 * channels});");
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"ChannelGradientSums(ref x, inLanes, ref dz, outLanes, {channel}, At(ref stats, c), At(ref stats, {channels} + c), out double partDy, out double partDyXhat);");
        w.Line("Unsafe.Add(ref own, c) = partDy;");
        w.Line($"Unsafe.Add(ref own, {channels} + c) = partDyXhat;");
        w.Close();
        w.Line("barrier!.SignalAndWait();");
        w.Close();
        w.Open($"for (int c = 0; c < {channels}; c++)");
        w.Line($"float m = At(ref stats, c), invStd = At(ref stats, {channels} + c);");
        w.Line("double sumDy, sumDyXhat;");
        w.Open("if (parts > 1)");
        w.Line($"sumDy = {Parts(2 * channels)};");
        w.Line($"sumDyXhat = {Parts(3 * channels)};");
        w.Close();
        w.Line($"else ChannelGradientSums(ref x, inLanes, ref dz, outLanes, {channel}, m, invStd, out sumDy, out sumDyXhat);");
        w.Line($"At(ref g, {gamma} + c) = part == 0 ? (float)sumDyXhat : 0f;");
        w.Line($"At(ref g, {beta} + c) = part == 0 ? (float)sumDy : 0f;");
        w.Line($"float k = At(ref p, {gamma} + c) * invStd, meanDy = (float)(sumDy / n), meanDyXhat = (float)(sumDyXhat / n);");
        if (activation == ActivationKind.Identity)
            w.Line($"ChannelInputGradient(ref x, inLanes, ref dz, outLanes, ref dzBelow, {channel}, m, invStd, k, meanDy, meanDyXhat);");
        else
            EmitSampleLoop(w, b, () =>
            {
                w.Line("float xv = At(ref x, xAt + q * inLanes);");
                w.Line("float dx = k * (At(ref dz, yAt + q * outLanes) - meanDy - (xv - m) * invStd * meanDyXhat);");
                w.Line($"At(ref dzBelow, xAt + q * inLanes) = {Activations.ScalarDerivativeTimes(activation, "xv", "dx")};");
            });
        w.Close();
        w.Line($"ClearLanes(ref dzBelow, count, inLanes, {size});");
        w.Close();
        w.Line();
    }

    /// <summary>
    /// For every sample s and position q of channel c: xAt = where channel c of sample s starts in x (blocks of inLanes),
    /// yAt = where it starts in y and dz (blocks of outLanes); position q is that many lanes on.
    /// </summary>
    private static void EmitSampleLoop(SourceWriter w, BatchNormLayerSpec b, System.Action body)
    {
        w.Open("for (int s = 0; s < count; s++)");
        string start = b.Positions == 1 ? "c" : $"c * {b.Positions}";
        w.Line($"int xAt = s / inLanes * inLanes * {b.InputSize} + s % inLanes + {start} * inLanes;");
        w.Line($"int yAt = s / outLanes * outLanes * {b.InputSize} + s % outLanes + {start} * outLanes;");
        w.Open($"for (int q = 0; q < {b.Positions}; q++)");
        body();
        w.Close();
        w.Close();
    }
}
