using System;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>[Dense(units, activation) { Bias }]: checks the arguments against the incoming shape and makes the spec.</summary>
internal static class DenseParser
{
    public static DenseLayerSpec? Parse(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        int units = c.Argument(0, ref malformed);
        int activation = args.Length > 1 && args[1].Value is int a ? a : 0;
        if (malformed) return null;
        bool ok = c.Positive("number of units", units);
        ok &= c.Activation(activation, out var kind);
        if (!ok || c.Input is null) return null;
        long weights = (long)c.Input.Size * units;
        bool bias = c.NamedBool("Bias", true);
        if (weights + (bias ? units : 0) > NetworkLimits.MaxParameters)
        {
            c.Report(DiagnosticDescriptors.TooLarge, c.NetworkName,
                $"the parameters of {c.Name} ({NetworkLimits.Format(c.Input.Size)} × {NetworkLimits.Format(units)} = {NetworkLimits.Format(weights)} weights{(bias ? " and " + NetworkLimits.Format(units) + " biases" : "")})",
                SizeChecks.ParameterLimit);
            return null;
        }
        return new DenseLayerSpec(c.Index, c.Input, units, kind, bias, c.Offset);
    }
}
