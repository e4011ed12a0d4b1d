using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace NetCompiler.Onnx;

/// <summary>The shape of the data between two layers: [channels, height, width] when spatial, else a flat vector.</summary>
/// <param name="Channels">Channels, or the vector's length when flat.</param>
/// <param name="Height">Height (1 when flat).</param>
/// <param name="Width">Width (1 when flat).</param>
/// <param name="Spatial">Whether the data is [channels, height, width].</param>
public sealed record TensorShape(int Channels, int Height, int Width, bool Spatial)
{
    /// <summary>A flat vector of <paramref name="size"/> values.</summary>
    public static TensorShape Flat(int size) => new(size, 1, 1, false);

    /// <summary>The number of values.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>The dimensions: [channels, height, width] or [size].</summary>
    public int[] Dimensions => Spatial ? [Channels, Height, Width] : [Size];

    /// <inheritdoc/>
    public override string ToString() => Spatial ? $"[{Channels}, {Height}, {Width}]" : $"[{Size}]";
}

/// <summary>How a pooling layer reduces its window.</summary>
public enum PoolKind
{
    /// <summary>The largest value of the window.</summary>
    Max,
    /// <summary>The mean of the window.</summary>
    Average,
}

/// <summary>One layer of a network as NetCompiler declares it; its shapes are set by <see cref="NetworkDescription"/>.</summary>
public abstract record LayerDescription
{
    /// <summary>The layer's token in the architecture string, e.g. <c>Dense(128,ReLU)</c>.</summary>
    public abstract string Describe();

    /// <summary>The shape this layer makes from <paramref name="input"/>, or an explanation of why it cannot.</summary>
    public abstract TensorShape OutputShape(TensorShape input);

    /// <summary>The number of weights for <paramref name="input"/> (the bias, if any, follows them).</summary>
    public virtual int WeightCount(TensorShape input) => 0;

    /// <summary>The number of biases for <paramref name="input"/> (β of a batch normalisation).</summary>
    public virtual int BiasCount(TensorShape input) => 0;

    /// <summary>The layer's parameters for <paramref name="input"/>: weights, then biases.</summary>
    public int ParameterCount(TensorShape input) => WeightCount(input) + BiasCount(input);

    /// <summary>Floats of state (not parameters) for <paramref name="input"/>: the running statistics of a batch
    /// normalisation, as <c>ITrainingModeNetwork.State</c> holds them.</summary>
    public virtual int StateCount(TensorShape input) => 0;

    /// <summary>The layer's non-linearity.</summary>
    public virtual Activation Activation => Activation.Identity;

    /// <summary>The C# attribute that declares the layer, e.g. <c>Dense(128, Activation.ReLU)</c>.</summary>
    public abstract string Attribute();

    private protected static string Suffix(Activation activation, bool bias)
        => (activation != Activation.Identity ? "," + activation : "") + (bias ? "" : ",NoBias");

    /// <summary>A float as the generator writes it in an architecture string: round-trip form, invariant culture.</summary>
    private protected static string FormatFloat(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private protected static string ActivationArgument(Activation activation)
        => activation != Activation.Identity ? ", Activation." + activation : "";
}

/// <summary>A fully connected layer: weights [units, inputs] row-major, then <paramref name="Units"/> biases.</summary>
/// <param name="Units">Output units.</param>
/// <param name="Activation">The non-linearity.</param>
/// <param name="Bias">Whether the layer has biases.</param>
public sealed record DenseLayer(int Units, Activation Activation, bool Bias) : LayerDescription
{
    /// <inheritdoc/>
    public override Activation Activation { get; } = Activation;

    /// <inheritdoc/>
    public override string Describe() => "Dense(" + Units + Suffix(Activation, Bias) + ")";

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input) => TensorShape.Flat(Units);

    /// <inheritdoc/>
    public override int WeightCount(TensorShape input) => input.Size * Units;

    /// <inheritdoc/>
    public override int BiasCount(TensorShape input) => Bias ? Units : 0;

    /// <inheritdoc/>
    public override string Attribute() => $"Dense({Units}{ActivationArgument(Activation)}{(Bias ? "" : ", Bias = false")})";
}

