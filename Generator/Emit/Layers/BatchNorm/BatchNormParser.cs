using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;

namespace NetCompiler.Generator.Emit.Layers.BatchNorm;

/// <summary>[BatchNorm(activation) { Momentum, Epsilon }] after a dense, convolution or pooling layer.</summary>
internal static class BatchNormParser
{
    public static BatchNormLayerSpec? Parse(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        int activation = args.Length > 0 && args[0].Value is int a ? a : 0;
        if (args.Length > 0 && args[0].Value is not int) malformed = true;
        if (malformed) return null;
        float momentum = c.NamedFloat("Momentum") ?? 0.1f;
        float epsilon = c.NamedFloat("Epsilon") ?? 1e-5f;
        bool ok = c.Activation(activation, out var kind);
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
        {
            c.Report(DiagnosticDescriptors.BatchNormEpsilon, c.Name, LayerSpec.Format(epsilon));
            ok = false;
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            c.Report(DiagnosticDescriptors.BatchNormMomentum, c.Name, LayerSpec.Format(momentum));
            ok = false;
        }
        if (c.Index == 0)
        {
            c.Report(DiagnosticDescriptors.BatchNormFirst, c.Capitalised);
            ok = false;
        }
        if (!ok || c.Input is null) return null;
        return new BatchNormLayerSpec(c.Index, c.Input, kind, momentum, epsilon, c.Offset, c.StateOffset);
    }
}
