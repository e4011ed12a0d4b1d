using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;

namespace NetCompiler.Generator.Emit.Layers.Dropout;

/// <summary>[Dropout(p)], p in [0, 1).</summary>
internal static class DropoutParser
{
    public static DropoutLayerSpec? Parse(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        if (args.Length < 1 || args[0].Value is not float rate)
        {
            malformed = true;
            return null;
        }
        if (!(rate >= 0 && rate < 1))
        {
            c.Report(DiagnosticDescriptors.DropoutRateOutOfRange, c.Name, LayerSpec.Format(rate));
            return null;
        }
        if (c.Input is null) return null;
        return new DropoutLayerSpec(c.Index, c.Input, rate, c.Offset);
    }
}
