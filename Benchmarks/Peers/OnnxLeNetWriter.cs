using System;
using System.Runtime.InteropServices;
using static NetCompiler.Benchmarks.LeNetSpec;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>The ONNX graph of LeNet-5 (see <see cref="WriteLeNet"/>), written with the same protobuf helpers as the MLPs.</summary>
public static partial class OnnxModelWriter
{
    private const int TensorInt64 = 7;     // TensorProto.DataType.INT64
    private const int AttributeInts = 7;   // AttributeProto.AttributeType.INTS

    /// <summary>
    /// LeNet-5 for input <c>x [N, 784]</c>: <c>Reshape</c> to [N, 1, 28, 28] → <c>Conv</c>(5×5, pads 2) → <c>Relu</c> →
    /// <c>MaxPool</c>(2×2, strides 2) → <c>Conv</c>(5×5) → <c>Relu</c> → <c>MaxPool</c> → <c>Flatten</c>(axis 1, channel-major
    /// like NetCompiler) → <c>Gemm</c>(transB=1) → <c>Relu</c> → <c>Gemm</c> → <c>Relu</c> → <c>Gemm</c> → <c>Softmax</c>;
    /// output <c>y [N, 10]</c>. Conv weights stay [out, in, kh, kw] as NetCompiler stores them.
    /// </summary>
    public static byte[] WriteLeNet(ReadOnlySpan<float> p)
    {
        var graph = new Proto().String(2, "netcompiler_lenet5");
        graph.Message(5, Int64Tensor("image_shape", -1, C1In, C1Size, C1Size));
        graph.Message(1, Node("Reshape", "reshape", ["x", "image_shape"], "image"));

        graph.Message(5, Tensor("C1W", p.Slice(C1W, C1B - C1W), C1Out, C1In, K, K));
        graph.Message(5, Tensor("C1B", p.Slice(C1B, C1Out), C1Out));
        graph.Message(1, Node("Conv", "conv1", ["image", "C1W", "C1B"], "c1", Ints("kernel_shape", K, K), Ints("pads", C1Pad, C1Pad, C1Pad, C1Pad)));
        graph.Message(1, Node("Relu", "relu1", ["c1"], "r1"));
        graph.Message(1, Node("MaxPool", "pool1", ["r1"], "s2", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)));

        graph.Message(5, Tensor("C3W", p.Slice(C3W, C3B - C3W), C3Out, C3In, K, K));
        graph.Message(5, Tensor("C3B", p.Slice(C3B, C3Out), C3Out));
        graph.Message(1, Node("Conv", "conv2", ["s2", "C3W", "C3B"], "c3", Ints("kernel_shape", K, K)));
        graph.Message(1, Node("Relu", "relu2", ["c3"], "r3"));
        graph.Message(1, Node("MaxPool", "pool2", ["r3"], "s4", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)));
        graph.Message(1, Node("Flatten", "flatten", ["s4"], "flat", new Proto().String(1, "axis").Int64(3, 1).Int64(20, AttributeInt)));

        string x = "flat";
        (string Name, int W, int B, int In, int Out, bool Relu)[] dense =
        [
            ("F5", F5W, F5B, F5In, F5Out, true),
            ("F6", F6W, F6B, F5Out, F6Out, true),
            ("F7", F7W, F7B, F6Out, OutputSize, false),
        ];
        foreach (var d in dense)
        {
            graph.Message(5, Tensor(d.Name + "W", p.Slice(d.W, d.In * d.Out), d.Out, d.In));
            graph.Message(5, Tensor(d.Name + "B", p.Slice(d.B, d.Out), d.Out));
            graph.Message(1, Node("Gemm", "gemm" + d.Name, [x, d.Name + "W", d.Name + "B"], "z" + d.Name,
                new Proto().String(1, "transB").Int64(3, 1).Int64(20, AttributeInt)));
            x = "z" + d.Name;
            if (d.Relu)
            {
                graph.Message(1, Node("Relu", "relu" + d.Name, [x], "a" + d.Name));
                x = "a" + d.Name;
            }
        }
        graph.Message(1, Node("Softmax", "softmax", [x], "p", new Proto().String(1, "axis").Int64(3, -1).Int64(20, AttributeInt)));
        graph.Message(1, Node("Identity", "output", ["p"], "y"));
        graph.Message(11, Value("x", InputSize));
        graph.Message(12, Value("y", OutputSize));

        return new Proto()
            .Int64(1, IrVersion)
            .Message(8, new Proto().String(1, "").Int64(2, OpsetVersion))
            .String(2, "NetCompiler.Benchmarks")
            .Message(7, graph)
            .ToArray();
    }

    /// <summary>AttributeProto {name = 1, ints = 8 (repeated), type = 20: INTS}.</summary>
    private static Proto Ints(string name, params long[] values)
    {
        var attribute = new Proto().String(1, name);
        foreach (long v in values) attribute.Int64(8, v);
        return attribute.Int64(20, AttributeInts);
    }

    /// <summary>A 1-D INT64 TensorProto (e.g. a shape for Reshape).</summary>
    private static Proto Int64Tensor(string name, params long[] values) =>
        new Proto().Int64(1, values.Length).Int64(2, TensorInt64).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
}
