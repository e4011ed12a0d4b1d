using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using NetCompiler.Onnx;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Samples.LeNet5;
using NetCompiler.Tests.Generated;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Onnx.OnnxTestSupport;

namespace NetCompiler.Tests.Onnx;

/// <summary>
/// Exported models run in ONNX Runtime (an independent implementation of every operator) and give Predict's outputs;
/// export → import → build gives back the same parameters and the same outputs, bit for bit.
/// </summary>
public class OnnxExportTests(ITestOutputHelper output)
{
    private const int Samples = 7;

    [Fact]
    public void FashionMlp_runs_in_OnnxRuntime() => RunsInOnnxRuntime(New<FashionMlp>(11));

    [Fact]
    public void LeNet5_runs_in_OnnxRuntime() => RunsInOnnxRuntime(New<LeNet5>(12));

    [Fact]
    public void Deep_tanh_regression_network_runs_in_OnnxRuntime() => RunsInOnnxRuntime(New<Deep3HiddenHse>(13));

    [Theory]
    [InlineData("conv_bn_relu_preserve")]
    [InlineData("conv_bn_relu")]
    [InlineData("lenet5")]
    [InlineData("cnn_strided_pools")]
    [InlineData("mlp_tanh_sigmoid")]
    public void Imported_network_exported_from_its_model_file_runs_in_OnnxRuntime(string fixture)
    {
        // A PyTorch model (for the BatchNorm networks: BatchNormalization folded at import) sent back out as ONNX from
        // its .ncmf alone; ONNX Runtime's outputs must be the compiled network's and PyTorch's.
        string dir = TempDirectory();
        var (model, sourcePath, modelPath) = ModelConversion.ImportToFiles(Fixture(fixture + ".onnx"), "Net", "Export." + fixture, dir);
        INetwork net = Load(GeneratorHarness.CompileAndLoad(File.ReadAllText(sourcePath)).GetType($"Export.{fixture}.Net", true)!, modelPath);
        string onnx = Path.Combine(dir, "exported.onnx");
        ModelConversion.Export(modelPath, onnx);

        Batch batch = ReadBatch(fixture);
        float[] ort = RunOnnxRuntime(File.ReadAllBytes(onnx), batch.Inputs, model.Network);
        float[] pytorch = fixture == "lenet5" ? batch.Outputs.Select(MathF.Exp).ToArray() : batch.Outputs; // LogSoftmax there
        var (single, _) = Run(net, batch.Inputs, batch.InputSize, batch.OutputSize);
        output.WriteLine($"{fixture}: ORT vs Predict {AssertClose(single, ort, "ONNX Runtime vs Predict"):E2}; ORT vs PyTorch {AssertClose(pytorch, ort, "ONNX Runtime vs PyTorch"):E2}");
    }

    [Fact]
    public void FashionMlp_export_import_build_gives_the_same_bits() => RoundTripsBitExactly(New<FashionMlp>(21), "FashionMlp");

    [Fact]
    public void LeNet5_export_import_build_gives_the_same_bits() => RoundTripsBitExactly(New<LeNet5>(22), "LeNet5");

    [Fact]
    public void Deep_regression_export_import_build_gives_the_same_bits() => RoundTripsBitExactly(New<Deep3HiddenHse>(23), "Deep3HiddenHse");

    [Fact]
    public void Export_refuses_a_corrupt_model_file_and_writes_nothing()
    {
        string dir = TempDirectory();
        string ncmf = Path.Combine(dir, "net.ncmf");
        ModelFile.Save(New<FashionMlp>(1), ncmf);
        byte[] bytes = File.ReadAllBytes(ncmf);
        File.WriteAllBytes(ncmf, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => ModelConversion.Export(ncmf, Path.Combine(dir, "net.onnx")));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Equal(["net.ncmf"], Directory.EnumerateFiles(dir).Select(Path.GetFileName));
    }

    private static T New<T>(int seed) where T : class, INetwork<T> => T.Create(seed);

    private void RunsInOnnxRuntime<T>(T net) where T : class, INetwork<T>
    {
        NetworkDescription network = NetworkDescription.Parse(T.Architecture);
        float[] inputs = RandomInputs(5, Samples * T.InputSize);
        float[] ort = RunOnnxRuntime(OnnxExporter.ExportBytes(net), inputs, network);
        var (single, batched) = Run(net, inputs, T.InputSize, T.OutputSize);
        double a = AssertClose(single, ort, typeof(T).Name + ": ONNX Runtime vs Predict");
        double b = AssertClose(batched, ort, typeof(T).Name + ": ONNX Runtime vs PredictBatch");
        output.WriteLine($"{typeof(T).Name}: {Samples} samples, largest relative difference ONNX Runtime vs Predict {a:E2}, vs PredictBatch {b:E2}");
    }

    private void RoundTripsBitExactly<T>(T net, string className) where T : class, INetwork<T>
    {
        string dir = TempDirectory();
        string original = Path.Combine(dir, "original.ncmf");
        ModelFile.Save(net, original);
        string onnx = Path.Combine(dir, "exported.onnx");
        ModelConversion.Export(original, onnx);
        var (model, sourcePath, modelPath) = ModelConversion.ImportToFiles(onnx, className, "RoundTrip." + className, Path.Combine(dir, "imported"));

        Assert.Equal(T.Architecture, model.Network.Architecture);
        ModelFileContents before = ModelFile.Read(original), after = ModelFile.Read(modelPath);
        Assert.Equal(before.ArchitectureHash, after.ArchitectureHash);
        Assert.Equal(before.Parameters.Select(BitConverter.SingleToInt32Bits), after.Parameters.Select(BitConverter.SingleToInt32Bits));

        Type type = GeneratorHarness.CompileAndLoad(File.ReadAllText(sourcePath)).GetType($"RoundTrip.{className}.{className}", true)!;
        INetwork rebuilt = Load(type, modelPath);
        float[] inputs = RandomInputs(9, Samples * T.InputSize);
        var (expected, expectedBatch) = Run(net, inputs, T.InputSize, T.OutputSize);
        var (actual, actualBatch) = Run(rebuilt, inputs, T.InputSize, T.OutputSize);
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(expectedBatch.Select(BitConverter.SingleToInt32Bits), actualBatch.Select(BitConverter.SingleToInt32Bits));
        output.WriteLine($"{className}: {T.ParameterCount} parameters and {expected.Length + expectedBatch.Length} outputs identical after export → import → build");
    }
}
