using System.Globalization;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers.Dropout;

/// <summary>
/// The kernels of an inverted-dropout layer. Inference copies (into blocks when the layer above is a convolution or
/// pooling layer). Training keeps unit i of sample s when the counter-based hash of (the step's layer key, s, i) is at
/// or above the rate's threshold, scaling it by 1/(1 − rate); the backward pass recomputes the same mask, so nothing is
/// stored between the passes. The input is always row-major; the output and its ∂E/∂z are in blocks of <c>lanes</c>
/// samples when the layer above is a convolution or pooling layer (<see cref="BlockEmitter"/>), row-major otherwise
/// (<c>lanes</c> = 1).
/// </summary>
internal static class DropoutEmitter
{
    /// <summary>The hash's 24 high bits are compared with this: a unit is dropped when they are below it.</summary>
    public static long Threshold(DropoutLayerSpec d) => (long)System.Math.Round(d.Rate * (double)(1 << 24));

    private static string Scale(DropoutLayerSpec d) => ((float)(1.0 / (1.0 - d.Rate))).ToString("R", CultureInfo.InvariantCulture) + "f";

    public static string Title(DropoutLayerSpec d)
        => $"Layer {d.Number}: dropout of {d.Input} at rate {LayerSpec.Format(d.Rate)} (kept values × {Scale(d)})";

    public static string Describe(DropoutLayerSpec d) => $"dropout, rate {LayerSpec.Format(d.Rate)} (identity in inference)";

    public static string ForwardCall(DropoutLayerSpec d, string input, string output)
        => $"{Names.Kernels}.Layer{d.Number}Forward(ref {input}, ref {output});";

    public static string ForwardBatchCall(DropoutLayerSpec d, string input, string output, string count, string lanes)
        => $"{Names.Kernels}.Layer{d.Number}ForwardBatch(ref {input}, ref {output}, {count}, {lanes});";

    public static void EmitKernels(SourceWriter w, DropoutLayerSpec d, ActivationKind? below)
    {
        int n = d.Number, size = d.InputSize;
        string threshold = Threshold(d) + "UL", scale = Scale(d);

        w.Line($"/// <summary>{Title(d)}: inference, one sample: the identity.</summary>");
        w.Line(Names.Hot);
        w.Line($"internal static void Layer{n}Forward(ref float x, ref float y) => {Names.MemoryMarshal}.CreateReadOnlySpan(ref x, {size}).CopyTo({Names.MemoryMarshal}.CreateSpan(ref y, {size}));");
        w.Line();
        w.Line($"/// <summary>{Title(d)}: inference over <paramref name=\"count\"/> row-major samples: the identity, into blocks of <paramref name=\"lanes\"/> (1: a copy).</summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}ForwardBatch(ref float x, ref float y, int count, int lanes)");
        w.Open("if (lanes == 1)");
        w.Line($"{Names.MemoryMarshal}.CreateReadOnlySpan(ref x, count * {size}).CopyTo({Names.MemoryMarshal}.CreateSpan(ref y, count * {size}));");
        w.Line("return;");
        w.Close();
        w.Open("for (int s = 0; s < count; s++)");
        w.Line($"ref float xs = ref At(ref x, s * {size});");
        w.Line($"int at = s / lanes * lanes * {size} + s % lanes;");
        w.Line($"for (int i = 0; i < {size}; i++) At(ref y, at + i * lanes) = At(ref xs, i);");
        w.Close();
        w.Line($"ClearLanes(ref y, count, lanes, {size});");
        w.Close();
        w.Line();

        w.Line("/// <summary>");
        w.Line($"/// {Title(d)}: training forward over <paramref name=\"count\"/> row-major samples, sample s being sample");
        w.Line("/// firstSample + s of the batch: unit i is kept when DropoutKeeps(its sample key, i), into blocks of <paramref name=\"lanes\"/>.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainForward(ref float x, ref float y, int count, int lanes, ulong key, int firstSample)");
        w.Open("for (int s = 0; s < count; s++)");
        w.Line("ulong sample = DropoutSampleKey(key, firstSample + s);");
        w.Line($"ref float xs = ref At(ref x, s * {size});");
        w.Line($"int at = s / lanes * lanes * {size} + s % lanes;");
        w.Line($"for (int i = 0; i < {size}; i++) At(ref y, at + i * lanes) = DropoutKeeps(sample, i, {threshold}) ? At(ref xs, i) * {scale} : 0f;");
        w.Close();
        w.Line($"ClearLanes(ref y, count, lanes, {size});");
        w.Close();
        w.Line();

        if (below is not { } activation) return;   // dropout of the input: nothing below to hand ∂E/∂z to
        w.Line("/// <summary>");
        w.Line($"/// {Title(d)}: training backward: ∂E/∂x = ∂E/∂y × {scale} where the unit was kept (the same mask, recomputed), else 0;");
        w.Line($"/// times f′ of layer {n - 1} ({Activations.Describe(activation)}), into dzBelow (row-major); dz is in blocks of <paramref name=\"lanes\"/>.");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open($"internal static void Layer{n}TrainBackward(ref float x, ref float dz, ref float dzBelow, int count, int lanes, ulong key, int firstSample)");
        w.Open("for (int s = 0; s < count; s++)");
        w.Line("ulong sample = DropoutSampleKey(key, firstSample + s);");
        w.Line($"ref float xs = ref At(ref x, s * {size});");
        w.Line($"ref float below = ref At(ref dzBelow, s * {size});");
        w.Line($"int at = s / lanes * lanes * {size} + s % lanes;");
        w.Open($"for (int i = 0; i < {size}; i++)");
        w.Line($"float d = DropoutKeeps(sample, i, {threshold}) ? At(ref dz, at + i * lanes) * {scale} : 0f;");
        w.Line($"At(ref below, i) = {Activations.ScalarDerivativeTimes(activation, "At(ref xs, i)", "d")};");
        w.Close();
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>The hash the masks are drawn from, once per network with dropout layers: SplitMix64's finaliser over the keys.</summary>
    public static void EmitHashHelpers(SourceWriter w)
    {
        w.Line("/// <summary>SplitMix64's finaliser: a bijection of 64-bit words in which every output bit depends on every input bit.</summary>");
        w.Line(Names.Inline);
        w.Open("internal static ulong Mix(ulong z)");
        w.Line("z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;");
        w.Line("z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;");
        w.Line("return z ^ (z >> 31);");
        w.Close();
        w.Line();
        w.Line("/// <summary>The key of a dropout layer's masks in one training step: a hash of the seed, the step and the layer.</summary>");
        w.Line("internal static ulong DropoutKey(int seed, long step, int layer) => Mix(Mix(Mix((ulong)(uint)seed ^ 0x9E3779B97F4A7C15UL) ^ (ulong)step) ^ (ulong)layer);");
        w.Line();
        w.Line("/// <summary>The key of one sample's mask: the layer's key hashed with the sample's index in the batch.</summary>");
        w.Line(Names.Inline);
        w.Line("internal static ulong DropoutSampleKey(ulong key, int sample) => Mix(key ^ (ulong)(uint)sample);");
        w.Line();
        w.Line("/// <summary>Whether the unit is kept: the top 24 bits of its hash are at or above the threshold (the rate × 2²⁴).</summary>");
        w.Line(Names.Inline);
        w.Line("internal static bool DropoutKeeps(ulong sample, int unit, ulong threshold) => Mix(sample + (ulong)unit * 0x9E3779B97F4A7C15UL) >> 40 >= threshold;");
    }
}
