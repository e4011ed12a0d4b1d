using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parsing;

/// <summary>
/// What a layer's parser (<c>ILayerUnit.Parse</c>) needs: its attribute, the shape it receives (null when an earlier
/// layer was invalid), where its parameters and its state start, and where to report.
/// </summary>
/// <param name="Index">The layer's index, from 0.</param>
/// <param name="Data">Its attribute.</param>
/// <param name="Location">Where the attribute is, for diagnostics.</param>
/// <param name="Input">The shape it receives; null when an earlier layer was invalid.</param>
/// <param name="InputSource">What gives it that shape, for diagnostics: <c>[Input(...)]</c> or <c>layer n (Kind)</c>.</param>
/// <param name="Offset">Where its parameters start in the flat parameter vector.</param>
/// <param name="StateOffset">Where its state starts in the network's state (<see cref="LayerSpec.StateCount"/>).</param>
/// <param name="Diagnostics">Where its diagnostics go.</param>
/// <param name="NetworkName">The network class's name.</param>
internal sealed record LayerContext(int Index, AttributeData Data, Location Location, Shape? Input, string InputSource, int Offset, int StateOffset,
    List<DiagnosticInfo> Diagnostics, string NetworkName)
{
    /// <summary>The attribute's full name, e.g. <c>NetCompiler.DenseAttribute</c>.</summary>
    public string AttributeName => Data.AttributeClass!.ToDisplayString();

    /// <summary>The layer as diagnostics name it, e.g. <c>layer 2 (Dense)</c>.</summary>
    public string Name => $"layer {Index + 1} ({NetworkParser.ShortName(AttributeName)})";

    public void Report(DiagnosticDescriptor descriptor, params object[] args)
        => Diagnostics.Add(DiagnosticInfo.Create(descriptor, Location, args));

    /// <summary>NC0004 unless <paramref name="value"/> is positive.</summary>
    public bool Positive(string what, int value)
    {
        if (value > 0) return true;
        Report(DiagnosticDescriptors.NonPositiveSize, $"The {what} of {Name}", value);
        return false;
    }

    /// <summary>Constructor argument <paramref name="index"/> as an int; sets <paramref name="malformed"/> when it is missing or not one.</summary>
    public int Argument(int index, ref bool malformed)
    {
        if (Data.ConstructorArguments.Length > index && Data.ConstructorArguments[index].Value is int value) return value;
        malformed = true;
        return 0;
    }

    public int? Named(string name)
    {
        foreach (var named in Data.NamedArguments)
            if (named.Key == name && named.Value.Value is int value) return value;
        return null;
    }

    public float? NamedFloat(string name)
    {
        foreach (var named in Data.NamedArguments)
            if (named.Key == name && named.Value.Value is float value) return value;
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