/// <summary>A 2-D convolution: weights [filters, channels, kernelHeight, kernelWidth] (PyTorch's layout), then biases.</summary>
/// <param name="Filters">Output channels.</param>
/// <param name="KernelHeight">Kernel height.</param>
/// <param name="KernelWidth">Kernel width.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Zeros added on each side, in both directions.</param>
/// <param name="Activation">The non-linearity.</param>
/// <param name="Bias">Whether the layer has biases.</param>
public sealed record Conv2DLayer(int Filters, int KernelHeight, int KernelWidth, int Stride, int Padding, Activation Activation, bool Bias)
    : LayerDescription
{
    /// <inheritdoc/>
    public override Activation Activation { get; } = Activation;

    /// <inheritdoc/>
    public override string Describe()
        => $"Conv2D({Filters},{KernelHeight}x{KernelWidth}{(Stride != 1 ? ",Stride=" + Stride : "")}{(Padding != 0 ? ",Padding=" + Padding : "")}{Suffix(Activation, Bias)})";

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input)
    {
        if (!input.Spatial) throw new ArgumentException($"{Describe()} needs a [channels, height, width] input, not {input}.");
        int h = input.Height + 2 * Padding - KernelHeight, w = input.Width + 2 * Padding - KernelWidth;
        if (h < 0 || w < 0) throw new ArgumentException($"{Describe()}'s kernel is larger than its padded input {input}.");
        return new TensorShape(Filters, h / Stride + 1, w / Stride + 1, true);
    }

    /// <inheritdoc/>
    public override int WeightCount(TensorShape input) => Filters * input.Channels * KernelHeight * KernelWidth;

    /// <inheritdoc/>
    public override int BiasCount(TensorShape input) => Bias ? Filters : 0;

    /// <inheritdoc/>
    public override string Attribute()
    {
        var named = new List<string>();
        if (Stride != 1) named.Add("Stride = " + Stride);
        if (Padding != 0) named.Add("Padding = " + Padding);
        if (!Bias) named.Add("Bias = false");
        string kernel = KernelHeight == KernelWidth ? $"{KernelHeight}" : $"{KernelHeight}, {KernelWidth}";
        return $"Conv2D({Filters}, {kernel}{ActivationArgument(Activation)}{string.Concat(named.Select(n => ", " + n))})";
    }
}

/// <summary>Max or average pooling over Size×Size windows, Stride apart, channel by channel; no parameters.</summary>
/// <param name="Kind">Max or average.</param>
/// <param name="Size">Window size.</param>
/// <param name="Stride">Distance between windows.</param>
/// <param name="Padding">Padding on each side (−∞ for max pooling, zeros for average pooling).</param>
/// <param name="CountIncludePad">Average pooling: whether padded cells count in the divisor (PyTorch's default).</param>
public sealed record Pool2DLayer(PoolKind Kind, int Size, int Stride, int Padding = 0, bool CountIncludePad = true) : LayerDescription
{
    /// <summary>Whether the architecture string and the attribute name the padding rule (average pooling with padding
    /// that does not count the padded cells).</summary>
    public bool ExcludesPad => Kind == PoolKind.Average && Padding != 0 && !CountIncludePad;

    /// <inheritdoc/>
    public override string Describe()
        => $"{(Kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D")}({Size}{(Stride != Size ? ",Stride=" + Stride : "")}" +
           $"{(Padding != 0 ? ",Padding=" + Padding : "")}{(ExcludesPad ? ",ExcludePad" : "")})";

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input)
    {
        if (!input.Spatial) throw new ArgumentException($"{Describe()} needs a [channels, height, width] input, not {input}.");
        int h = input.Height + 2 * Padding - Size, w = input.Width + 2 * Padding - Size;
        if (h < 0 || w < 0) throw new ArgumentException($"{Describe()}'s window is larger than its padded input {input}.");
        return new TensorShape(input.Channels, h / Stride + 1, w / Stride + 1, true);
    }

    /// <inheritdoc/>
    public override string Attribute()
    {
        var named = new List<string>();
        if (Stride != Size) named.Add("Stride = " + Stride);
        if (Padding != 0) named.Add("Padding = " + Padding);
        if (ExcludesPad) named.Add("CountIncludePad = false");
        return $"{(Kind == PoolKind.Max ? "MaxPool2D" : "AvgPool2D")}({Size}{string.Concat(named.Select(n => ", " + n))})";
    }
}

