using System;
using System.CommandLine;
using System.IO;
using NetCompiler.Onnx;

namespace NetCompiler.Cli;

/// <summary>The <c>netcompiler</c> command: ONNX import and export, and inspection of .onnx and .ncmf files.</summary>
public static class Program
{
    /// <summary>Exit code of a refused or failed command (the message is on standard error).</summary>
    public const int Failure = 1;

    /// <summary>Runs the command line <paramref name="args"/>.</summary>
    public static int Main(string[] args) => Build().Parse(args).Invoke();

    /// <summary>The root command with its import, export and inspect subcommands.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("NetCompiler's command-line tool: brings ONNX models (as PyTorch exports them) into NetCompiler, " +
                                   "sends NetCompiler models out as ONNX, and describes both.");

        var importModel = new Argument<FileInfo>("MODEL.onnx") { Description = "The ONNX model to import." };
        var name = new Option<string>("--name", "-n") { Description = "The C# class name of the network (also names the .cs and .ncmf files).", Required = true };
        var ns = new Option<string?>("--namespace") { Description = "The namespace of the class (none if omitted)." };
        var output = new Option<DirectoryInfo>("--output", "-o")
        {
            Description = "The directory to write ClassName.cs and ClassName.ncmf to (created if missing).",
            DefaultValueFactory = _ => new DirectoryInfo("."),
        };
        var compiled = new Option<bool>("--compiled-parameters")
        {
            Description = "Name ClassName.ncmf in [Network(Parameters = \"ClassName.ncmf\")] so the build compiles the parameters in " +
                          "(add the .ncmf to the project as an AdditionalFiles item).",
        };
        var import = new Command("import", "Import an ONNX model: writes the annotated partial class that declares the network (ClassName.cs) " +
                                           "and its parameters as a NetCompiler model file (ClassName.ncmf). Nothing is written if the model cannot be imported.")
        {
            importModel, name, ns, output, compiled,
        };
        import.SetAction(result => Run(() =>
        {
            FileInfo model = result.GetValue(importModel)!;
            var (imported, sourcePath, modelPath) = ModelConversion.ImportToFiles(model.FullName, result.GetValue(name)!,
                result.GetValue(ns), result.GetValue(output)!.FullName, result.GetValue(compiled));
            Console.WriteLine($"Imported {model.Name}: {imported.Network.Architecture} ({imported.Network.ParameterCount:N0} parameters)");
            foreach (string note in imported.Notes) Console.WriteLine("  " + note);
            Console.WriteLine($"Wrote {sourcePath}");
            Console.WriteLine($"Wrote {modelPath}");
        }));

        var exportModel = new Argument<FileInfo>("MODEL.ncmf") { Description = "The NetCompiler model file to export." };
        var exportOutput = new Option<FileInfo>("--output", "-o") { Description = "The ONNX file to write.", Required = true };
        var export = new Command("export", "Export a NetCompiler model file as an ONNX model (opset 13) for ONNX Runtime and other ONNX tools. " +
                                           "The model file carries the architecture, so no compiled network is needed.")
        {
            exportModel, exportOutput,
        };
        export.SetAction(result => Run(() =>
        {
            FileInfo model = result.GetValue(exportModel)!;
            FileInfo target = result.GetValue(exportOutput)!;
            NetworkDescription network = ModelConversion.Export(model.FullName, target.FullName);
            Console.WriteLine($"Exported {model.Name}: {network.Architecture} ({network.ParameterCount:N0} parameters)");
            Console.WriteLine($"Wrote {target.FullName} (ONNX opset {OnnxExporter.OpsetVersion}; input 'input' [batch, {string.Join(", ", network.InputShape)}], output 'output' [batch, {string.Join(", ", network.Output.Dimensions)}])");
        }));

        var inspectFile = new Argument<FileInfo>("FILE") { Description = "An .onnx or .ncmf file." };
        var inspect = new Command("inspect", "Describe an .onnx or .ncmf file: its layers, their shapes and parameter counts " +
                                             "(for ONNX, its nodes and what NetCompiler makes of them). Fails if the file is not a model NetCompiler can use.")
        {
            inspectFile,
        };
        inspect.SetAction(result =>
        {
            bool importable = false;
            int code = Run(() =>
            {
                Console.Write(ModelConversion.Inspect(result.GetValue(inspectFile)!.FullName, out importable));
            });
            return code != 0 ? code : importable ? 0 : Failure;
        });

        root.Add(import);
        root.Add(export);
        root.Add(inspect);
        return root;
    }

    /// <summary>Runs <paramref name="action"/>; a bad file or argument becomes a one-line message and <see cref="Failure"/>.</summary>
    private static int Run(Action action)
    {
        try
        {
            action();
            return 0;
        }
        catch (Exception ex) when (ex is OnnxImportException or InvalidDataException or IOException or UnauthorizedAccessException
                                       or ArgumentException or FormatException or NotSupportedException)
        {
            Console.Error.WriteLine("error: " + ex.Message);
            return Failure;
        }
    }
}
