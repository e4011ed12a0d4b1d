using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Onnx;

namespace NetCompiler.Onnx;

/// <summary>An ONNX model read as a NetCompiler network.</summary>
/// <param name="Network">The network declaration.</param>
/// <param name="Parameters">Its parameters in the canonical order (what a model file stores).</param>
/// <param name="Notes">What the import did beyond a one-to-one mapping: folded BatchNormalization and Pad nodes, dropped
/// Dropout and Identity nodes, how the final Softmax or LogSoftmax became the loss.</param>
/// <param name="Nodes">The ONNX graph's nodes in order, as "name (OpType)".</param>
public sealed record ImportedModel(NetworkDescription Network, float[] Parameters, IReadOnlyList<string> Notes, IReadOnlyList<string> Nodes);

/// <summary>
/// Reads an ONNX model, as PyTorch's <c>torch.onnx.export</c> writes it, into a NetCompiler network declaration and its
/// parameters. The graph must be a chain from one input to one output of the operators NetCompiler has layers for:
/// <c>Conv</c>; <c>Gemm</c> or <c>MatMul</c> (+ <c>Add</c>); <c>MaxPool</c>, <c>AveragePool</c>; <c>Relu</c>, <c>Tanh</c>,
/// <c>Sigmoid</c> directly after a layer; <c>Flatten</c> or <c>Reshape</c> to a vector; <c>BatchNormalization</c> after a
/// <c>Conv</c> or <c>Gemm</c> (folded into its weights and bias in double precision, then rounded to float);
/// <c>Dropout</c> and <c>Identity</c> (dropped); a zero <c>Pad</c> before a <c>Conv</c> or <c>AveragePool</c> (folded into
/// its padding); <c>Softmax</c> or <c>LogSoftmax</c> as the last node (a softmax cross-entropy classifier, whose
/// <c>Predict</c> returns probabilities). Shapes computed from the input's shape (<c>Shape</c>, <c>Gather</c>,
/// <c>Unsqueeze</c>, <c>Concat</c>, ...) are evaluated. Anything else is refused with an <see cref="OnnxImportException"/>
/// naming the node, its operator and why.
/// </summary>
public static class OnnxImporter
{
    /// <summary>Imports the ONNX model at <paramref name="path"/>.</summary>
    /// <exception cref="OnnxImportException">The file is not an ONNX model NetCompiler can import.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ImportedModel Import(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Import(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Imports an ONNX model from its bytes; <paramref name="sourceName"/> names it in error messages.</summary>
    /// <exception cref="OnnxImportException">The bytes are not an ONNX model NetCompiler can import.</exception>
    public static ImportedModel Import(byte[] model, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Import(Parse(model, sourceName), sourceName);
    }

