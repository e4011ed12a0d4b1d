using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace NetCompiler.Onnx;

/// <summary>
/// Writes a NetCompiler network as an ONNX model (opset 13) that ONNX Runtime and other ONNX tools run: input
/// <c>input</c> [batch, ...input shape], output <c>output</c> [batch, ...output shape]. Conv2D becomes <c>Conv</c>, Dense
/// <c>Gemm</c> (transB=1, after a <c>Flatten</c> when its input is spatial), pooling <c>MaxPool</c> or
/// <c>AveragePool</c> (with <c>count_include_pad</c>), BatchNorm <c>BatchNormalization</c> (inference form: γ, β and
/// the running statistics of the network's state as initializers), Dropout nothing (it is the identity at inference),
/// each activation its own node, and a softmax cross-entropy network ends in <c>Softmax</c>, so the ONNX model returns
/// what <c>Predict</c> returns.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The ONNX operator set the exported models use.</summary>
    public const int OpsetVersion = 13;

    /// <summary>Writes the model file at <paramref name="modelFile"/> (.ncmf) as ONNX to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="InvalidDataException">The model file is corrupt, of an architecture this build cannot export, or
    /// lacks the state (running statistics) its batch normalisations need (a format-version-1 file).</exception>
    public static void ExportModelFile(string modelFile, string path)
    {
        ModelFileContents contents = ModelFile.Read(modelFile);
        NetworkDescription network = ReadArchitecture(contents, modelFile);
        if (contents.State.Length != network.StateCount)
            throw new InvalidDataException(contents.State.Length == 0
                ? $"Model file '{modelFile}' holds no state, but \"{contents.Architecture}\" needs {network.StateCount} floats of it " +
                  "(the running mean and variance of its batch normalisations): save the trained network again with ModelFile.Save, which writes them (format version 2)."
                : $"Model file '{modelFile}' holds {contents.State.Length} floats of state, but \"{contents.Architecture}\" has {network.StateCount}.");
        AtomicFiles.Write(path, Export(network, contents.Parameters, contents.State).ToByteArray());
    }

    /// <summary>Writes the live network <paramref name="net"/> (with its <see cref="ITrainingModeNetwork.State"/>, if any)
    /// as ONNX to <paramref name="path"/>, atomically.</summary>
    public static void Export<TNet>(TNet net, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        AtomicFiles.Write(path, ExportBytes(net));
    }

    /// <summary>The live network <paramref name="net"/> (with its <see cref="ITrainingModeNetwork.State"/>, if any) as ONNX bytes.</summary>
    public static byte[] ExportBytes<TNet>(TNet net) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        NetworkDescription network = NetworkDescription.Parse(TNet.Architecture);
        var parameters = new float[TNet.ParameterCount];
        net.CopyParametersTo(parameters);
        ReadOnlySpan<float> state = net is ITrainingModeNetwork stateful ? stateful.State : default;
        return Export(network, parameters, state).ToByteArray();
    }

    /// <summary>The network <paramref name="network"/> with <paramref name="parameters"/> (canonical order) as ONNX bytes;
    /// for a network without batch normalisation.</summary>
    /// <exception cref="ArgumentException">The parameter count is wrong, or the network has state (batch normalisation):
    /// use the overload that takes it.</exception>
    public static byte[] ExportBytes(NetworkDescription network, ReadOnlySpan<float> parameters) => Export(network, parameters, default).ToByteArray();

    /// <summary>The network <paramref name="network"/> with <paramref name="parameters"/> (canonical order) and
    /// <paramref name="state"/> (<see cref="NetworkDescription.StateCount"/> floats: the running mean then variance of
    /// each batch normalisation, as <see cref="ITrainingModeNetwork.State"/>) as ONNX bytes.</summary>
    /// <exception cref="ArgumentException">The parameter or state count is wrong.</exception>
    public static byte[] ExportBytes(NetworkDescription network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
        => Export(network, parameters, state).ToByteArray();

    /// <summary>Reads a model file's architecture, with the file named in the error.</summary>
    internal static NetworkDescription ReadArchitecture(ModelFileContents contents, string source)
    {
        NetworkDescription network;
        try
        {
            network = NetworkDescription.Parse(contents.Architecture);
        }
        catch (FormatException ex)
        {
            throw new InvalidDataException($"Model file '{source}': {ex.Message}", ex);
        }
        if (network.ArchitectureHash != contents.ArchitectureHash)
            throw new InvalidDataException($"Model file '{source}': its architecture hash 0x{contents.ArchitectureHash:X16} is not that of \"{contents.Architecture}\" (0x{network.ArchitectureHash:X16}).");
        if (network.ParameterCount != contents.Parameters.Length)
            throw new InvalidDataException($"Model file '{source}' holds {contents.Parameters.Length} parameters, but \"{contents.Architecture}\" has {network.ParameterCount}.");
        return network;
    }

    internal static ModelProto Export(NetworkDescription network, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (parameters.Length != network.ParameterCount)
            throw new ArgumentException($"{network.Architecture} has {network.ParameterCount} parameters, not {parameters.Length}.", nameof(parameters));
        if (state.Length != network.StateCount)
            throw new ArgumentException(state.Length == 0
                ? $"{network.Architecture} needs its state ({network.StateCount} floats: the running mean and variance of its batch normalisations) to be exported, but none was given."
                : $"{network.Architecture} has {network.StateCount} floats of state, not {state.Length}.", nameof(state));

        var graph = new GraphProto { Name = "NetCompiler", DocString = network.Architecture };
        graph.Input.Add(ValueInfo("input", network.InputShape.ToArray()));
        string current = "input";
        bool flat = network.InputShape.Count == 1;
        foreach (PlacedLayer placed in network.Layers)
        {
            string prefix = $"/layer{placed.Index + 1}";
            string Next(string op) => $"{prefix}/{op}_output_0";
            switch (placed.Layer)
            {
                case DenseLayer dense:
                {
                    if (!flat)
                    {
                        graph.Node.Add(Node("Flatten", prefix + "/Flatten", [current], Next("Flatten"), Int("axis", 1)));
                        current = Next("Flatten");
                        flat = true;
                    }
                    string[] inputs = Parameters(graph, placed, parameters, current, [dense.Units, placed.Input.Size]);
                    graph.Node.Add(Node("Gemm", prefix + "/Gemm", inputs, Next("Gemm"),
                        Float("alpha", 1f), Float("beta", 1f), Int("transB", 1)));
                    current = Next("Gemm");
                    break;
                }
                case Conv2DLayer conv:
                {
                    string[] inputs = Parameters(graph, placed, parameters, current,
                        [conv.Filters, placed.Input.Channels, conv.KernelHeight, conv.KernelWidth]);
                    graph.Node.Add(Node("Conv", prefix + "/Conv", inputs, Next("Conv"),
                        Ints("dilations", 1, 1), Int("group", 1), Ints("kernel_shape", conv.KernelHeight, conv.KernelWidth),
                        Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding), Ints("strides", conv.Stride, conv.Stride)));
                    current = Next("Conv");
                    break;
                }
                case Pool2DLayer pool:
                {
                    string op = pool.Kind == PoolKind.Max ? "MaxPool" : "AveragePool";
                    var node = Node(op, prefix + "/" + op, [current], Next(op), Int("ceil_mode", 0), Ints("kernel_shape", pool.Size, pool.Size),
                        Ints("pads", pool.Padding, pool.Padding, pool.Padding, pool.Padding), Ints("strides", pool.Stride, pool.Stride));
                    if (pool.Kind == PoolKind.Average) node.Attribute.Add(Int("count_include_pad", pool.CountIncludePad ? 1 : 0));
                    graph.Node.Add(node);
                    current = Next(op);
                    break;
                }
                case BatchNormLayer batchNorm:
                {
                    // Inference form (opset 9–13 BatchNormalization): y = scale·(x − mean)/√(var + epsilon) + B over axis 1,
                    // the features of [N, C] or the channels of [N, C, H, W]. ONNX's momentum weighs the old running
                    // statistics, NetCompiler's (PyTorch's) the batch's, so it is written as 1 − momentum, as PyTorch does.
                    int channels = BatchNormLayer.Channels(placed.Input);
                    string scale = $"layer{placed.Index + 1}.weight", shift = $"layer{placed.Index + 1}.bias";
                    string mean = $"layer{placed.Index + 1}.running_mean", variance = $"layer{placed.Index + 1}.running_var";
                    graph.Initializer.Add(Tensor(scale, [channels], parameters.Slice(placed.ParameterOffset, channels)));
                    graph.Initializer.Add(Tensor(shift, [channels], parameters.Slice(placed.BiasOffset, channels)));
                    graph.Initializer.Add(Tensor(mean, [channels], state.Slice(placed.StateOffset, channels)));
                    graph.Initializer.Add(Tensor(variance, [channels], state.Slice(placed.StateOffset + channels, channels)));
                    graph.Node.Add(Node("BatchNormalization", prefix + "/BatchNormalization", [current, scale, shift, mean, variance],
                        Next("BatchNormalization"), Float("epsilon", batchNorm.Epsilon), Float("momentum", 1f - batchNorm.Momentum)));
                    current = Next("BatchNormalization");
                    break;
                }
                case DropoutLayer:
                    break; // the identity at inference: no node
                default:
                    throw new NotSupportedException($"Layer {placed.Layer.Describe()} has no ONNX form.");
            }
            if (placed.Layer.Activation != Activation.Identity)
            {
                string op = placed.Layer.Activation switch
                {
                    Activation.ReLU => "Relu",
                    Activation.Tanh => "Tanh",
                    Activation.Sigmoid => "Sigmoid",
                    var a => throw new NotSupportedException($"Activation {a} has no ONNX form."),
                };
                graph.Node.Add(Node(op, prefix + "/" + op, [current], Next(op)));
                current = Next(op);
            }
        }
        if (network.Loss == Loss.SoftmaxCrossEntropy)
        {
            graph.Node.Add(Node("Softmax", "/Softmax", [current], "/Softmax_output_0", Int("axis", 1)));
            current = "/Softmax_output_0";
        }
        // The last node writes the graph output directly (a network of dropout alone needs one to do so).
        if (current == "input") graph.Node.Add(Node("Identity", "/Identity", [current], "/Identity_output_0"));
        graph.Node[^1].Output[0] = "output";
        graph.Output.Add(ValueInfo("output", network.Output.Dimensions));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "NetCompiler",
            ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
            DocString = "Exported from a NetCompiler network: " + network.Architecture,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = "netcompiler.architecture", Value = network.Architecture });
        return model;
    }

    /// <summary>Adds a layer's weights (<paramref name="weightDims"/>, PyTorch's layout) and bias, if any, as
    /// initializers <c>layerN.weight</c> and <c>layerN.bias</c>; returns the node's inputs.</summary>
    private static string[] Parameters(GraphProto graph, PlacedLayer placed, ReadOnlySpan<float> parameters, string input, long[] weightDims)
    {
        string weight = $"layer{placed.Index + 1}.weight";
        graph.Initializer.Add(Tensor(weight, weightDims, parameters.Slice(placed.ParameterOffset, placed.WeightCount)));
        if (placed.BiasCount == 0) return [input, weight];
        string bias = $"layer{placed.Index + 1}.bias";
        graph.Initializer.Add(Tensor(bias, [placed.BiasCount], parameters.Slice(placed.BiasOffset, placed.BiasCount)));
        return [input, weight, bias];
    }

    private static ValueInfoProto ValueInfo(string name, int[] sampleShape)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int d in sampleShape) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Tensor(string name, long[] dims, ReadOnlySpan<float> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        byte[] bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian)
            for (int i = 0; i < bytes.Length; i += 4) Array.Reverse(bytes, i, 4);
        tensor.RawData = ByteString.CopyFrom(bytes);
        return tensor;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
