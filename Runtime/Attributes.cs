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

/// <summary>A fully connected layer: y = f(W·x + b) with W of shape [units, inputs].</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>A layer of <paramref name="units"/> outputs with the non-linearity <paramref name="activation"/>.</summary>
    /// <param name="units">The number of output units, at least 1.</param>
    /// <param name="activation">The non-linearity applied to the weighted sum (none unless set).</param>
    public DenseAttribute(int units, Activation activation = Activation.Identity)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>The number of output units.</summary>
    public int Units { get; }

    /// <summary>The non-linearity applied to the weighted sum.</summary>
    public Activation Activation { get; }

    /// <summary>Whether the layer adds a learned bias (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// A 2-D convolution over a [channels, height, width] input: one learned filter of shape [channels, kernelHeight,
/// kernelWidth] per output channel, slid <see cref="Stride"/> apart over the input padded with <see cref="Padding"/>
/// zeros on every side; then f. Weights are [filters, channels, kernelHeight, kernelWidth] (PyTorch's Conv2d).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>A square <paramref name="kernel"/>×<paramref name="kernel"/> convolution.</summary>
    public Conv2DAttribute(int filters, int kernel, Activation activation = Activation.Identity)
        : this(filters, kernel, kernel, activation)
    {
    }

    /// <summary>A <paramref name="kernelHeight"/>×<paramref name="kernelWidth"/> convolution.</summary>
    public Conv2DAttribute(int filters, int kernelHeight, int kernelWidth, Activation activation = Activation.Identity)
    {
        Filters = filters;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Activation = activation;
    }

    /// <summary>The number of output channels (feature maps).</summary>
    public int Filters { get; }

    /// <summary>The height of each filter, in input rows.</summary>
    public int KernelHeight { get; }

    /// <summary>The width of each filter, in input columns.</summary>
    public int KernelWidth { get; }

    /// <summary>The non-linearity applied to each output value.</summary>
    public Activation Activation { get; }

    /// <summary>Distance between two applications of the filter, in both directions (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on each side of the input, in both directions (default 0).</summary>
    public int Padding { get; set; }

    /// <summary>Whether the layer adds a learned bias per output channel (default true).</summary>
    public bool Bias { get; set; } = true;
}

/// <summary>
/// Max pooling: each output is the largest value of a <c>size</c>×<c>size</c> window of its channel, as
/// <c>torch.nn.MaxPool2d(size, stride, padding)</c>. The windows slide over the input bordered by <see cref="Padding"/>
/// positions on every side that never win (as if −∞); the output is
/// ⌊(height + 2·padding − size) / stride⌋ + 1 by ⌊(width + 2·padding − size) / stride⌋ + 1.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : Attribute
{
    /// <summary>Max pooling over <paramref name="size"/>×<paramref name="size"/> windows.</summary>
    /// <param name="size">The side of the square window, at least 1.</param>
    public MaxPool2DAttribute(int size) => Size = size;

    /// <summary>The side of the square pooling window.</summary>
    public int Size { get; }

    /// <summary>Distance between windows; 0 (the default) means <see cref="Size"/>, i.e. windows that do not overlap.</summary>
    public int Stride { get; set; }

    /// <summary>
    /// Positions added on each side of the input, in both directions, that never win a window (default 0); at most half
    /// the window size, as PyTorch requires.
    /// </summary>
    public int Padding { get; set; }
}

/// <summary>
/// Average pooling: each output is the mean of a <c>size</c>×<c>size</c> window of its channel, as
/// <c>torch.nn.AvgPool2d(size, stride, padding, count_include_pad)</c>. The windows slide over the input bordered by
/// <see cref="Padding"/> zeros on every side; the output is
/// ⌊(height + 2·padding − size) / stride⌋ + 1 by ⌊(width + 2·padding − size) / stride⌋ + 1.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Attribute
{
    /// <summary>Average pooling over <paramref name="size"/>×<paramref name="size"/> windows.</summary>
    /// <param name="size">The side of the square window, at least 1.</param>
    public AvgPool2DAttribute(int size) => Size = size;

    /// <summary>The side of the square pooling window.</summary>
    public int Size { get; }

    /// <summary>Distance between windows; 0 (the default) means <see cref="Size"/>, i.e. windows that do not overlap.</summary>
    public int Stride { get; set; }

    /// <summary>Zeros added on each side of the input, in both directions (default 0); at most half the window size, as PyTorch requires.</summary>
    public int Padding { get; set; }

    /// <summary>
    /// Whether the padding counts in the mean (default true, PyTorch's <c>count_include_pad=True</c>): true divides every
    /// window's sum by size², false by the number of input positions the window covers, so a window at the border is the
    /// mean of its input values alone.
    /// </summary>
    public bool CountIncludePad { get; set; } = true;
}

/// <summary>
/// Batch normalisation, as PyTorch's <c>BatchNorm1d</c> after a dense layer (one mean and variance per feature) and
/// <c>BatchNorm2d</c> after a convolution or pooling layer (one per channel, over batch × height × width), followed by
/// <see cref="Activation"/>: y = f(γ · (x − μ) / √(σ² + ε) + β). Conv → BN → ReLU is
/// <c>[Conv2D(16, 5)] [BatchNorm(Activation.ReLU)]</c>.
/// <para>
/// Training (<c>ComputeGradients</c>) normalises with the batch's own mean and biased variance and differentiates
/// through them; the running statistics move towards the batch's (unbiased variance) as
/// running = (1 − <see cref="Momentum"/>) · running + <see cref="Momentum"/> · batch, applied by the trainer after each
/// step (see <see cref="ITrainingModeNetwork"/>). Inference (<c>Predict</c>, <c>PredictBatch</c>) normalises with the
/// running statistics. γ (initially 1) and β (initially 0) are parameters, after the preceding layer's; the running
/// mean (initially 0) and variance (initially 1) are the network's <see cref="ITrainingModeNetwork.State"/>.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Batch normalisation followed by <paramref name="activation"/>.</summary>
    /// <param name="activation">The non-linearity applied to the normalised, scaled and shifted values (none unless set).</param>
    public BatchNormAttribute(Activation activation = Activation.Identity) => Activation = activation;

    /// <summary>The non-linearity applied after the normalisation.</summary>
    public Activation Activation { get; }

    /// <summary>The weight of a batch's statistics in the running statistics, in [0, 1] (default 0.1, as PyTorch).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before its square root, positive (default 1e-5, as PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}

/// <summary>
/// Inverted dropout, as PyTorch's <c>Dropout(p)</c>: in training each value is zeroed with probability
/// <c>p</c> and the others are scaled by 1 / (1 − p); inference is the identity. The mask is a function of the
/// training step (<see cref="TrainingStep"/>: seed and step number), the sample's index in the batch, the layer and
/// the unit, so it is the same whichever thread or part of a batch computes it.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Dropout with rate <paramref name="p"/>.</summary>
    /// <param name="p">The probability that a value is zeroed in training, in [0, 1).</param>
    public DropoutAttribute(float p) => P = p;

    /// <summary>The probability that a value is zeroed in training.</summary>
    public float P { get; }
}
