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

/// <summary>How a pooling layer reduces its window.</summary>
internal enum PoolKind
{
    Max,
    Average,
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

    /// <summary>The layer as it appears in the architecture string, e.g. <c>Dense(128,ReLU)</c>.</summary>
    public abstract string Describe();

    protected string Suffix(bool bias)
        => (Activation != ActivationKind.Identity ? "," + Activation : "") + (bias ? "" : ",NoBias");
}

/// <summary>A fully connected layer: y = f(W·x + b), W of shape [OutputSize, InputSize] row-major.</summary>
internal sealed record DenseLayerSpec(int Index, Shape Input, int Units, ActivationKind Activation, bool Bias, int ParameterOffset)
    : LayerSpec(Index, Input, Shape.Flat(Units), Activation, ParameterOffset)
{
    public override int WeightCount => InputSize * OutputSize;

    public override bool HasBias => Bias;

    public override int ParameterCount => WeightCount + (Bias ? OutputSize : 0);

    public override (int FanIn, int FanOut) Fans => (InputSize, OutputSize);

    public override string Describe() => "Dense(" + OutputSize + Suffix(Bias) + ")";
}

/// <summary>
/// A 2-D convolution: y[o, i, j] = f(b[o] + Σ_c Σ_u Σ_v W[o, c, u, v] · x[c, i·S + u − P, j·S + v − P]), with zeros
/// outside the input; W of shape [filters, channels, kernelHeight, kernelWidth] (PyTorch's Conv2d layout).
/// </summary>
internal sealed record Conv2DLayerSpec(int Index, Shape Input, int Filters, int KernelHeight, int KernelWidth, int Stride, int Padding,
    ActivationKind Activation, bool Bias, int ParameterOffset)
    : LayerSpec(Index, Input, OutputShape(Input, Filters, KernelHeight, KernelWidth, Stride, Padding), Activation, ParameterOffset)
{
    public static Shape OutputShape(Shape input, int filters, int kh, int kw, int stride, int padding)
        => new(filters, (int)((input.Height + 2L * padding - kh) / stride + 1), (int)((input.Width + 2L * padding - kw) / stride + 1), true);

    public int PaddedHeight => Input.Height + 2 * Padding;

    public int PaddedWidth => Input.Width + 2 * Padding;

    public int KernelSize => Input.Channels * KernelHeight * KernelWidth;

    public override int WeightCount => Filters * KernelSize;

    public override bool HasBias => Bias;

    public override int ParameterCount => WeightCount + (Bias ? Filters : 0);

    public override (int FanIn, int FanOut) Fans => (KernelSize, Filters * KernelHeight * KernelWidth);

    public override string Describe()
        => $"Conv2D({Filters},{KernelHeight}x{KernelWidth}{(Stride != 1 ? ",Stride=" + Stride : "")}{(Padding != 0 ? ",Padding=" + Padding : "")}{Suffix(Bias)})";
}

/// <summary>
/// Max or average pooling over Size×Size windows, Stride apart, channel by channel, over the input bordered by Padding
/// positions on every side (PyTorch's MaxPool2d / AvgPool2d, ceil_mode false): padding never wins a max-pool window;
/// it is zero in an average, counted in the divisor (Size²) when CountIncludePad, else the divisor is the number of
/// input positions the window covers. No parameters.
/// </summary>
internal sealed record Pool2DLayerSpec(int Index, Shape Input, PoolKind Kind, int Size, int Stride, int ParameterOffset, int Padding = 0, bool CountIncludePad = true)
    : LayerSpec(Index, Input, OutputShape(Input, Size, Stride, Padding), ActivationKind.Identity, ParameterOffset)
{
    public static Shape OutputShape(Shape input, int size, int stride, int padding)
        => new(input.Channels, (int)((input.Height + 2L * padding - size) / stride + 1), (int)((input.Width + 2L * padding - size) / stride + 1), true);

    public override int ParameterCount => 0;

    /// <summary>Whether the divisor of an average differs from window to window (padding left out of the count).</summary>
    public bool ExcludesPad => Kind == PoolKind.Average && Padding > 0 && !CountIncludePad;

    public override string Describe()
        => $"{(Kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D")}({Size}{(Stride != Size ? ",Stride=" + Stride : "")}"
            + $"{(Padding != 0 ? ",Padding=" + Padding : "")}{(ExcludesPad ? ",ExcludePad" : "")})";
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
