namespace NetCompiler.Generator.Model;

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
