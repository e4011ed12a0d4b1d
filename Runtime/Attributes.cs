using System;

namespace NetCompiler;

/// <summary>The non-linearity applied after a layer's weighted sum: y = f(z).</summary>
/// <remarks>The numeric values are part of the generator's contract; do not renumber.</remarks>
public enum Activation
{
    /// <summary>f(z) = z.</summary>
    Identity = 0,
    /// <summary>f(z) = max(0, z).</summary>
    ReLU = 1,
    /// <summary>f(z) = (e^z − e^−z) / (e^z + e^−z).</summary>
    Tanh = 2,
    /// <summary>The logistic function f(z) = 1 / (1 + e^−z).</summary>
    Sigmoid = 3,
}

/// <summary>The objective a network is trained to minimise.</summary>
/// <remarks>The numeric values are part of the generator's contract; do not renumber.</remarks>
public enum Loss
{
    /// <summary>E = ½ Σ (y − t)² per sample (the paper's Fig. 1d); the batch loss is the mean over samples.</summary>
    HalfSquaredError = 0,
    /// <summary>Softmax over the last layer's outputs, then cross-entropy −Σ t log p against a class label or a probability target.</summary>
    SoftmaxCrossEntropy = 1,
}

/// <summary>
/// Marks a <c>partial</c> class as a network that NetCompiler's source generator compiles at build time.
/// The layers are the <see cref="InputAttribute"/> and layer attributes on the same declaration, in source order.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The training objective; <see cref="Loss.HalfSquaredError"/> unless set.</summary>
    public Loss Loss { get; set; } = Loss.HalfSquaredError;

    /// <summary>
    /// A model file (<c>.ncmf</c>, written by <see cref="ModelFile.Save{TNet}(TNet, string)"/>) whose trained parameters
    /// are compiled into the assembly, so that the parameterless constructor creates the network trained, with no file
    /// to deploy or read at run time. The project must list the file as an <c>AdditionalFiles</c> item, e.g.
    /// <c>&lt;AdditionalFiles Include="fashion.ncmf" /&gt;</c>; the name is matched against the end of that item's path.
    /// The build checks the file (format, version, checksum, architecture, parameter count) and reports any problem as
    /// an error at this attribute. Null (the default): the parameterless constructor initialises from
    /// <see cref="ParameterInitializer.DefaultSeed"/>.
    /// </summary>
    public string? Parameters { get; set; }
}

/// <summary>The shape of one input sample, e.g. <c>[Input(784)]</c> or <c>[Input(1, 28, 28)]</c> (channels, height, width).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>An input of the given <paramref name="shape"/>: one size for a vector, (channels, height, width) for an image.</summary>
    /// <param name="shape">The dimensions of one sample, each at least 1.</param>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The dimensions of one sample; the flat input size is their product.</summary>
    public int[] Shape { get; }
}
