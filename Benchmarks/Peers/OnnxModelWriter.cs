using System;
using System.IO;
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// Writes an ONNX <c>ModelProto</c> for a dense MLP, field by field as onnx.proto numbers them, so that ONNX Runtime
/// runs exactly the weights NetCompiler has (no Python, no model file on disk). The graph, for input <c>x [N, in]</c>:
/// per layer <c>Gemm(x, W, b, transB=1)</c> (W stays [out, in] as NetCompiler stores it), then Relu/Tanh/Sigmoid,
/// and <c>Softmax(axis=-1)</c> at the end for a softmax cross-entropy network; output <c>y [N, out]</c>.
/// </summary>
public static partial class OnnxModelWriter
{
    private const long IrVersion = 8;      // ONNX 1.10+ file format
    private const long OpsetVersion = 17;  // default domain ai.onnx
    private const int TensorFloat = 1;     // TensorProto.DataType.FLOAT
    private const int AttributeInt = 2;    // AttributeProto.AttributeType.INT

    public static byte[] Write(MlpSpec spec, ReadOnlySpan<float> parameters)
    {
        var graph = new Proto().String(2, "netcompiler_mlp");                   // GraphProto.name
        string x = "x";
        for (int l = 0; l < spec.Layers.Length; l++)
        {
            DenseLayer layer = spec.Layers[l];
            string w = $"W{l + 1}", b = $"B{l + 1}", z = $"z{l + 1}";
            graph.Message(5, Tensor(w, parameters.Slice(spec.WeightOffsets[l], layer.WeightCount), layer.Out, layer.In)); // initializer
            graph.Message(5, Tensor(b, parameters.Slice(spec.BiasOffsets[l], layer.Out), layer.Out));
            graph.Message(1, Node("Gemm", $"gemm{l + 1}", [x, w, b], z,                                                   // node
                new Proto().String(1, "transB").Int64(3, 1).Int64(20, AttributeInt)));                                 // AttributeProto name, i, type
            string? op = layer.Activation switch
            {
                Activation.ReLU => "Relu",
                Activation.Tanh => "Tanh",
                Activation.Sigmoid => "Sigmoid",
                _ => null,
            };
            x = z;
            if (op is not null)
            {
                graph.Message(1, Node(op, $"act{l + 1}", [z], $"a{l + 1}"));
                x = $"a{l + 1}";
            }
        }
        if (spec.Softmax)
        {
            graph.Message(1, Node("Softmax", "softmax", [x], "p", new Proto().String(1, "axis").Int64(3, -1).Int64(20, AttributeInt)));
            x = "p";
        }
        graph.Message(1, Node("Identity", "output", [x], "y"));
        graph.Message(11, Value("x", spec.InputSize));                                                                   // input
        graph.Message(12, Value("y", spec.OutputSize));                                                                  // output

        return new Proto()
            .Int64(1, IrVersion)                                                          // ModelProto.ir_version
            .Message(8, new Proto().String(1, "").Int64(2, OpsetVersion))               // opset_import {domain, version}
            .String(2, "NetCompiler.Benchmarks")                                          // producer_name
            .Message(7, graph)                                                            // graph
            .ToArray();
    }

    /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5.</summary>
    private static Proto Node(string op, string name, string[] inputs, string output, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (string input in inputs) node.String(1, input);
        node.String(2, output).String(3, name).String(4, op);
        foreach (Proto attribute in attributes) node.Message(5, attribute);
        return node;
    }

    /// <summary>TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian floats).</summary>
    private static Proto Tensor(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new Proto();
        foreach (long d in dims) tensor.Int64(1, d);
        return tensor.Int64(2, TensorFloat).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values));
    }

    /// <summary>ValueInfoProto {name = 1, type = 2: TypeProto {tensor_type = 1: {elem_type = 1, shape = 2: {dim = 1: [N, size]}}}}.</summary>
    private static Proto Value(string name, int size)
    {
        var shape = new Proto()
            .Message(1, new Proto().String(2, "N"))     // Dimension.dim_param: the batch size, free
            .Message(1, new Proto().Int64(1, size));    // Dimension.dim_value
        var tensorType = new Proto().Int64(1, TensorFloat).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensorType));
    }

    /// <summary>A protobuf message being written: each call appends one field (tag, then value).</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _buffer = new();
        private readonly CodedOutputStream _out;

        public Proto() => _out = new CodedOutputStream(_buffer, leaveOpen: true);

        public Proto Int64(int field, long value)
        {
            _out.WriteTag(field, WireFormat.WireType.Varint);
            _out.WriteInt64(value);
            return this;
        }

        public Proto String(int field, string value)
        {
            _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _out.WriteString(value);
            return this;
        }

        public Proto Bytes(int field, ReadOnlySpan<byte> value)
        {
            _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
            _out.WriteBytes(ByteString.CopyFrom(value));
            return this;
        }

        public Proto Message(int field, Proto value) => Bytes(field, value.ToArray());

        public byte[] ToArray()
        {
            _out.Flush();
            return _buffer.ToArray();
        }
    }
}
