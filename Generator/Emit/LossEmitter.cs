using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>
/// Emits the output-layer kernels: the loss of one sample and ∂E/∂z at the output in the same pass (y − t times f′
/// for ½(y − t)², p − t for softmax cross-entropy), and the softmax that turns logits into probabilities.
/// </summary>
internal static class LossEmitter
{
    /// <summary>Up to this many outputs, the squared-error kernel is straight-line code.</summary>
    private const int UnrollLimit = 4;

    public static void Emit(SourceWriter w, NetworkSpec spec)
    {
        var last = spec.Layers[spec.Layers.Count - 1];
        int outputs = spec.OutputSize;
        if (spec.Loss == LossKind.HalfSquaredError)
        {
            w.Line("/// <summary>");
            w.Line("/// E = ½·Σ(y − t)² for one sample; writes dz = ∂E/∂z = f′·(y − t)·scale, where scale = 1/batch makes the");
            w.Line("/// accumulated gradient a batch mean.");
            w.Line("/// </summary>");
            w.Line(Names.Hot);
            w.Open("internal static double HalfSquaredError(ref float y, ref float t, float scale, ref float dz)");
            if (outputs <= UnrollLimit)
            {
                // A handful of outputs: straight-line code.
                var terms = new System.Collections.Generic.List<string>();
                for (int k = 0; k < outputs; k++)
                {
                    string y = k == 0 ? "y" : $"At(ref y, {k})", t = k == 0 ? "t" : $"At(ref t, {k})", dz = k == 0 ? "dz" : $"At(ref dz, {k})";
                    w.Line($"float y{k} = {y}, e{k} = y{k} - {t};");
                    w.Line($"{dz} = {Activations.ScalarDerivativeTimes(last.Activation, $"y{k}", $"e{k} * scale")};");
                    terms.Add($"e{k} * e{k}");
                }
                w.Line($"return 0.5 * ({string.Join(" + ", terms)});");
            }
            else
            {
                w.Line("double loss = 0;");
                w.Open($"for (int k = 0; k < {outputs}; k++)");
                w.Line("float yk = At(ref y, k);");
                w.Line("float e = yk - At(ref t, k);");
                w.Line("loss += 0.5 * e * e;");
                w.Line($"At(ref dz, k) = {Activations.ScalarDerivativeTimes(last.Activation, "yk", "e * scale")};");
                w.Close();
                w.Line("return loss;");
            }
            w.Close();
            return;
        }

        w.Line("/// <summary>");
        w.Line("/// Softmax cross-entropy for one sample, in one pass over the logits z: writes dz = (p − t)·scale, where p = softmax(z)");
        w.Line("/// and t is the one-hot of <paramref name=\"label\"/>, and returns E = −log p[label] = logsumexp(z) − z[label].");
        w.Line("/// </summary>");
        w.Line(Names.Hot);
        w.Open("internal static double SoftmaxCrossEntropy(ref float z, int label, float scale, ref float dz)");
        w.Line("float sum = Exponentials(ref z, ref dz, out float max);");
        w.Line("float pScale = scale / sum;");
        w.Line($"for (int k = 0; k < {outputs}; k++) At(ref dz, k) *= pScale;");
        w.Line("At(ref dz, label) -= scale;");
        w.Line($"return max + {Names.MathF}.Log(sum) - At(ref z, label);");
        w.Close();
        w.Line();
        w.Line("/// <summary>As above with a probability target t: E = −Σ t·log p = Σ t·(logsumexp(z) − z), dz = (p − t)·scale.</summary>");
        w.Line(Names.Hot);
        w.Open("internal static double SoftmaxCrossEntropy(ref float z, ref float t, float scale, ref float dz)");
        w.Line("float sum = Exponentials(ref z, ref dz, out float max);");
        w.Line($"float logSumExp = max + {Names.MathF}.Log(sum);");
        w.Line("float pScale = scale / sum;");
        w.Line("double loss = 0;");
        w.Open($"for (int k = 0; k < {outputs}; k++)");
        w.Line("float tk = At(ref t, k);");
        w.Line("loss += tk * (logSumExp - At(ref z, k));");
        w.Line("At(ref dz, k) = At(ref dz, k) * pScale - tk * scale;");
        w.Close();
        w.Line("return loss;");
        w.Close();
        w.Line();
        w.Line("/// <summary>e^(z − max z) into e (which may be z itself), returning their sum; subtracting the maximum keeps every exponent ≤ 0.</summary>");
        w.Line(Names.Hot);
        w.Open("private static float Exponentials(ref float z, ref float e, out float max)");
        w.Line("max = z;");
        w.Line($"for (int k = 1; k < {outputs}; k++) max = {Names.MathF}.Max(max, At(ref z, k));");
        w.Line("float sum = 0f;");
        w.Open($"for (int k = 0; k < {outputs}; k++)");
        w.Line($"float ek = {Names.MathF}.Exp(At(ref z, k) - max);");
        w.Line("At(ref e, k) = ek;");
        w.Line("sum += ek;");
        w.Close();
        w.Line("return sum;");
        w.Close();
        w.Line();
        w.Line("/// <summary>Turns logits into class probabilities in place.</summary>");
        w.Line(Names.Hot);
        w.Open("internal static void Softmax(ref float z)");
        w.Line("float sum = Exponentials(ref z, ref z, out _);");
        w.Line("float inverse = 1f / sum;");
        w.Line($"for (int k = 0; k < {outputs}; k++) At(ref z, k) *= inverse;");
        w.Close();
    }
}