/// <summary>
/// Batch normalisation then <paramref name="Activation"/>, per channel (a feature of a flat input, a channel of a spatial
/// one): y = f(γ · (x − mean) / √(var + ε) + β) at inference. Parameters γ then β, one per channel; state: the running
/// mean then the running variance, one per channel.
/// </summary>
/// <param name="Activation">The non-linearity after the normalisation.</param>
/// <param name="Momentum">The weight of a batch's statistics in the running ones (PyTorch's meaning; 0.1 by default).</param>
/// <param name="Epsilon">Added to the variance before the square root (1e-5 by default).</param>
public sealed record BatchNormLayer(Activation Activation, float Momentum = BatchNormLayer.DefaultMomentum, float Epsilon = BatchNormLayer.DefaultEpsilon)
    : LayerDescription
{
    /// <summary>The momentum when the declaration names none (PyTorch's default).</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>The epsilon when the declaration names none (PyTorch's default).</summary>
    public const float DefaultEpsilon = 1e-5f;

    /// <inheritdoc/>
    public override Activation Activation { get; } = Activation;

    /// <summary>Channels normalised apart: the channels of a spatial input, the features of a flat one.</summary>
    public static int Channels(TensorShape input) => input.Spatial ? input.Channels : input.Size;

    /// <inheritdoc/>
    public override string Describe()
        => "BatchNorm(" + string.Join(",", new[]
            {
                Activation != Activation.Identity ? Activation.ToString() : null,
                Momentum != DefaultMomentum ? "Momentum=" + FormatFloat(Momentum) : null,
                Epsilon != DefaultEpsilon ? "Epsilon=" + FormatFloat(Epsilon) : null,
            }.Where(s => s is not null)) + ")";

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input) => input;

    /// <summary>γ, stored where a layer's weights are.</summary>
    public override int WeightCount(TensorShape input) => Channels(input);

    /// <summary>β, stored where a layer's biases are.</summary>
    public override int BiasCount(TensorShape input) => Channels(input);

    /// <summary>The running mean then the running variance of every channel.</summary>
    public override int StateCount(TensorShape input) => 2 * Channels(input);

    /// <inheritdoc/>
    public override string Attribute()
    {
        var arguments = new List<string>();
        if (Activation != Activation.Identity) arguments.Add("Activation." + Activation);
        if (Momentum != DefaultMomentum) arguments.Add($"Momentum = {FormatFloat(Momentum)}f");
        if (Epsilon != DefaultEpsilon) arguments.Add($"Epsilon = {FormatFloat(Epsilon)}f");
        return $"BatchNorm({string.Join(", ", arguments)})";
    }
}

/// <summary>Inverted dropout at rate <paramref name="Rate"/>: a random mask in training, the identity at inference; no parameters.</summary>
/// <param name="Rate">The probability that a value is zeroed in training, in [0, 1).</param>
public sealed record DropoutLayer(float Rate) : LayerDescription
{
    /// <inheritdoc/>
    public override string Describe() => "Dropout(" + FormatFloat(Rate) + ")";

    /// <inheritdoc/>
    public override TensorShape OutputShape(TensorShape input) => input;

    /// <inheritdoc/>
    public override string Attribute() => $"Dropout({FormatFloat(Rate)}f)";
}

/// <summary>A layer with its shapes and its place in the flat parameter vector (canonical order).</summary>
/// <param name="Index">0-based position.</param>
/// <param name="Layer">The layer.</param>
/// <param name="Input">The shape it receives.</param>
/// <param name="Output">The shape it makes.</param>
/// <param name="ParameterOffset">Where its weights start in the parameter vector.</param>
/// <param name="StateOffset">Where its state (running statistics), if any, starts in the network's state.</param>
public sealed record PlacedLayer(int Index, LayerDescription Layer, TensorShape Input, TensorShape Output, int ParameterOffset, int StateOffset = 0)
{
    /// <summary>The number of weights.</summary>
    public int WeightCount => Layer.WeightCount(Input);

    /// <summary>The number of biases.</summary>
    public int BiasCount => Layer.BiasCount(Input);

    /// <summary>Floats of state.</summary>
    public int StateCount => Layer.StateCount(Input);

    /// <summary>Weights and biases.</summary>
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>Where the biases start in the parameter vector.</summary>
    public int BiasOffset => ParameterOffset + WeightCount;
}

