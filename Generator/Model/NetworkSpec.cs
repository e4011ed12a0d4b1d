using System.Linq;

namespace NetCompiler.Generator.Model;

// The generator's model: plain records with value equality, no Roslyn symbols or syntax, so the incremental
// pipeline can cache on them. Every shape here has been resolved and validated by the parser; emitters never
// meet an invalid model.

/// <summary>Mirrors <c>NetCompiler.Activation</c> (same numeric values).</summary>
internal enum ActivationKind
{
    Identity = 0,
    ReLU = 1,
    Tanh = 2,
    Sigmoid = 3,
}

/// <summary>Mirrors <c>NetCompiler.Loss</c> (same numeric values).</summary>
internal enum LossKind
{
    HalfSquaredError = 0,
    SoftmaxCrossEntropy = 1,
}

/// <summary>A type that encloses the network class, to be re-declared as <c>partial</c> around it.</summary>
internal sealed record ContainingTypeSpec(string Keyword, string Name);

/// <summary>One layer of the network, with its place in the flat parameter vector.</summary>
internal abstract record LayerSpec(int Index, int InputSize, int OutputSize, ActivationKind Activation, int ParameterOffset)
{
    /// <summary>1-based number used in generated names (Layer1, Layer2, ...).</summary>
    public int Number => Index + 1;

    public abstract int ParameterCount { get; }

    /// <summary>The layer as it appears in the architecture string, e.g. <c>Dense(128,ReLU)</c>.</summary>
    public abstract string Describe();
}

/// <summary>A fully connected layer: y = f(W·x + b), W of shape [OutputSize, InputSize] row-major.</summary>
internal sealed record DenseLayerSpec(int Index, int InputSize, int OutputSize, ActivationKind Activation, bool Bias, int ParameterOffset)
    : LayerSpec(Index, InputSize, OutputSize, Activation, ParameterOffset)
{
    public int WeightCount => InputSize * OutputSize;

    public int WeightOffset => ParameterOffset;

    public int BiasOffset => ParameterOffset + WeightCount;

    public override int ParameterCount => WeightCount + (Bias ? OutputSize : 0);

    public override string Describe()
    {
        var text = "Dense(" + OutputSize;
        if (Activation != ActivationKind.Identity) text += "," + Activation;
        if (!Bias) text += ",NoBias";
        return text + ")";
    }
}

/// <summary>A whole network: where the class lives, its input shape, its layers and its loss.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string TypeName,
    LossKind Loss,
    EquatableArray<int> InputShape,
    EquatableArray<DenseLayerSpec> Layers)
{
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);

    public int OutputSize => Layers[Layers.Count - 1].OutputSize;

    public int ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>The widest layer output: the size of each backward delta buffer.</summary>
    public int MaxWidth => Layers.Max(l => l.OutputSize);

    public string FullName => (Namespace is null ? "" : Namespace + ".")
        + string.Concat(ContainingTypes.Select(t => t.Name + ".")) + TypeName;

    /// <summary>File name of the generated source: unique per network and stable.</summary>
    public string HintName => FullName + ".g.cs";

    /// <summary>Canonical one-line architecture, also hashed into saved model files.</summary>
    public string Architecture =>
        "Input(" + string.Join(",", InputShape) + ") "
        + string.Join(" ", Layers.Select(l => l.Describe()))
        + " " + Loss;
}
