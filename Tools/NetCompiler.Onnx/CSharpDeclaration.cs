using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace NetCompiler.Onnx;

/// <summary>Writes the annotated <c>partial</c> class that declares a network, for NetCompiler's source generator.</summary>
public static class CSharpDeclaration
{
    private static readonly Regex Identifier = new(@"^@?[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant);

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock",
        "long", "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected",
        "public", "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string",
        "struct", "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort",
        "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Whether <paramref name="name"/> is a C# identifier usable as a class name.</summary>
    public static bool IsValidClassName(string name) => Identifier.IsMatch(name) && !Keywords.Contains(name);

    /// <summary>Whether <paramref name="name"/> is a C# namespace name (identifiers joined by dots).</summary>
    public static bool IsValidNamespace(string name) => name.Split('.').All(IsValidClassName);

    /// <summary>
    /// The C# source of <paramref name="className"/> declaring <paramref name="network"/>.
    /// <paramref name="parametersFile"/>, when given, is named in <c>[Network(Parameters = ...)]</c> so the parameters are
    /// compiled in; <paramref name="source"/> (e.g. the ONNX file's name) and <paramref name="notes"/> go in the summary.
    /// </summary>
    public static string Write(NetworkDescription network, string className, string? ns = null, string? parametersFile = null,
        string? source = null, IReadOnlyList<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (!IsValidClassName(className)) throw new ArgumentException($"'{className}' is not a valid C# class name.", nameof(className));
        if (ns is not null && !IsValidNamespace(ns)) throw new ArgumentException($"'{ns}' is not a valid C# namespace.", nameof(ns));
        var s = new StringBuilder();
        s.Append("using NetCompiler;\n\n");
        if (ns is not null) s.Append("namespace ").Append(ns).Append(";\n\n");
        s.Append("/// <summary>\n");
        s.Append("/// ").Append(Escape(source is null ? "A network" : $"The network of {source}")).Append(", imported by <c>netcompiler import</c>:\n");
        s.Append("/// <c>").Append(Escape(network.Architecture)).Append("</c>, ").Append(network.ParameterCount).Append(" parameters.\n");
        s.Append("/// Its trained parameters are in <c>").Append(Escape(className)).Append(".ncmf</c>");
        s.Append(parametersFile is null
            ? $": load them with <c>ModelFile.Load&lt;{Escape(className)}&gt;(\"{Escape(className)}.ncmf\")</c>.\n"
            : $", compiled into the class: <c>new {Escape(className)}()</c> is the trained network (the project lists the file as an <c>AdditionalFiles</c> item).\n");
        if (notes is { Count: > 0 })
        {
            s.Append("/// <para>Import notes:</para>\n/// <list type=\"bullet\">\n");
            foreach (string note in notes) s.Append("/// <item>").Append(Escape(note)).Append("</item>\n");
            s.Append("/// </list>\n");
        }
        s.Append("/// </summary>\n");
        s.Append("[Network(Loss = Loss.").Append(network.Loss)
            .Append(parametersFile is null ? "" : $", Parameters = \"{parametersFile.Replace("\\", "\\\\").Replace("\"", "\\\"")}\"")
            .Append(")]\n");
        s.Append("[Input(").Append(string.Join(", ", network.InputShape)).Append(")]\n");
        foreach (PlacedLayer layer in network.Layers)
            s.Append('[').Append(layer.Layer.Attribute()).Append("] // ").Append(layer.Input).Append(" -> ").Append(layer.Output)
                .Append(layer.ParameterCount > 0 ? $", {layer.ParameterCount} parameters" : "").Append('\n');
        s.Append("public partial class ").Append(className).Append(" { }\n");
        return s.ToString();
    }

    private static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