    /// <summary>Parses ONNX protobuf bytes, with a clear error for anything that is not an ONNX model.</summary>
    internal static ModelProto Parse(byte[] bytes, string? sourceName)
    {
        string what = sourceName is null ? "The input" : $"'{sourceName}'";
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OnnxImportException($"{what} is not an ONNX model (the protobuf data is {(LooksLikeText(bytes) ? "text, not binary protobuf" : "truncated or corrupt")}: {ex.Message}).", ex);
        }
        if (model.Graph is null || model.Graph.Node.Count == 0 || model.IrVersion <= 0)
            throw new OnnxImportException($"{what} is not an ONNX model (it has no IR version or no graph{(LooksLikeText(bytes) ? "; it looks like a text file" : "")}).");
        return model;
    }

    private static bool LooksLikeText(byte[] bytes)
        => bytes.Length > 0 && bytes.Take(256).All(b => b is (>= 0x20 and < 0x7F) or (byte)'\n' or (byte)'\r' or (byte)'\t');

    internal static ImportedModel Import(ModelProto model, string? sourceName)
    {
        var reader = new GraphReader(model);
        try
        {
            return reader.Read();
        }
        catch (OverflowException ex)
        {
            // Sizes, paddings and strides are read with overflow checks; one past Int32 is a model NetCompiler cannot hold.
            string what = sourceName is null ? "The model" : $"'{sourceName}'";
            throw new OnnxImportException($"{what} holds a size, padding or stride too large for NetCompiler (past {int.MaxValue}).", ex);
        }
    }

    /// <summary>A layer being built; weights and biases in double until the end, so folds round once.</summary>
    private sealed class LayerBuilder
    {
        public required string Kind; // "Dense", "Conv2D", "Pool"
        public required string NodeName;
        public int Outputs; // units or filters
        public double[] Weights = [];
        public double[]? Bias;
        public Activation Activation;
        public int KernelHeight, KernelWidth, Stride = 1, Padding;
        public PoolKind PoolKind;
        public int PoolSize;
        public bool CountIncludePad = true;

        public LayerDescription Build() => Kind switch
        {
            "Dense" => new DenseLayer(Outputs, Activation, Bias is not null),
            "Conv2D" => new Conv2DLayer(Outputs, KernelHeight, KernelWidth, Stride, Padding, Activation, Bias is not null),
            _ => new Pool2DLayer(PoolKind, PoolSize, Stride, Padding, Padding == 0 || CountIncludePad),
        };
    }

    private sealed class GraphReader
    {
        /// <summary>Stands for the batch dimension in evaluated shape tensors.</summary>
        private const long Batch = long.MinValue;

        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly long _opset;
        private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
        private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal); // tensor → [Batch, dims...]
        private readonly Dictionary<string, long[]> _ints = new(StringComparer.Ordinal);
        private readonly HashSet<NodeProto> _handled = new(ReferenceEqualityComparer.Instance);
        private readonly List<LayerBuilder> _layers = [];
        private readonly List<string> _notes = [];

        public GraphReader(ModelProto model)
        {
            _model = model;
            _graph = model.Graph;
            OperatorSetIdProto? opset = model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx");
            if (opset is null) throw new OnnxImportException("The model imports no version of the standard ONNX operator set (ai.onnx).");
            _opset = opset.Version;
            foreach (TensorProto t in _graph.Initializer)
                _constants[t.Name] = t;
            foreach (NodeProto node in _graph.Node)
            {
                foreach (string output in node.Output.Where(o => o.Length > 0))
                    _producers[output] = node;
                foreach (string input in node.Input.Where(i => i.Length > 0))
                {
                    if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = [];
                    list.Add(node);
                }
            }
        }

        private static string Name(NodeProto node) => node.Name.Length > 0 ? node.Name : $"<unnamed {node.OpType} → {node.Output.FirstOrDefault()}>";

        private static OnnxImportException Refuse(NodeProto node, string reason) => new(Name(node), node.OpType, reason);

        public ImportedModel Read()
        {
            var nodes = _graph.Node.Select(n => $"{Name(n)} ({n.OpType})").ToList();
            foreach (NodeProto node in _graph.Node)
                if (node.Domain is not ("" or "ai.onnx"))
                    throw Refuse(node, $"operator domain '{node.Domain}' is not supported (only the standard ai.onnx operators are)");

            var inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1)
                throw new OnnxImportException($"The graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => "'" + i.Name + "'"))}); NetCompiler networks have exactly one.");
            if (_graph.Output.Count != 1)
                throw new OnnxImportException($"The graph has {_graph.Output.Count} outputs; NetCompiler networks have exactly one.");
            ValueInfoProto input = inputs[0];
            string outputName = _graph.Output[0].Name;
            int[] inputShape = InputShape(input);

            TensorShape shape = inputShape.Length == 3 ? new TensorShape(inputShape[0], inputShape[1], inputShape[2], true) : TensorShape.Flat(inputShape[0]);
            string current = input.Name;
            _shapes[current] = [Batch, .. inputShape.Select(d => (long)d)];
            bool afterLayer = false; // the tensor is a Conv or Dense layer's output before its activation
            int pendingPad = 0;
            NodeProto? padNode = null;
            Loss loss = Loss.HalfSquaredError;
            NodeProto? softmax = null;

            while (current != outputName)
            {
                if (softmax is not null)
                    throw Refuse(softmax, "Softmax/LogSoftmax must be the last node (NetCompiler's classifiers end in softmax), but its output feeds more nodes");
                var consumers = (_consumers.GetValueOrDefault(current) ?? []).Where(n => n.OpType != "Shape").ToList();
                if (consumers.Count == 0)
                    throw new OnnxImportException($"Tensor '{current}' is neither consumed by a node nor the graph output '{outputName}': the graph does not chain.");
                if (consumers.Count > 1)
                    throw Refuse(consumers[1], $"tensor '{current}' feeds {consumers.Count} nodes ({string.Join(", ", consumers.Select(n => $"'{Name(n)}' ({n.OpType})"))}); a NetCompiler network is a chain of layers");
                NodeProto node = consumers[0];
                _handled.Add(node);
                if (node.Input.Count == 0 || node.Input[0] != current)
                    throw Refuse(node, $"it takes '{current}' as input {node.Input.IndexOf(current)}, not as its data input 0");
                if (pendingPad != 0 && node.OpType is not ("Conv" or "AveragePool" or "Dropout" or "Identity"))
                    throw Refuse(padNode!, $"a zero Pad folds only into a following Conv or AveragePool, but '{Name(node)}' ({node.OpType}) follows it");
                LayerBuilder? last = _layers.Count > 0 ? _layers[^1] : null;

                switch (node.OpType)
                {
                    case "Conv":
                        shape = Conv(node, shape, pendingPad);
                        if (pendingPad != 0) _notes.Add($"Pad '{Name(padNode!)}' folded into {Name(node)}'s padding ({_layers[^1].Padding}).");
                        pendingPad = 0;
                        afterLayer = true;
                        break;
                    case "Gemm":
                        shape = Gemm(node, shape);
                        afterLayer = true;
                        break;
                    case "MatMul":
                        shape = MatMul(node, shape);
                        afterLayer = true;
                        break;
                    case "Add":
                        AddBias(node, afterLayer ? last : null);
                        break;
                    case "BatchNormalization":
                        FoldBatchNorm(node, afterLayer ? last : null);
                        break;
                    case "Relu" or "Tanh" or "Sigmoid":
                        if (!afterLayer || last is null || last.Activation != Activation.Identity)
                            throw Refuse(node, "an activation must directly follow a Conv or Gemm/MatMul layer (NetCompiler applies activations inside those layers)");
                        last.Activation = node.OpType switch { "Relu" => Activation.ReLU, "Tanh" => Activation.Tanh, _ => Activation.Sigmoid };
                        afterLayer = false;
                        break;
                    case "MaxPool" or "AveragePool":
                        shape = Pool(node, shape, pendingPad);
                        if (pendingPad != 0) _notes.Add($"Pad '{Name(padNode!)}' folded into {Name(node)}'s padding ({_layers[^1].Padding}, counted in the average).");
                        pendingPad = 0;
                        afterLayer = false;
                        break;
                    case "Pad":
                        pendingPad += Pad(node, shape);
                        padNode = node;
                        afterLayer = false;
                        break;
                    case "Flatten":
                    {
                        long axis = IntAttribute(node, "axis", 1);
                        if (axis != 1) throw Refuse(node, $"axis={axis} is not supported (only axis=1, which keeps the batch dimension)");
                        shape = TensorShape.Flat(shape.Size);
                        afterLayer = false;
                        break;
                    }
                    case "Reshape":
                        shape = Reshape(node, shape);
                        afterLayer = false;
                        break;
                    case "Dropout" or "Identity":
                        if (node.Output.Skip(1).Any(o => o.Length > 0 && _consumers.ContainsKey(o)))
                            throw Refuse(node, "its mask output is used; only the inference form, which passes its input through, is supported");
                        _notes.Add($"{node.OpType} '{Name(node)}' dropped (it passes its input through at inference).");
                        break;
                    case "Softmax" or "LogSoftmax":
                    {
                        long axis = IntAttribute(node, "axis", _opset >= 13 ? -1 : 1);
                        if (shape.Spatial || axis is not (1 or -1))
                            throw Refuse(node, $"only a softmax over the classes of a flat vector (axis 1) is supported, not axis={axis} of {shape}");
                        if (!afterLayer || last is null || last.Kind != "Dense" || last.Activation != Activation.Identity)
                            throw Refuse(node, "a softmax must directly follow the last Gemm/MatMul layer, with no activation between");
                        loss = Loss.SoftmaxCrossEntropy;
                        softmax = node;
                        _notes.Add(node.OpType == "Softmax"
                            ? $"Softmax '{Name(node)}' at the end: a softmax cross-entropy classifier (Predict returns the probabilities)."
                            : $"LogSoftmax '{Name(node)}' at the end: a softmax cross-entropy classifier (Predict returns probabilities, the exponential of the ONNX model's log-probabilities).");
                        afterLayer = false;
                        break;
                    }
                    default:
                        throw Refuse(node, $"operator {node.OpType} is not supported (NetCompiler imports Conv, Gemm, MatMul, Add, BatchNormalization, Relu, Tanh, Sigmoid, MaxPool, AveragePool, Pad, Flatten, Reshape, Dropout, Identity, Softmax and LogSoftmax)");
                }
                if (node.Output.Count == 0 || node.Output[0].Length == 0)
                    throw Refuse(node, "it has no output");
                current = node.Output[0];
                _shapes[current] = shape.Spatial ? [Batch, shape.Channels, shape.Height, shape.Width] : [Batch, shape.Size];
            }
            if (pendingPad != 0) throw Refuse(padNode!, "a Pad at the end of the graph does not fold into any layer");
            if (_layers.Count == 0) throw new OnnxImportException("The graph has no Conv, Gemm, MatMul or pooling layer.");

            foreach (NodeProto node in _graph.Node)
                if (!_handled.Contains(node) && node.OpType is not ("Constant" or "Shape"))
                    throw Refuse(node, "it is not on the chain from the graph's input to its output");

            NetworkDescription network;
            try
            {
                network = new NetworkDescription(inputShape, _layers.Select(l => l.Build()).ToList(), loss);
            }
            catch (ArgumentException ex)
            {
                throw new OnnxImportException($"The graph's layers do not chain: {ex.Message}", ex);
            }
            var parameters = new float[network.ParameterCount];
            int offset = 0;
            foreach (LayerBuilder layer in _layers)
            {
                foreach (double w in layer.Weights) parameters[offset++] = (float)w;
                if (layer.Bias is not null)
                    foreach (double b in layer.Bias) parameters[offset++] = (float)b;
            }
            if (offset != parameters.Length)
                throw new InvalidOperationException($"Internal error: {offset} parameters written for {parameters.Length}.");
            return new ImportedModel(network, parameters, _notes, nodes);
        }

        private static int[] InputShape(ValueInfoProto input)
        {
            var tensor = input.Type?.TensorType;
            if (tensor is null || tensor.ElemType != (int)TensorProto.Types.DataType.Float)
                throw new OnnxImportException($"Graph input '{input.Name}' must be a float32 tensor.");
            var dims = tensor.Shape?.Dim;
            if (dims is null || dims.Count is not (2 or 4))
                throw new OnnxImportException($"Graph input '{input.Name}' must be [batch, features] or [batch, channels, height, width]; its shape is {(dims is null ? "unknown" : "of rank " + dims.Count)}.");
            var shape = new int[dims.Count - 1];
            for (int i = 1; i < dims.Count; i++)
            {
                if (!dims[i].HasDimValue || dims[i].DimValue <= 0 || dims[i].DimValue > int.MaxValue)
                    throw new OnnxImportException($"Graph input '{input.Name}': dimension {i} must be a fixed positive size, not '{(dims[i].HasDimParam ? dims[i].DimParam : dims[i].DimValue.ToString())}'.");
                shape[i - 1] = (int)dims[i].DimValue;
            }
            return shape;
        }

        // ---- layers ----

        private TensorShape Conv(NodeProto node, TensorShape shape, int extraPadding)
        {
            if (!shape.Spatial) throw Refuse(node, $"its input is the flat vector {shape}; a convolution needs [channels, height, width]");
            long group = IntAttribute(node, "group", 1);
            if (group != 1) throw Refuse(node, $"group={group} is not supported (grouped convolutions)");
            RequireOnes(node, "dilations", "dilated convolutions");
            RequireAutoPad(node);
            (float[] w, long[] wDims) = FloatInput(node, 1, "weights");
            if (wDims.Length != 4) throw Refuse(node, $"its weights '{node.Input[1]}' have shape [{string.Join(", ", wDims)}], not [filters, channels, height, width]");
            if (wDims[1] != shape.Channels)
                throw Refuse(node, $"its weights '{node.Input[1]}' expect {wDims[1]} input channels, but its input {shape} has {shape.Channels}: the shapes do not chain");
            long[] kernel = Ints(node, "kernel_shape") ?? [wDims[2], wDims[3]];
            if (kernel.Length != 2 || kernel[0] != wDims[2] || kernel[1] != wDims[3])
                throw Refuse(node, $"kernel_shape=[{string.Join(", ", kernel)}] does not match its weights' [{wDims[2]}, {wDims[3]}]");
            int stride = SquareStride(node);
            int padding = SymmetricPads(node) + extraPadding;
            var layer = new LayerBuilder
            {
                Kind = "Conv2D", NodeName = Name(node), Outputs = checked((int)wDims[0]),
                KernelHeight = (int)wDims[2], KernelWidth = (int)wDims[3], Stride = stride, Padding = padding,
                Weights = w.Select(x => (double)x).ToArray(),
            };
            if (node.Input.Count > 2 && node.Input[2].Length > 0)
                layer.Bias = BiasInput(node, 2, layer.Outputs);
            return Place(node, layer, shape);
        }

        private TensorShape Gemm(NodeProto node, TensorShape shape)
        {
            RequireFlat(node, shape);
            if (IntAttribute(node, "transA", 0) != 0) throw Refuse(node, "transA=1 is not supported (the input must be [batch, features])");
            double alpha = FloatAttribute(node, "alpha", 1f), beta = FloatAttribute(node, "beta", 1f);
            bool transB = IntAttribute(node, "transB", 0) != 0;
            (float[] b, long[] dims) = FloatInput(node, 1, "weights");
            if (dims.Length != 2) throw Refuse(node, $"its weights '{node.Input[1]}' have rank {dims.Length}, not 2");
            long inputs = transB ? dims[1] : dims[0], units = transB ? dims[0] : dims[1];
            if (inputs != shape.Size)
                throw Refuse(node, $"its weights '{node.Input[1]}' [{string.Join(", ", dims)}] (transB={(transB ? 1 : 0)}) take {inputs} inputs, but its input {shape} has {shape.Size}: the shapes do not chain");
            var layer = new LayerBuilder { Kind = "Dense", NodeName = Name(node), Outputs = checked((int)units) };
            layer.Weights = transB ? b.Select(x => alpha * x).ToArray() : Transpose(b, (int)inputs, (int)units, alpha);
            if (node.Input.Count > 2 && node.Input[2].Length > 0)
                layer.Bias = BiasInput(node, 2, layer.Outputs).Select(x => beta * x).ToArray();
            return Place(node, layer, shape);
        }

        private TensorShape MatMul(NodeProto node, TensorShape shape)
        {
            RequireFlat(node, shape);
            (float[] b, long[] dims) = FloatInput(node, 1, "weights");
            if (dims.Length != 2) throw Refuse(node, $"its weights '{node.Input[1]}' have rank {dims.Length}, not 2");
            if (dims[0] != shape.Size)
                throw Refuse(node, $"its weights '{node.Input[1]}' [{string.Join(", ", dims)}] take {dims[0]} inputs, but its input {shape} has {shape.Size}: the shapes do not chain");
            var layer = new LayerBuilder
            {
                Kind = "Dense", NodeName = Name(node), Outputs = checked((int)dims[1]),
                Weights = Transpose(b, (int)dims[0], (int)dims[1], 1.0),
            };
            return Place(node, layer, shape);
        }

        private TensorShape Pool(NodeProto node, TensorShape shape, int extraPadding)
        {
            if (!shape.Spatial) throw Refuse(node, $"its input is the flat vector {shape}; pooling needs [channels, height, width]");
            if (IntAttribute(node, "ceil_mode", 0) != 0) throw Refuse(node, "ceil_mode=1 is not supported (NetCompiler's pooling rounds the output size down)");
            RequireOnes(node, "dilations", "dilated pooling");
            RequireAutoPad(node);
            if (node.Output.Skip(1).Any(o => o.Length > 0 && _consumers.ContainsKey(o))) throw Refuse(node, "its indices output is not supported");
            if (IntAttribute(node, "storage_order", 0) != 0) throw Refuse(node, "storage_order=1 is not supported");
            long[] kernel = Ints(node, "kernel_shape") ?? throw Refuse(node, "it has no kernel_shape");
            if (kernel.Length != 2 || kernel[0] != kernel[1] || kernel[0] <= 0)
                throw Refuse(node, $"kernel_shape=[{string.Join(", ", kernel)}] is not supported (NetCompiler's pooling windows are square)");
            int stride = SquareStride(node);
            int pads = SymmetricPads(node);
            bool average = node.OpType == "AveragePool";
            bool include = !average || IntAttribute(node, "count_include_pad", 0) != 0;
            if (extraPadding != 0 && pads != 0)
                throw Refuse(node, "it has pads of its own after a Pad node; only one of the two is supported");
            if (extraPadding != 0) include = true; // the Pad's zeros are ordinary cells of the window
            var layer = new LayerBuilder
            {
                Kind = "Pool", NodeName = Name(node), PoolKind = average ? PoolKind.Average : PoolKind.Max,
                PoolSize = (int)kernel[0], Stride = stride, Padding = pads + extraPadding, CountIncludePad = include,
            };
            return Place(node, layer, shape);
        }

        private TensorShape Place(NodeProto node, LayerBuilder layer, TensorShape shape)
        {
            try
            {
                TensorShape output = layer.Build().OutputShape(shape);
                _layers.Add(layer);
                return output;
            }
            catch (ArgumentException ex)
            {
                throw Refuse(node, ex.Message);
            }
        }

        private int Pad(NodeProto node, TensorShape shape)
        {
            string mode = StringAttribute(node, "mode", "constant");
            if (mode != "constant") throw Refuse(node, $"mode='{mode}' is not supported (only zero padding folds into a layer)");
            long[] pads;
            double value;
            if (_opset >= 11)
            {
                if (node.Input.Count < 2 || node.Input[1].Length == 0) throw Refuse(node, "it has no pads input");
                pads = EvaluateInts(node, node.Input[1]);
                value = node.Input.Count > 2 && node.Input[2].Length > 0 ? FloatInput(node, 2, "constant value").Values.Single() : 0;
            }
            else
            {
                pads = Ints(node, "pads") ?? throw Refuse(node, "it has no pads");
                value = FloatAttribute(node, "value", 0f);
            }
            if (value != 0) throw Refuse(node, $"it pads with {value}; only zero padding folds into a layer");
            if (!shape.Spatial || pads.Length != 8 || pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0
                || pads.Skip(2).Take(2).Concat(pads.Skip(6)).Distinct().Count() != 1 || pads[2] < 0)
                throw Refuse(node, $"pads=[{string.Join(", ", pads)}] is not supported (only equal padding of height and width on every side)");
            return checked((int)pads[2]);
        }

        private TensorShape Reshape(NodeProto node, TensorShape shape)
        {
            if (node.Input.Count < 2) throw Refuse(node, "it has no shape input");
            long[] target = EvaluateInts(node, node.Input[1]);
            bool ok = target.Length == 2
                && (target[0] is Batch or 0 or > 0 || (target[0] == -1 && target[1] == shape.Size))
                && (target[1] == -1 || target[1] == shape.Size);
            if (!ok)
                throw Refuse(node, $"reshaping {shape} to [{string.Join(", ", target.Select(t => t == Batch ? "batch" : t.ToString()))}] is not supported (only flattening each sample to a vector, [batch, -1], before the first dense layer)");
            return TensorShape.Flat(shape.Size);
        }

        private void AddBias(NodeProto node, LayerBuilder? last)
        {
            if (last is null || last.Kind == "Pool" || last.Activation != Activation.Identity)
                throw Refuse(node, "Add is supported only as the bias of the Conv, Gemm or MatMul right before it");
            if (node.Input.Count != 2) throw Refuse(node, "it must have two inputs");
            (float[] values, long[] dims) = FloatInput(node, 1, "bias");
            long[] expected = last.Kind == "Dense" ? [last.Outputs] : [last.Outputs, 1, 1];
            var significant = dims.SkipWhile(d => d == 1).ToArray();
            bool ok = values.Length == last.Outputs && dims.Length <= expected.Length + 1
                && (dims.Reverse().Take(expected.Length).Reverse().SequenceEqual(expected) || (last.Kind == "Dense" && dims.Length == 1))
                && significant.Length > 0 && significant[0] == last.Outputs;
            if (!ok)
                throw Refuse(node, $"its addend '{node.Input[1]}' of shape [{string.Join(", ", dims)}] is not one bias per output of '{last.NodeName}' ({last.Outputs})");
            last.Bias ??= new double[last.Outputs];
            for (int i = 0; i < last.Outputs; i++) last.Bias[i] += values[i];
        }

        private void FoldBatchNorm(NodeProto node, LayerBuilder? last)
        {
            if (last is null || last.Kind == "Pool" || last.Activation != Activation.Identity)
                throw Refuse(node, "BatchNormalization is supported only directly after a Conv or Gemm/MatMul, whose weights and bias it is folded into");
            if (IntAttribute(node, "training_mode", 0) != 0) throw Refuse(node, "training_mode=1 is not supported (export the model in eval mode)");
            if (node.Output.Skip(1).Any(o => o.Length > 0 && _consumers.ContainsKey(o))) throw Refuse(node, "its running-statistics outputs are used (training form)");
            if (node.Input.Count != 5) throw Refuse(node, $"it has {node.Input.Count} inputs, not 5 (X, scale, B, mean, var)");
            double epsilon = FloatAttribute(node, "epsilon", 1e-5f);
            double[] scale = BiasInput(node, 1, last.Outputs), shift = BiasInput(node, 2, last.Outputs);
            double[] mean = BiasInput(node, 3, last.Outputs), variance = BiasInput(node, 4, last.Outputs);
            last.Bias ??= new double[last.Outputs];
            int perOutput = last.Weights.Length / last.Outputs;
            for (int o = 0; o < last.Outputs; o++)
            {
                if (variance[o] + epsilon <= 0) throw Refuse(node, $"its variance {variance[o]} plus epsilon is not positive for channel {o}");
                double factor = scale[o] / Math.Sqrt(variance[o] + epsilon);
                for (int k = 0; k < perOutput; k++) last.Weights[o * perOutput + k] *= factor;
                last.Bias[o] = (last.Bias[o] - mean[o]) * factor + shift[o];
            }
            _notes.Add($"BatchNormalization '{Name(node)}' folded into {last.NodeName}'s weights and bias (inference form: y = (x − mean)·scale/√(var + ε) + B, computed in double and rounded once).");
        }

        // ---- attributes and tensors ----

        private static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

        private static long IntAttribute(NodeProto node, string name, long fallback) => Attribute(node, name) is { } a ? a.I : fallback;

        private static float FloatAttribute(NodeProto node, string name, float fallback) => Attribute(node, name) is { } a ? a.F : fallback;

        private static string StringAttribute(NodeProto node, string name, string fallback)
            => Attribute(node, name) is { } a ? a.S.ToStringUtf8() : fallback;

        private static long[]? Ints(NodeProto node, string name) => Attribute(node, name) is { } a ? a.Ints.ToArray() : null;

        private static void RequireOnes(NodeProto node, string name, string what)
        {
            long[]? values = Ints(node, name);
            if (values is not null && values.Any(v => v != 1))
                throw Refuse(node, $"{name}=[{string.Join(", ", values)}] is not supported ({what})");
        }

        private static void RequireAutoPad(NodeProto node)
        {
            string autoPad = StringAttribute(node, "auto_pad", "NOTSET");
            if (autoPad is not ("NOTSET" or "VALID" or ""))
                throw Refuse(node, $"auto_pad='{autoPad}' is not supported (export with explicit pads)");
        }

        private static int SquareStride(NodeProto node)
        {
            long[] strides = Ints(node, "strides") ?? [1, 1];
            if (strides.Length != 2 || strides[0] != strides[1] || strides[0] <= 0)
                throw Refuse(node, $"strides=[{string.Join(", ", strides)}] is not supported (one positive stride for both directions)");
            return checked((int)strides[0]);
        }

        private static int SymmetricPads(NodeProto node)
        {
            long[] pads = Ints(node, "pads") ?? [0, 0, 0, 0];
            if (pads.Length != 4 || pads.Distinct().Count() != 1 || pads[0] < 0)
                throw Refuse(node, $"pads=[{string.Join(", ", pads)}] is not supported (the same padding on every side)");
            return checked((int)pads[0]);
        }

        private static void RequireFlat(NodeProto node, TensorShape shape)
        {
            if (shape.Spatial)
                throw Refuse(node, $"its input is {shape}; a dense layer needs a Flatten or Reshape to [batch, features] before it");
        }

        private static double[] Transpose(float[] b, int rows, int columns, double alpha)
        {
            // b is [rows = inputs, columns = units]; NetCompiler's weights are [units, inputs].
            var w = new double[b.Length];
            for (int i = 0; i < rows; i++)
                for (int o = 0; o < columns; o++)
                    w[o * rows + i] = alpha * b[i * columns + o];
            return w;
        }

        private double[] BiasInput(NodeProto node, int index, int count)
        {
            (float[] values, long[] dims) = FloatInput(node, index, "parameter");
            if (values.Length != count || dims.Count(d => d != 1) > 1)
                throw Refuse(node, $"its input '{node.Input[index]}' has shape [{string.Join(", ", dims)}], not [{count}]");
            return values.Select(v => (double)v).ToArray();
        }

        private TensorProto Constant(NodeProto node, string name, string what)
        {
            if (_constants.TryGetValue(name, out TensorProto? tensor)) return tensor;
            if (_producers.TryGetValue(name, out NodeProto? producer) && producer.OpType == "Constant")
            {
                _handled.Add(producer);
                AttributeProto? value = Attribute(producer, "value");
                if (value?.T is null) throw Refuse(producer, "only Constant nodes with a tensor 'value' are supported");
                return _constants[name] = value.T;
            }
            throw Refuse(node, $"its {what} '{name}' is not an initializer or a constant (computed {what} are not supported)");
        }

        private (float[] Values, long[] Dims) FloatInput(NodeProto node, int index, string what)
        {
            if (node.Input.Count <= index || node.Input[index].Length == 0) throw Refuse(node, $"it has no {what} input");
            TensorProto t = Constant(node, node.Input[index], what);
            long[] dims = t.Dims.ToArray();
            long count = 1;
            foreach (long d in dims)
            {
                if (d < 0) throw Refuse(node, $"its {what} '{t.Name}' has a negative dimension");
                if (d != 0 && count > Array.MaxLength / d)
                    throw Refuse(node, $"its {what} '{t.Name}' has shape [{string.Join(", ", dims)}], more elements than an array holds ({Array.MaxLength})");
                count *= d;
            }
            if (t.DataLocation == TensorProto.Types.DataLocation.External)
                throw Refuse(node, $"its {what} '{t.Name}' is stored in an external file, which is not supported (export without external data)");
            if (t.DataType != (int)TensorProto.Types.DataType.Float)
                throw Refuse(node, $"its {what} '{t.Name}' is of ONNX data type {(TensorProto.Types.DataType)t.DataType}, not float32");
            float[] values;
            if (t.HasRawData)
            {
                if (t.RawData.Length != count * 4)
                    throw Refuse(node, $"its {what} '{t.Name}' has shape [{string.Join(", ", dims)}] ({count} floats) but {t.RawData.Length} bytes of data ({t.RawData.Length / 4.0} floats)");
                values = new float[count];
                t.RawData.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                if (!BitConverter.IsLittleEndian)
                    for (int i = 0; i < values.Length; i++)
                        values[i] = BitConverter.Int32BitsToSingle(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(values[i])));
            }
            else
            {
                if (t.FloatData.Count != count)
                    throw Refuse(node, $"its {what} '{t.Name}' has shape [{string.Join(", ", dims)}] ({count} floats) but {t.FloatData.Count} values");
                values = t.FloatData.ToArray();
            }
            foreach (float v in values)
                if (!float.IsFinite(v)) throw Refuse(node, $"its {what} '{t.Name}' holds {v}");
            return (values, dims);
        }

        /// <summary>The value of an integer tensor computed from constants and the shapes of the tensors already read.</summary>
        private long[] EvaluateInts(NodeProto user, string name)
        {
            if (_ints.TryGetValue(name, out long[]? known)) return known;
            long[] value;
            if (_constants.ContainsKey(name) || (_producers.TryGetValue(name, out var p) && p.OpType == "Constant"))
            {
                TensorProto t = Constant(user, name, "shape");
                if (t.DataLocation == TensorProto.Types.DataLocation.External) throw Refuse(user, $"'{name}' is stored externally");
                value = (TensorProto.Types.DataType)t.DataType switch
                {
                    TensorProto.Types.DataType.Int64 when t.HasRawData => MemoryMarshal.Cast<byte, long>(t.RawData.Span).ToArray(),
                    TensorProto.Types.DataType.Int64 => t.Int64Data.ToArray(),
                    TensorProto.Types.DataType.Int32 when t.HasRawData => MemoryMarshal.Cast<byte, int>(t.RawData.Span).ToArray().Select(i => (long)i).ToArray(),
                    TensorProto.Types.DataType.Int32 => t.Int32Data.Select(i => (long)i).ToArray(),
                    _ => throw Refuse(user, $"its input '{name}' is of ONNX data type {(TensorProto.Types.DataType)t.DataType}, not an integer tensor"),
                };
                long count = t.Dims.Aggregate(1L, (a, b) => a * b);
                if (value.Length != count)
                    throw Refuse(user, $"its input '{name}' has shape [{string.Join(", ", t.Dims)}] but {value.Length} values");
            }
            else if (_producers.TryGetValue(name, out NodeProto? node))
            {
                _handled.Add(node);
                value = node.OpType switch
                {
                    "Shape" => _shapes.TryGetValue(node.Input[0], out long[]? s) ? s
                        : throw Refuse(node, $"the shape of '{node.Input[0]}' is not known where it is used"),
                    "Gather" => Gather(node),
                    "Unsqueeze" or "Squeeze" or "Cast" or "Identity" => EvaluateInts(node, node.Input[0]),
                    "Concat" => node.Input.SelectMany(i => EvaluateInts(node, i)).ToArray(),
                    _ => throw Refuse(node, $"operator {node.OpType} is not supported in a shape computation"),
                };
            }
            else throw Refuse(user, $"its input '{name}' is neither a constant nor computed in the graph");
            return _ints[name] = value;
        }

        private long[] Gather(NodeProto node)
        {
            if (IntAttribute(node, "axis", 0) != 0) throw Refuse(node, "only axis=0 is supported in a shape computation");
            long[] data = EvaluateInts(node, node.Input[0]), indices = EvaluateInts(node, node.Input[1]);
            return indices.Select(i =>
            {
                long k = i < 0 ? i + data.Length : i;
                return k >= 0 && k < data.Length ? data[k] : throw Refuse(node, $"index {i} is out of range for a shape of rank {data.Length}");
            }).ToArray();
        }
    }
}
