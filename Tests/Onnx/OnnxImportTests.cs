using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Google.Protobuf;
using NetCompiler.Onnx;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Onnx.OnnxTestSupport;

namespace NetCompiler.Tests.Onnx;

/// <summary>
/// Models trained and exported by PyTorch (Tests/Fixtures/onnx/make_fixtures.py) go through what <c>netcompiler import</c>
/// does: the generated class is compiled with the source generator in the test, the .ncmf loaded with
/// <c>ModelFile.Load&lt;T&gt;</c>, and Predict and PredictBatch are checked against PyTorch's own outputs.
/// </summary>
public class OnnxImportTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Fixtures => new()
    {
        { "mlp_tanh_sigmoid", "Input(20) Dense(16,Tanh) Dense(12,Sigmoid) Dense(4) HalfSquaredError" },
        { "mlp_matmul_add", "Input(10) Dense(8,ReLU) Dense(3) HalfSquaredError" },
        { "lenet5", "Input(1,28,28) Conv2D(6,5x5,Padding=2,ReLU) MaxPool2D(2) Conv2D(16,5x5,ReLU) MaxPool2D(2) Dense(120,ReLU) Dense(84,ReLU) Dense(10) SoftmaxCrossEntropy" },
        { "cnn_strided_pools", "Input(3,32,32) Conv2D(8,3x3,Stride=2,Padding=1,ReLU) AvgPool2D(3,Stride=2,Padding=1) Conv2D(12,3x3,Stride=2,Padding=1,Tanh) AvgPool2D(3,Stride=1,Padding=1,ExcludePad) MaxPool2D(2) Dense(10) SoftmaxCrossEntropy" },
        { "conv_bn_relu", "Input(1,12,12) Conv2D(4,3x3,Padding=1,ReLU) MaxPool2D(2) Conv2D(8,3x3,ReLU) Dense(16,ReLU) Dense(3) HalfSquaredError" },
        { "conv_bn_relu_preserve", "Input(1,12,12) Conv2D(4,3x3,Padding=1,ReLU) MaxPool2D(2) Conv2D(8,3x3,ReLU) Dense(16,ReLU) Dense(3) HalfSquaredError" },
    };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Imported_network_matches_PyTorch(string fixture, string architecture)
    {
        string dir = TempDirectory();
        var (model, sourcePath, modelPath) = ModelConversion.ImportToFiles(Fixture(fixture + ".onnx"), "Imported", "Fixtures." + fixture, dir);
        Assert.Equal(architecture, model.Network.Architecture);

        Assembly assembly = GeneratorHarness.CompileAndLoad(File.ReadAllText(sourcePath));
        Type type = assembly.GetType($"Fixtures.{fixture}.Imported", throwOnError: true)!;
        Assert.Equal(architecture, OnnxTestSupport.Architecture(type));
        INetwork net = Load(type, modelPath);

        Batch batch = ReadBatch(fixture);
        Assert.Equal(model.Network.InputSize, batch.InputSize);
        // LeNet-5 ends in LogSoftmax; NetCompiler's classifiers return the probabilities.
        float[] expected = fixture == "lenet5" ? batch.Outputs.Select(MathF.Exp).ToArray() : batch.Outputs;
        var (single, batched) = Run(net, batch.Inputs, batch.InputSize, batch.OutputSize);
        double worstSingle = AssertClose(expected, single, fixture + " Predict");
        double worstBatch = AssertClose(expected, batched, fixture + " PredictBatch");
        output.WriteLine($"{fixture}: {batch.Count} samples × {batch.OutputSize} outputs, largest relative error Predict {worstSingle:E2}, PredictBatch {worstBatch:E2}");
    }

    [Fact]
    public void Unsupported_operator_is_refused_naming_the_node_and_nothing_is_written()
    {
        string dir = TempDirectory();
        var error = Assert.Throws<OnnxImportException>(() =>
            ModelConversion.ImportToFiles(Fixture("unsupported_grouped_conv.onnx"), "Grouped", null, dir));
        Assert.Equal("node '/c1/Conv' (Conv): group=2 is not supported (grouped convolutions)", error.Message);
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir));
    }

    [Fact]
    public void Typed_float_data_imports_like_raw_data()
    {
        byte[] raw = File.ReadAllBytes(Fixture("mlp_tanh_sigmoid.onnx"));
        var model = global::Onnx.ModelProto.Parser.ParseFrom(raw);
        foreach (var tensor in model.Graph.Initializer)
        {
            Assert.True(tensor.HasRawData);
            float[] values = new float[tensor.RawData.Length / 4];
            Buffer.BlockCopy(tensor.RawData.ToByteArray(), 0, values, 0, tensor.RawData.Length);
            tensor.ClearRawData();
            tensor.FloatData.AddRange(values);
        }
        ImportedModel fromRaw = OnnxImporter.Import(raw);
        ImportedModel fromTyped = OnnxImporter.Import(model.ToByteArray());
        Assert.Equal(fromRaw.Network.Architecture, fromTyped.Network.Architecture);
        Assert.Equal(fromRaw.Parameters.Select(BitConverter.SingleToInt32Bits), fromTyped.Parameters.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void BatchNormalization_folded_by_PyTorch_and_kept_import_to_the_same_network()
    {
        ImportedModel folded = OnnxImporter.Import(Fixture("conv_bn_relu.onnx"));
        ImportedModel kept = OnnxImporter.Import(Fixture("conv_bn_relu_preserve.onnx"));
        Assert.Equal(folded.Network.Architecture, kept.Network.Architecture);
        Assert.Equal(3, kept.Notes.Count(n => n.StartsWith("BatchNormalization", StringComparison.Ordinal)));
        // PyTorch folds in float32, the importer in float64: the two differ by rounding only.
        for (int i = 0; i < folded.Parameters.Length; i++)
            Assert.True(Math.Abs(folded.Parameters[i] - kept.Parameters[i]) <= 1e-5 * Math.Abs(folded.Parameters[i]) + 1e-7,
                $"parameter {i}: {folded.Parameters[i]} folded by PyTorch, {kept.Parameters[i]} folded at import");
    }
}
