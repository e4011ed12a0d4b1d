using System;
using System.IO;
using System.Linq;
using Google.Protobuf;
using NetCompiler.Onnx;
using Xunit;
using static NetCompiler.Tests.Onnx.OnnxTestSupport;

namespace NetCompiler.Tests.Onnx;

/// <summary>
/// Malformed ONNX input gets an <see cref="OnnxImportException"/> with a clear message, and <c>import</c> leaves the
/// output directory as it was: files already there keep their contents, no new or temporary file appears.
/// </summary>
public class OnnxMalformedInputTests
{
    private const string Previous = "// an earlier import\n";

    [Fact]
    public void Truncated_model() =>
        Refused(File.ReadAllBytes(Fixture("lenet5.onnx"))[..5000], "is not an ONNX model (the protobuf data is truncated or corrupt");

    [Fact]
    public void Text_file_named_onnx() =>
        Refused("Input(784) Dense(128,ReLU) Dense(10)\nThis is a text file, not a model.\n"u8.ToArray(), "is not an ONNX model");

    [Fact]
    public void Empty_file() => Refused([], "is not an ONNX model");

    [Fact]
    public void Shapes_that_do_not_chain()
    {
        // fc2 takes 16 inputs; give it weights for 15 (whole, consistent tensors).
        var model = Mlp();
        var weight = model.Graph.Initializer.Single(t => t.Name == "fc2.weight");
        weight.Dims[1] = 15;
        weight.RawData = ByteString.CopyFrom(new byte[12 * 15 * 4]);
        Refused(model.ToByteArray(), "node '/fc2/Gemm' (Gemm): its weights 'fc2.weight' [12, 15] (transB=1) take 15 inputs, but its input [16] has 16: the shapes do not chain");
    }

    [Fact]
    public void Initializer_of_the_wrong_size()
    {
        var model = Mlp();
        var bias = model.Graph.Initializer.Single(t => t.Name == "fc1.bias");
        bias.RawData = ByteString.CopyFrom(bias.RawData.Span[..40]);
        Refused(model.ToByteArray(), "node '/fc1/Gemm' (Gemm): its parameter 'fc1.bias' has shape [16] (16 floats) but 40 bytes of data (10 floats)");
    }

    [Fact]
    public void Graph_with_a_dangling_branch()
    {
        // A second consumer of the first layer's output: not a chain.
        var model = Mlp();
        var extra = new global::Onnx.NodeProto { Name = "side", OpType = "Relu" };
        extra.Input.Add(model.Graph.Node[0].Output[0]);
        extra.Output.Add("side_output");
        model.Graph.Node.Add(extra);
        Refused(model.ToByteArray(), "feeds 2 nodes");
    }

    private static global::Onnx.ModelProto Mlp() => global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Fixture("mlp_tanh_sigmoid.onnx")));

    private static void Refused(byte[] onnx, string message)
    {
        string dir = TempDirectory();
        string input = Path.Combine(dir, "model.onnx");
        File.WriteAllBytes(input, onnx);
        string output = Path.Combine(dir, "out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "Net.cs"), Previous);

        var error = Assert.Throws<OnnxImportException>(() => ModelConversion.ImportToFiles(input, "Net", null, output));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(["Net.cs"], Directory.EnumerateFileSystemEntries(output).Select(Path.GetFileName));
        Assert.Equal(Previous, File.ReadAllText(Path.Combine(output, "Net.cs")));
    }
}
