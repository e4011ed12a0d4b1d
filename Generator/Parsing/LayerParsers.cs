using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parsing;

/// <summary>What a layer parser needs: its attribute, the shape it receives (null when an earlier layer was invalid), and where to report.</summary>
internal sealed record LayerContext(int Index, AttributeData Data, Location Location, Shape? Input, string InputSource, int Offset, List<DiagnosticInfo> Diagnostics,
    string NetworkName)
{
    public string Name => $"layer {Index + 1} ({LayerParsers.KindName(Data.AttributeClass!.ToDisplayString())})";

    public void Report(DiagnosticDescriptor descriptor, params object[] args)
        => Diagnostics.Add(DiagnosticInfo.Create(descriptor, Location, args));

    /// <summary>NC0004 unless <paramref name="value"/> is positive.</summary>
    public bool Positive(string what, int value)
    {
        if (value > 0) return true;
        Report(DiagnosticDescriptors.NonPositiveSize, $"The {what} of {Name}", value);
        return false;
    }

    public int? Named(string name)
    {
        foreach (var named in Data.NamedArguments)
            if (named.Key == name && named.Value.Value is int value) return value;
        return null;
    }

    public bool NamedBool(string name, bool fallback)
    {
        foreach (var named in Data.NamedArguments)
            if (named.Key == name && named.Value.Value is bool value) return value;
        return fallback;
    }

    public bool Activation(int value, out ActivationKind activation)
    {
        activation = (ActivationKind)value;
        if (Enum.IsDefined(typeof(ActivationKind), value)) return true;
        Report(DiagnosticDescriptors.UnknownEnumValue, value, "Activation",
            string.Join(", ", Enum.GetNames(typeof(ActivationKind)).Select(n => "Activation." + n)));
        return false;
    }

    /// <summary>NC0012 unless the input is [channels, height, width].</summary>
    public bool SpatialInput()
    {
        if (Input is null || Input.Spatial) return true;
        Report(DiagnosticDescriptors.ShapeMismatch, Capitalised,
            $"it needs a [channels, height, width] input, but {InputSource} gives a flat vector {Input}: " +
            (InputSource.StartsWith("[Input", StringComparison.Ordinal)
                ? "declare the input as [Input(channels, height, width)]"
                : "put convolution and pooling layers before dense ones"));
        return false;
    }

    public string Capitalised => char.ToUpperInvariant(Name[0]) + Name.Substring(1);
}

/// <summary>One parser per layer attribute: read the arguments, check them against the incoming shape, build the spec.</summary>
internal static class LayerParsers
{
    public static string KindName(string attributeName) => NetworkParser.ShortName(attributeName);

    private static int Argument(AttributeData data, int index, ref bool malformed)
    {
        if (data.ConstructorArguments.Length > index && data.ConstructorArguments[index].Value is int value) return value;
        malformed = true;
        return 0;
    }

    public static LayerSpec? Dense(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        int units = Argument(c.Data, 0, ref malformed);
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

    public static LayerSpec? Conv2D(LayerContext c, ref bool malformed)
    {
        var args = c.Data.ConstructorArguments;
        // (filters, kernel, activation) or (filters, kernelHeight, kernelWidth, activation)
        bool rectangular = args.Length == 4 || (args.Length == 3 && args[2].Type?.SpecialType == SpecialType.System_Int32);
        int filters = Argument(c.Data, 0, ref malformed);
        int kh = Argument(c.Data, 1, ref malformed);
        int kw = rectangular ? Argument(c.Data, 2, ref malformed) : kh;
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

    public static LayerSpec? Pool2D(LayerContext c, PoolKind kind, ref bool malformed)
    {
        int size = Argument(c.Data, 0, ref malformed);
        if (malformed) return null;
        int? explicitStride = c.Named("Stride");
        bool ok = c.Positive("window size", size);
        // Stride = 0 is the attribute's default and means "the window size"; a negative one is an error.
        int stride = explicitStride is null or 0 ? size : explicitStride.Value;
        if (explicitStride is < 0) ok &= c.Positive("stride", explicitStride.Value);
        int padding = c.Named("Padding") ?? 0;
        if (padding < 0)
        {
            c.Report(DiagnosticDescriptors.NegativePoolPadding, c.Name, padding);
            ok = false;
        }
        else if (size > 0 && 2L * padding > size)
        {
            c.Report(DiagnosticDescriptors.PoolPaddingTooLarge, c.Name, padding, size, size / 2, 2L * padding);
            ok = false;
        }
        ok &= c.SpatialInput();
        if (!ok || c.Input is null) return null;
        long paddedHeight = c.Input.Height + 2L * padding, paddedWidth = c.Input.Width + 2L * padding;
        if (padding == 0 && (size > c.Input.Height || size > c.Input.Width))
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its {size}×{size} window does not fit its input {c.Input}: use a smaller window or remove a pooling layer before it");
            return null;
        }
        if (size > paddedHeight || size > paddedWidth)
        {
            c.Report(DiagnosticDescriptors.PoolOutputEmpty, c.Capitalised, size, c.Input, paddedHeight, paddedWidth);
            return null;
        }
        if (stride > Math.Max(paddedHeight, paddedWidth))
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its stride {stride} is larger than its input {c.Input}{(padding > 0 ? $" padded to {paddedHeight}×{paddedWidth}" : "")}, so the window is applied once: use a stride of at most {Math.Max(paddedHeight, paddedWidth)}");
            return null;
        }
        // Without padding every window covers size² inputs: CountIncludePad makes no difference, and the spec keeps its default.
        bool countIncludePad = padding == 0 || c.NamedBool("CountIncludePad", true);
        return new Pool2DLayerSpec(c.Index, c.Input, kind, size, stride, c.Offset, padding, countIncludePad);
    }
}
