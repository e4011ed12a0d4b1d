using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace NetCompiler.Onnx;

/// <summary>The file-level operations behind <c>netcompiler import</c>, <c>export</c> and <c>inspect</c>.</summary>
public static class ModelConversion
{
    /// <summary>
    /// Imports <paramref name="onnxPath"/> and writes <c>ClassName.cs</c> (the declaration) and <c>ClassName.ncmf</c> (the
    /// parameters) to <paramref name="outputDirectory"/>. Everything is checked first; then both files are written to
    /// temporary files and renamed, so on any failure neither file is written or changed.
    /// </summary>
    /// <param name="onnxPath">The ONNX model.</param>
    /// <param name="className">The network class's name.</param>
    /// <param name="ns">Its namespace, or null for none.</param>
    /// <param name="outputDirectory">Where to write; created if missing.</param>
    /// <param name="compiledParameters">Name the .ncmf in <c>[Network(Parameters = "ClassName.ncmf")]</c>, so that the
    /// build compiles the parameters in (the .ncmf must then be an AdditionalFiles item of the project).</param>
    /// <returns>The imported model and the two paths written.</returns>
    /// <exception cref="OnnxImportException">The model cannot be imported.</exception>
    /// <exception cref="ArgumentException">The class name or namespace is not valid C#.</exception>
    public static (ImportedModel Model, string SourcePath, string ModelPath) ImportToFiles(string onnxPath, string className, string? ns,
        string outputDirectory, bool compiledParameters = false)
    {
        ArgumentNullException.ThrowIfNull(onnxPath);
        ArgumentNullException.ThrowIfNull(className);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        if (!CSharpDeclaration.IsValidClassName(className)) throw new ArgumentException($"'{className}' is not a valid C# class name.", nameof(className));
        if (ns is not null && !CSharpDeclaration.IsValidNamespace(ns)) throw new ArgumentException($"'{ns}' is not a valid C# namespace.", nameof(ns));
        ImportedModel model = OnnxImporter.Import(onnxPath);
        string modelName = className + ".ncmf";
        string source = CSharpDeclaration.Write(model.Network, className, ns, compiledParameters ? modelName : null,
            Path.GetFileName(onnxPath), model.Notes);
        using var ncmf = new MemoryStream();
        ModelFile.Write(ncmf, model.Network.ArchitectureHash, model.Network.Architecture, model.Parameters);

        Directory.CreateDirectory(outputDirectory);
        string sourcePath = Path.Combine(outputDirectory, className + ".cs");
        string modelPath = Path.Combine(outputDirectory, modelName);
        AtomicFiles.Write([(sourcePath, new UTF8Encoding(false).GetBytes(source)), (modelPath, ncmf.ToArray())]);
        return (model, sourcePath, modelPath);
    }

    /// <summary>Writes the model file <paramref name="modelFile"/> as ONNX to <paramref name="onnxPath"/> (atomically).</summary>
    public static NetworkDescription Export(string modelFile, string onnxPath)
    {
        OnnxExporter.ExportModelFile(modelFile, onnxPath);
        return OnnxExporter.ReadArchitecture(ModelFile.Read(modelFile), modelFile);
    }

    /// <summary>A description of an .onnx or .ncmf file: for an ONNX model its nodes, then what NetCompiler makes of it
    /// (or why it cannot); for a model file its layers. Layers come with their shapes and parameter counts.</summary>
    /// <param name="path">The file.</param>
    /// <param name="importable">Whether the file is a model NetCompiler can use.</param>
    public static string Inspect(string path, out bool importable)
    {
        ArgumentNullException.ThrowIfNull(path);
        var s = new StringBuilder();
        importable = false;
        if (path.EndsWith(".ncmf", StringComparison.OrdinalIgnoreCase))
        {
            ModelFileContents contents = ModelFile.Read(path);
            NetworkDescription network = OnnxExporter.ReadArchitecture(contents, path);
            s.Append($"NetCompiler model file {Path.GetFileName(path)} (format {(contents.State.Length > 0 ? ModelFormat.StateVersion : ModelFile.FormatVersion)}, architecture hash 0x{contents.ArchitectureHash:X16}" +
                     (contents.State.Length > 0 ? $", {contents.State.Length} floats of state" : "") + ")\n");
            Layers(s, network);
            importable = true;
            return s.ToString();
        }

        byte[] bytes = File.ReadAllBytes(path);
        var model = OnnxImporter.Parse(bytes, Path.GetFileName(path));
        s.Append($"ONNX model {Path.GetFileName(path)}: IR version {model.IrVersion}, opset {string.Join(", ", model.OpsetImport.Select(o => (o.Domain.Length == 0 ? "ai.onnx" : o.Domain) + " " + o.Version))}");
        if (model.ProducerName.Length > 0) s.Append($", produced by {model.ProducerName} {model.ProducerVersion}");
        s.Append('\n');
        s.Append($"Nodes ({model.Graph.Node.Count}):\n");
        foreach (var node in model.Graph.Node)
            s.Append($"  {node.Name} ({node.OpType})\n");
        try
        {
            ImportedModel imported = OnnxImporter.Import(model, Path.GetFileName(path));
            s.Append("As a NetCompiler network:\n");
            Layers(s, imported.Network);
            if (imported.Notes.Count > 0)
            {
                s.Append("Import notes:\n");
                foreach (string note in imported.Notes) s.Append("  ").Append(note).Append('\n');
            }
            importable = true;
        }
        catch (OnnxImportException ex)
        {
            s.Append("Not importable: ").Append(ex.Message).Append('\n');
        }
        return s.ToString();
    }

    private static void Layers(StringBuilder s, NetworkDescription network)
    {
        s.Append($"  Architecture: {network.Architecture}\n");
        var rows = new List<string[]> { new[] { "#", "Layer", "Input", "Output", "Parameters" } };
        rows.Add(["", $"Input", "", ShapeText(network.InputShape.ToArray()), ""]);
        foreach (PlacedLayer l in network.Layers)
            rows.Add([(l.Index + 1).ToString(), l.Layer.Describe(), l.Input.ToString(), l.Output.ToString(), l.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)]);
        rows.Add(["", "Loss: " + network.Loss, "", "", network.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) + " total"]);
        int[] widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (string[] row in rows)
        {
            s.Append("  ");
            for (int c = 0; c < 5; c++)
                s.Append(c == 4 ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c] + 2));
            s.Append('\n');
        }
    }

    private static string ShapeText(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
