using System;

namespace NetCompiler.Onnx;

/// <summary>
/// An ONNX model that cannot become a NetCompiler network: not ONNX at all, malformed, or using an operator or attribute
/// NetCompiler has no layer for. The message names the node, its operator and why, e.g.
/// <c>node '/c1/Conv' (Conv): group=2 is not supported (grouped convolutions)</c>.
/// </summary>
public sealed class OnnxImportException : Exception
{
    /// <summary>An error about the model as a whole.</summary>
    public OnnxImportException(string message, Exception? inner = null) : base(message, inner)
    {
    }

    /// <summary>An error about one node.</summary>
    public OnnxImportException(string nodeName, string opType, string reason)
        : base($"node '{nodeName}' ({opType}): {reason}")
    {
        NodeName = nodeName;
        OpType = opType;
    }

    /// <summary>The node the error is about, if any.</summary>
    public string? NodeName { get; }

    /// <summary>The operator of <see cref="NodeName"/>, if any.</summary>
    public string? OpType { get; }
}
