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

/// <summary>The shape of the data between two layers: [channels, height, width] when spatial, else a flat vector.</summary>
internal sealed record Shape(int Channels, int Height, int Width, bool Spatial)
{
    public static Shape Flat(int size) => new(size, 1, 1, false);

    public int Size => Channels * Height * Width;

    public override string ToString() => Spatial ? $"[{Channels}, {Height}, {Width}]" : $"[{Size}]";
}

/// <summary>One layer of the network, with its shapes and its place in the flat parameter vector.</summary>
internal abstract record LayerSpec(int Index, Shape Input, Shape Output, ActivationKind Activation, int ParameterOffset)
{
    /// <summary>1-based number used in generated names (Layer1, Layer2, ...).</summary>
    public int Number => Index + 1;

    public int InputSize => Input.Size;

    public int OutputSize => Output.Size;

    public abstract int ParameterCount { get; }

    /// <summary>Whether the layer has a bias vector (after its weights in the canonical order).</summary>
    public virtual bool HasBias => false;

    public virtual int WeightCount => 0;

    public int WeightOffset => ParameterOffset;

    public int BiasOffset => ParameterOffset + WeightCount;

    /// <summary>Fan-in and fan-out of one weight, for initialisation.</summary>
    public virtual (int FanIn, int FanOut) Fans => (0, 0);

    /// <summary>
    /// Floats of state the layer keeps beside its parameters (running statistics): the network's <c>State</c> holds every
    /// layer's, in layer order. 0 for a layer without state.
    /// </summary>
    public virtual int StateCount => 0;

    /// <summary>The layer as it appears in the architecture string, e.g. <c>Dense(128,ReLU)</c>.</summary>
    public abstract string Describe();

    protected string Suffix(bool bias)
        => (Activation != ActivationKind.Identity ? "," + Activation : "") + (bias ? "" : ",NoBias");

    /// <summary>A float as C# source and the architecture string spell it (round-trip, invariant).</summary>
    public static string Format(float value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A whole network: where the class lives, its input shape, its layers and its loss.</summary>
internal sealed record NetworkSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string TypeName,
    LossKind Loss,
    EquatableArray<int> InputShape,
    EquatableArray<LayerSpec> Layers)
{
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);

    public int OutputSize => Layers[Layers.Count - 1].OutputSize;

    public int ParameterCount => Layers.Sum(l => l.ParameterCount);

    /// <summary>Floats of state: the running statistics of the batch-normalisation layers (0 for most networks).</summary>
    public int StateCount => Layers.Sum(l => l.StateCount);

    /// <summary>The widest layer output: the size of each backward delta buffer.</summary>
    public int MaxWidth => Layers.Max(l => l.OutputSize);

    public string FullName => (Namespace is null ? "" : Namespace + ".")
        + string.Concat(ContainingTypes.Select(t => t.Name + ".")) + TypeName;

    /// <summary>File name of the generated source: unique per network and stable.</summary>
    public string HintName => FullName.Replace("@", "") + ".g.cs";

    /// <summary>Canonical one-line architecture, also hashed into saved model files.</summary>
    public string Architecture =>
        "Input(" + string.Join(",", InputShape) + ") "
        + string.Join(" ", Layers.Select(l => l.Describe()))
        + " " + Loss;

    /// <summary>FNV-1a 64-bit of the UTF-8 <see cref="Architecture"/>: the hash stored in saved model files.</summary>
    public ulong ArchitectureHash => Format.ModelFormat.Fnv1a64(System.Text.Encoding.UTF8.GetBytes(Architecture));

    /// <summary>
    /// The model file named by <c>[Network(Parameters = ...)]</c>, whose parameters are compiled in; null when none is.
    /// The parameterless constructor then loads them instead of initialising from the default seed.
    /// </summary>
    public string? ParametersFile { get; init; }
}
