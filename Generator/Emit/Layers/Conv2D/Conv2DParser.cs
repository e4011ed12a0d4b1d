using System;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>[Conv2D(filters, kernel[, kernelWidth], activation) { Stride, Padding, Bias }]: checks the arguments against the incoming shape and makes the spec.</summary>
internal static class Conv2DParser
{
    public static Conv2DLayerSpec? Parse(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        // (filters, kernel, activation) or (filters, kernelHeight, kernelWidth, activation)
        bool rectangular = args.Length == 4 || (args.Length == 3 && args[2].Type?.SpecialType == SpecialType.System_Int32);
        int filters = c.Argument(0, ref malformed);
        int kh = c.Argument(1, ref malformed);
        int kw = rectangular ? c.Argument(2, ref malformed) : kh;
        int activationIndex = rectangular ? 3 : 2;
        int activation = args.Length > activationIndex && args[activationIndex].Value is int a ? a : 0;
        if (malformed) return null;
        int stride = c.Named("Stride") ?? 1;
        int padding = c.Named("Padding") ?? 0;
        bool ok = c.Positive("number of filters", filters);
        if (rectangular)
        {
            ok &= c.Positive("kernel height", kh);
            ok &= c.Positive("kernel width", kw);
        }
        else ok &= c.Positive("kernel size", kh);
        ok &= c.Positive("stride", stride);
        if (padding < 0)
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised, $"its padding is {padding}: padding is the number of zeros added on each side, 0 or more");
            ok = false;
        }
        ok &= c.Activation(activation, out var kind);
        ok &= c.SpatialInput();
        if (!ok || c.Input is null) return null;
        if (kw > NetworkLimits.MaxKernelWidth)
        {
            c.Report(DiagnosticDescriptors.TooLarge, c.NetworkName, $"the kernel width of {c.Name} ({NetworkLimits.Format(kw)})",
                $"{NetworkLimits.MaxKernelWidth}, the widest kernel whose rows the generated code unrolls into methods the JIT still optimises");
            return null;
        }
        long paddedHeight = c.Input.Height + 2L * padding, paddedWidth = c.Input.Width + 2L * padding;
        long padded = NetworkLimits.Product(c.Input.Channels, paddedHeight, paddedWidth);
        if (padded > NetworkLimits.MaxArrayLength)
        {
            c.Report(DiagnosticDescriptors.TooLarge, c.NetworkName,
                $"the padded input of {c.Name} ({c.Input.Channels} × {NetworkLimits.Format(paddedHeight)} × {NetworkLimits.Format(paddedWidth)} = {NetworkLimits.Format(padded)} floats)", SizeChecks.ArrayLimit);
            return null;
        }
        if (kh > paddedHeight || kw > paddedWidth)
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its {kh}×{kw} kernel is larger than its input {c.Input} padded to {paddedHeight}×{paddedWidth}: use a smaller kernel, more padding, or fewer pooling layers before it");
            return null;
        }
        if (stride > Math.Max(paddedHeight, paddedWidth))
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its stride {stride} is larger than its input {c.Input} padded to {paddedHeight}×{paddedWidth}, so the kernel is applied once: use a stride of at most {Math.Max(paddedHeight, paddedWidth)}");
            return null;
        }
        long outputs = NetworkLimits.Product(filters, (paddedHeight - kh) / stride + 1, (paddedWidth - kw) / stride + 1);
        if (outputs > NetworkLimits.MaxArrayLength)
        {
            c.Report(DiagnosticDescriptors.TooLarge, c.NetworkName,
                $"the output of {c.Name} ({NetworkLimits.Format(outputs)} floats)", SizeChecks.ArrayLimit);
            return null;
        }
        long weights = NetworkLimits.Product(filters, c.Input.Channels, kh, kw);
        if (weights > NetworkLimits.MaxParameters)
        {
            c.Report(DiagnosticDescriptors.TooLarge, c.NetworkName,
                $"the weights of {c.Name} ({NetworkLimits.Format(weights)} floats)", SizeChecks.ParameterLimit);
            return null;
        }
        return new Conv2DLayerSpec(c.Index, c.Input, filters, kh, kw, stride, padding, kind, c.NamedBool("Bias", true), c.Offset);
    }
}
