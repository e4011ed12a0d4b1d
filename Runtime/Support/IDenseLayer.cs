using System.ComponentModel;

namespace NetCompiler.Support;

/// <summary>
/// A dense layer's shape as constants: generated code declares one struct per dense layer, and the runtime's
/// <see cref="DenseKernels"/>, compiled once per such struct, see its sizes as constants (their loops, tiles and tails
/// are fixed when the JIT compiles them, as if the code had been written for this layer alone).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IDenseLayer
{
    /// <summary>Inputs: the length of a row of W.</summary>
    static abstract int Inputs { get; }

    /// <summary>Outputs: the rows of W.</summary>
    static abstract int Outputs { get; }

    /// <summary>Whether the layer adds a bias.</summary>
    static abstract bool Bias { get; }

    /// <summary>The layer's activation f.</summary>
    static abstract Activation Activation { get; }

    /// <summary>The activation of the layer below, whose derivative the input gradient applies (identity for the first layer).</summary>
    static abstract Activation Below { get; }
}
