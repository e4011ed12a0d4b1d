using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator;
using NetCompiler.Generator.Parameters;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// <c>[Network(Parameters = "….ncmf")]</c>: a valid model file makes the network start with its parameters, exactly as
/// <see cref="ModelFile.Load{TNet}(string)"/> of the same file would; every kind of bad file is its own NC diagnostic at
/// the attribute. (Editing a model file re-runs only its network's data step: see <see cref="IncrementalityTests"/>.)
/// </summary>
public sealed class CompiledParametersTests : IDisposable
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    // The architecture strings are written out here, and hashed by the tests' own FNV-1a, not taken from the generator.
    private const string SmallArchitecture = "Input(4) Dense(3,ReLU) Dense(2) SoftmaxCrossEntropy";
    private const int SmallCount = 4 * 3 + 3 + 3 * 2 + 2;

    private static string Small(string file) =>
        Usings + $"[Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = \"{file}\")] [Input(4)] [Dense(3, Activation.ReLU)] [Dense(2)] public partial class Small {{ }}";

    private readonly string _directory = Directory.CreateTempSubdirectory("netcompiler-params-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string PathOf(string name)
    {
        string path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return path;
    }

    private static float[] RandomParameters(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>A valid model file for <see cref="SmallArchitecture"/>, as ModelFile.Write saves it.</summary>
    private byte[] ValidSmallFile()
    {
        using var stream = new MemoryStream();
        ModelFile.Write(stream, NetCompiler.Tests.Runtime.LinearModel.Fnv1a64(SmallArchitecture), SmallArchitecture, RandomParameters(SmallCount, 1));
        return stream.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteModel(string name, string architecture, float[] parameters)
    {
        string path = PathOf(name);
        ModelFile.Write(path, NetCompiler.Tests.Runtime.LinearModel.Fnv1a64(architecture), architecture, parameters);
        return path;
    }

    /// <summary>Each bad file (made from a valid one) and the diagnostic it must give.</summary>
    public static TheoryData<string, string> BadFiles => new()
    {
        { "missing", "NC0030" },
        { "not .ncmf", "NC0030" },
        { "bad magic", "NC0031" },
        { "empty", "NC0031" },
        { "wrong version", "NC0032" },
        { "truncated", "NC0033" },
        { "extra bytes", "NC0033" },
        { "corrupt checksum", "NC0034" },
        { "wrong architecture", "NC0035" },
        { "wrong parameter count", "NC0036" },
        { "ambiguous", "NC0037" },
        { "unreadable", "NC0038" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public void Bad_model_file_reports_its_id_at_the_Network_attribute(string kind, string id)
    {
        string name = kind == "not .ncmf" ? "model.bin" : "model.ncmf";
        var files = new List<string>();
        byte[] valid = ValidSmallFile();
        switch (kind)
        {
            case "missing":
                files.Add(Write("other.ncmf", valid)); // a model file, but not the one named
                break;
            case "not .ncmf":
                files.Add(Write("model.bin", valid));
                break;
            case "bad magic":
                valid[0] = (byte)'X';
                files.Add(Write(name, valid));
                break;
            case "empty":
                files.Add(Write(name, Array.Empty<byte>()));
                break;
            case "wrong version":
                BinaryPrimitives.WriteUInt32LittleEndian(valid.AsSpan(4), 3);
                files.Add(Write(name, valid));
                break;
            case "truncated":
                files.Add(Write(name, valid[..^10]));
                break;
            case "extra bytes":
                files.Add(Write(name, [.. valid, 0]));
                break;
            case "corrupt checksum":
                valid[valid.Length - 20] ^= 0x40; // a parameter bit: the stored CRC no longer matches
                files.Add(Write(name, valid));
                break;
            case "wrong architecture":
                files.Add(WriteModel(name, "Input(4) Dense(5,ReLU) Dense(2) SoftmaxCrossEntropy", RandomParameters(4 * 5 + 5 + 5 * 2 + 2, 2)));
                break;
            case "wrong parameter count":
                files.Add(WriteModel(name, SmallArchitecture, RandomParameters(SmallCount - 1, 3)));
                break;
            case "ambiguous":
                files.Add(Write(Path.Combine("a", name), valid));
                files.Add(Write(Path.Combine("b", name), valid));
                break;
            case "unreadable":
                files.Add(Path.Combine(_directory, "gone", name)); // listed, but not on disk
                break;
        }

        string source = Small(name);
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { source }),
            GeneratorHarness.CreateDriver(files.Select(f => (AdditionalText)new FileAdditionalText(f))));

        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        string attribute = $"Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = \"{name}\")";
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(source.IndexOf(attribute, StringComparison.Ordinal), attribute.Length),
            diagnostic.Location.SourceSpan);
        Assert.Contains(name, diagnostic.GetMessage(), StringComparison.Ordinal);
        // The generated code still compiles: the build shows the NC error alone, not a cascade.
        Assert.Empty(run.CompilationErrors);
    }

    [Fact]
    public void Valid_model_file_compiles_in_and_predicts_bit_for_bit_as_ModelFile_Load()
    {
        // Wide enough that every vector path and its tails run.
        const string architecture = "Input(37) Dense(45,Tanh) Dense(19,ReLU) Dense(6) SoftmaxCrossEntropy";
        const int count = 37 * 45 + 45 + 45 * 19 + 19 + 19 * 6 + 6;
        const string source = Usings + """
            [Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = "trained/wide.ncmf")]
            [Input(37)] [Dense(45, Activation.Tanh)] [Dense(19, Activation.ReLU)] [Dense(6)]
            public partial class Wide { }
            """;
        string path = WriteModel(Path.Combine("project", "trained", "wide.ncmf"), architecture, RandomParameters(count, 42));

        Assembly assembly = GeneratorHarness.CompileAndLoad(source, additionalTexts: new[] { new FileAdditionalText(path) });
        Type type = assembly.GetType("Models.Wide")!;
        var loaded = (INetwork)Load(type, path);

        // The compiled-in network reads no file: the model file is gone by the time it is created.
        File.Delete(path);
        var compiled = (INetwork)Activator.CreateInstance(type)!;
        var seeded = (INetwork)Activator.CreateInstance(type, 7)!;

        Assert.Equal(Bits(loaded.Parameters.ToArray()), Bits(compiled.Parameters.ToArray()));
        Assert.NotEqual(Bits(loaded.Parameters.ToArray()), Bits(seeded.Parameters.ToArray()));

        const int samples = 53;
        float[] inputs = RandomParameters(samples * 37, 5);
        float[] expected = new float[samples * 6], actual = new float[samples * 6];
        loaded.PredictBatch(inputs, expected);
        compiled.PredictBatch(inputs, actual);
        Assert.Equal(Bits(expected), Bits(actual));
        loaded.Predict(inputs.AsSpan(0, 37), expected.AsSpan(0, 6));
        compiled.Predict(inputs.AsSpan(0, 37), actual.AsSpan(0, 6));
        Assert.Equal(Bits(expected), Bits(actual));

        // LoadCompiledParameters puts them back after a change.
        compiled.Parameters.Clear();
        type.GetMethod("LoadCompiledParameters")!.Invoke(compiled, null);
        Assert.Equal(Bits(loaded.Parameters.ToArray()), Bits(compiled.Parameters.ToArray()));
    }

    // A network with state: 4 → 3, batch normalisation of 3 features (γ, β; running mean and variance), → 2.
    private const string BatchNormArchitecture = "Input(4) Dense(3) BatchNorm(ReLU) Dense(2) SoftmaxCrossEntropy";
    private const int BatchNormCount = 4 * 3 + 3 + 2 * 3 + 3 * 2 + 2, BatchNormState = 2 * 3;

    private static string SmallBatchNorm(string file) =>
        Usings + $"[Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = \"{file}\")] [Input(4)] [Dense(3)] [BatchNorm(Activation.ReLU)] [Dense(2)] public partial class SmallBn {{ }}";

    /// <summary>Running statistics a real network could have: means in [−1, 1], variances in [0.5, 2.5].</summary>
    private static float[] RandomState(int seed) =>
        RandomParameters(BatchNormState, seed).Select((v, i) => i < BatchNormState / 2 ? v : 1.5f + v).ToArray();

    [Fact]
    public void Batch_normalised_network_compiles_in_its_running_statistics_and_predicts_as_ModelFile_Load()
    {
        string path = PathOf("bn.ncmf");
        ModelFile.Write(path, NetCompiler.Tests.Runtime.LinearModel.Fnv1a64(BatchNormArchitecture), BatchNormArchitecture,
            RandomParameters(BatchNormCount, 11), RandomState(12));

        Assembly assembly = GeneratorHarness.CompileAndLoad(SmallBatchNorm("bn.ncmf"), additionalTexts: new[] { new FileAdditionalText(path) });
        Type type = assembly.GetType("Models.SmallBn")!;
        var loaded = (ITrainingModeNetwork)Load(type, path);
        File.Delete(path);
        var compiled = (ITrainingModeNetwork)Activator.CreateInstance(type)!;

        Assert.Equal(Bits(loaded.Parameters.ToArray()), Bits(compiled.Parameters.ToArray()));
        Assert.Equal(Bits(RandomState(12)), Bits(compiled.State.ToArray()));
        Assert.Equal(Bits(loaded.State.ToArray()), Bits(compiled.State.ToArray()));

        const int samples = 21;
        float[] inputs = RandomParameters(samples * 4, 13);
        float[] expected = new float[samples * 2], actual = new float[samples * 2];
        loaded.PredictBatch(inputs, expected);
        compiled.PredictBatch(inputs, actual);
        Assert.Equal(Bits(expected), Bits(actual));
        loaded.Predict(inputs.AsSpan(0, 4), expected.AsSpan(0, 2));
        compiled.Predict(inputs.AsSpan(0, 4), actual.AsSpan(0, 2));
        Assert.Equal(Bits(expected), Bits(actual));

        // A seeded network starts untrained: running mean 0, variance 1.
        var seeded = (ITrainingModeNetwork)Activator.CreateInstance(type, 7)!;
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1 }, seeded.State.ToArray());
    }

    [Theory]
    [InlineData("no state", "has no running statistics (format version 1)")]
    [InlineData("wrong state count", "holds 5 floats of state, and the network has 6")]
    public void Batch_normalised_network_needs_its_state_in_the_model_file(string kind, string message)
    {
        string path = PathOf("bn.ncmf");
        ulong hash = NetCompiler.Tests.Runtime.LinearModel.Fnv1a64(BatchNormArchitecture);
        float[] parameters = RandomParameters(BatchNormCount, 11);
        if (kind == "no state") ModelFile.Write(path, hash, BatchNormArchitecture, parameters);
        else ModelFile.Write(path, hash, BatchNormArchitecture, parameters, RandomState(12)[..5]);

        string source = SmallBatchNorm("bn.ncmf");
        var run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { source }),
            GeneratorHarness.CreateDriver(new[] { (AdditionalText)new FileAdditionalText(path) }));

        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NC0074", diagnostic.Id);
        Assert.Contains(message, diagnostic.GetMessage(), StringComparison.Ordinal);
        string attribute = "Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = \"bn.ncmf\")";
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(source.IndexOf(attribute, StringComparison.Ordinal), attribute.Length),
            diagnostic.Location.SourceSpan);
        Assert.Empty(run.CompilationErrors);
    }

    /// <summary><see cref="ModelFile.Load{TNet}(string)"/> for a network type compiled at test time.</summary>
    private static object Load(Type type, string path)
        => typeof(ModelFile).GetMethods()
            .Single(m => m.Name == nameof(ModelFile.Load) && m.IsGenericMethod && m.GetParameters() is [{ ParameterType: var p }] && p == typeof(string))
            .MakeGenericMethod(type)
            .Invoke(null, new object[] { path })!;

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