/// <summary>
/// A network as NetCompiler declares it: input shape, layers and loss. Its <see cref="Architecture"/> is the string the
/// source generator makes for the same declaration, which model files store and <c>ModelFile.Load</c> checks.
/// </summary>
public sealed class NetworkDescription
{
    /// <summary>A network from its input shape (one or three dimensions), its layers and its loss; the shapes must chain.</summary>
    /// <exception cref="ArgumentException">The shapes do not chain.</exception>
    public NetworkDescription(IReadOnlyList<int> inputShape, IReadOnlyList<LayerDescription> layers, Loss loss)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Count is not (1 or 3) || inputShape.Any(d => d <= 0))
            throw new ArgumentException($"The input shape must be [size] or [channels, height, width] of positive sizes, not [{string.Join(", ", inputShape)}].");
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.");
        InputShape = inputShape.ToArray();
        Loss = loss;
        var shape = InputShape.Count == 3 ? new TensorShape(InputShape[0], InputShape[1], InputShape[2], true) : TensorShape.Flat(InputShape[0]);
        var placed = new List<PlacedLayer>();
        int offset = 0, stateOffset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            if (i == 0 && layers[i] is BatchNormLayer)
                throw new ArgumentException("Layer 1: a batch normalisation normalises the outputs of a dense, convolution or pooling layer before it, so it cannot come first.");
            TensorShape output;
            try
            {
                output = layers[i].OutputShape(shape);
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"Layer {i + 1}: {ex.Message}", ex);
            }
            var p = new PlacedLayer(i, layers[i], shape, output, offset, stateOffset);
            placed.Add(p);
            offset = checked(offset + p.ParameterCount);
            stateOffset = checked(stateOffset + p.StateCount);
            shape = output;
        }
        Layers = placed;
        ParameterCount = offset;
        StateCount = stateOffset;
        if (loss == Loss.SoftmaxCrossEntropy && Output.Spatial)
            throw new ArgumentException($"A softmax cross-entropy network must end in a flat vector, not {Output}.");
    }

    /// <summary>The shape of one input sample.</summary>
    public IReadOnlyList<int> InputShape { get; }

    /// <summary>The layers with their shapes, in order.</summary>
    public IReadOnlyList<PlacedLayer> Layers { get; }

    /// <summary>The training objective (<see cref="Loss.SoftmaxCrossEntropy"/> for a classifier: Predict returns probabilities).</summary>
    public Loss Loss { get; }

    /// <summary>The number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>Floats of state: the running mean and variance of each channel of each batch normalisation, layer by
    /// layer (<c>ITrainingModeNetwork.State</c>, a version-2 model file's state); 0 when there is none.</summary>
    public int StateCount { get; }

    /// <summary>Floats per input sample.</summary>
    public int InputSize => InputShape.Aggregate(1, (a, b) => a * b);

    /// <summary>The shape of one output sample.</summary>
    public TensorShape Output => Layers[^1].Output;

    /// <summary>The canonical one-line architecture, as the generator writes it.</summary>
    public string Architecture =>
        "Input(" + string.Join(",", InputShape) + ") " + string.Join(" ", Layers.Select(l => l.Layer.Describe())) + " " + Loss;

    /// <summary>FNV-1a 64-bit hash of <see cref="Architecture"/> over UTF-8: the model format's own function, as the
    /// generator and <see cref="ModelFile"/> compute it.</summary>
    public ulong ArchitectureHash => ModelFormat.Fnv1a64(Encoding.UTF8.GetBytes(Architecture));

    private static readonly Regex Token = new(@"^(?<kind>[A-Za-z0-9]+)\((?<args>[^()]*)\)$", RegexOptions.CultureInvariant);

    /// <summary>Reads an architecture string such as a model file stores (<c>Input(784) Dense(128,ReLU) Dense(10) SoftmaxCrossEntropy</c>).</summary>
    /// <exception cref="FormatException">The string is not a NetCompiler architecture this build knows.</exception>
    public static NetworkDescription Parse(string architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        string[] tokens = architecture.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length < 3)
            throw new FormatException($"Architecture \"{architecture}\" needs an input, at least one layer and a loss.");
        if (!Enum.TryParse(tokens[^1], out Loss loss) || !Enum.IsDefined(loss) || tokens[^1].Any(char.IsDigit))
            throw new FormatException($"Architecture \"{architecture}\": unknown loss \"{tokens[^1]}\".");

        Match input = Token.Match(tokens[0]);
        if (!input.Success || input.Groups["kind"].Value != "Input")
            throw new FormatException($"Architecture \"{architecture}\" must start with Input(...), not \"{tokens[0]}\".");
        int[] shape = input.Groups["args"].Value.Split(',').Select(a => Int(a, tokens[0])).ToArray();

        var layers = new List<LayerDescription>();
        foreach (string token in tokens[1..^1])
            layers.Add(ParseLayer(token));
        try
        {
            var description = new NetworkDescription(shape, layers, loss);
            if (description.Architecture != architecture)
                throw new FormatException($"Architecture \"{architecture}\" is not in canonical form (expected \"{description.Architecture}\").");
            return description;
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"Architecture \"{architecture}\": {ex.Message}", ex);
        }
    }

    private static LayerDescription ParseLayer(string token)
    {
        Match m = Token.Match(token);
        if (!m.Success) throw new FormatException($"Cannot read layer \"{token}\".");
        switch (m.Groups["kind"].Value)
        {
            case "BatchNorm":
                return ParseBatchNorm(token, m.Groups["args"].Value);
            case "Dropout":
            {
                float rate = Float(m.Groups["args"].Value, token);
                return rate is >= 0 and < 1 ? new DropoutLayer(rate)
                    : throw new FormatException($"Layer \"{token}\": the dropout rate must be in [0, 1).");
            }
        }
        string[] args = m.Groups["args"].Value.Split(',');
        Activation activation = Activation.Identity;
        bool bias = true, excludePad = false;
        int stride = -1, padding = 0;
        for (int i = 1; i < args.Length; i++)
        {
            string a = args[i];
            if (a == "NoBias") bias = false;
            else if (a == "ExcludePad") excludePad = true;
            else if (a.StartsWith("Stride=", StringComparison.Ordinal)) stride = Int(a["Stride=".Length..], token);
            else if (a.StartsWith("Padding=", StringComparison.Ordinal)) padding = Int(a["Padding=".Length..], token);
            else if (Enum.TryParse(a, out Activation act) && Enum.IsDefined(act) && !a.Any(char.IsDigit)) activation = act;
            else if (!(m.Groups["kind"].Value == "Conv2D" && i == 1)) throw new FormatException($"Layer \"{token}\": unknown argument \"{a}\".");
        }
        switch (m.Groups["kind"].Value)
        {
            case "Dense":
                return new DenseLayer(Int(args[0], token), activation, bias);
            case "Conv2D":
            {
                string[] kernel = args.Length > 1 ? args[1].Split('x') : [];
                if (kernel.Length != 2) throw new FormatException($"Layer \"{token}\": expected a kernel such as 5x5.");
                return new Conv2DLayer(Int(args[0], token), Int(kernel[0], token), Int(kernel[1], token), stride < 0 ? 1 : stride, padding, activation, bias);
            }
            case "MaxPool2D" or "AvgPool2D":
            {
                int size = Int(args[0], token);
                return new Pool2DLayer(m.Groups["kind"].Value == "MaxPool2D" ? PoolKind.Max : PoolKind.Average, size, stride < 0 ? size : stride, padding, !excludePad);
            }
            default:
                throw new FormatException($"Unknown layer \"{token}\": this build knows Dense, Conv2D, MaxPool2D, AvgPool2D, BatchNorm and Dropout.");
        }
    }

    private static BatchNormLayer ParseBatchNorm(string token, string arguments)
    {
        Activation activation = Activation.Identity;
        float momentum = BatchNormLayer.DefaultMomentum, epsilon = BatchNormLayer.DefaultEpsilon;
        foreach (string a in arguments.Length == 0 ? [] : arguments.Split(','))
        {
            if (a.StartsWith("Momentum=", StringComparison.Ordinal)) momentum = Float(a["Momentum=".Length..], token);
            else if (a.StartsWith("Epsilon=", StringComparison.Ordinal)) epsilon = Float(a["Epsilon=".Length..], token);
            else if (Enum.TryParse(a, out Activation act) && Enum.IsDefined(act) && !a.Any(char.IsDigit)) activation = act;
            else throw new FormatException($"Layer \"{token}\": unknown argument \"{a}\".");
        }
        if (momentum is not (>= 0 and <= 1)) throw new FormatException($"Layer \"{token}\": the momentum must be in [0, 1].");
        if (!(epsilon > 0) || float.IsInfinity(epsilon)) throw new FormatException($"Layer \"{token}\": epsilon must be positive and finite.");
        return new BatchNormLayer(activation, momentum, epsilon);
    }

    private static float Float(string text, string token)
        => float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && float.IsFinite(value)
            ? value
            : throw new FormatException($"Layer \"{token}\": \"{text}\" is not a number.");

    private static int Int(string text, string token)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0
            ? value
            : throw new FormatException($"Layer \"{token}\": \"{text}\" is not a positive integer.");
}
