using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parsing;

/// <summary>The parsers of [BatchNorm] and [Dropout], the layers whose training differs from inference.</summary>
internal static class TrainingModeParsers
{
    public const string BatchNormAttributeName = "NetCompiler.BatchNormAttribute";
    public const string DropoutAttributeName = "NetCompiler.DropoutAttribute";

    public static readonly string[] AttributeNames = { BatchNormAttributeName, DropoutAttributeName };

    private static float? NamedFloat(AttributeData data, string name)
    {
        foreach (var named in data.NamedArguments)
            if (named.Key == name && named.Value.Value is float value) return value;
        return null;
    }

    private static string Show(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>[BatchNorm(activation) { Momentum, Epsilon }] after a dense, convolution or pooling layer.</summary>
    public static LayerSpec? BatchNorm(LayerContext c, IReadOnlyList<LayerSpec> below, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        int activation = args.Length > 0 && args[0].Value is int a ? a : 0;
        if (args.Length > 0 && args[0].Value is not int) malformed = true;
        if (malformed) return null;
        float momentum = NamedFloat(c.Data, "Momentum") ?? 0.1f;
        float epsilon = NamedFloat(c.Data, "Epsilon") ?? 1e-5f;
        bool ok = c.Activation(activation, out var kind);
        if (!(epsilon > 0) || float.IsInfinity(epsilon))
        {
            c.Report(DiagnosticDescriptors.BatchNormEpsilon, c.Name, Show(epsilon));
            ok = false;
        }
        if (!(momentum >= 0 && momentum <= 1))
        {
            c.Report(DiagnosticDescriptors.BatchNormMomentum, c.Name, Show(momentum));
            ok = false;
        }
        if (c.Index == 0)
        {
            c.Report(DiagnosticDescriptors.BatchNormFirst, c.Capitalised);
            ok = false;
        }
        if (!ok || c.Input is null) return null;
        int stateOffset = below.OfType<BatchNormLayerSpec>().Sum(b => b.StateCount);
        return new BatchNormLayerSpec(c.Index, c.Input, kind, momentum, epsilon, c.Offset, stateOffset);
    }

    /// <summary>[Dropout(p)], p in [0, 1).</summary>
    public static LayerSpec? Dropout(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        if (args.Length < 1 || args[0].Value is not float rate)
        {
            malformed = true;
            return null;
        }
        if (!(rate >= 0 && rate < 1))
        {
            c.Report(DiagnosticDescriptors.DropoutRateOutOfRange, c.Name, Show(rate));
            return null;
        }
        if (c.Input is null) return null;
        return new DropoutLayerSpec(c.Index, c.Input, rate, c.Offset);
    }
}
