namespace NetCompiler.Generator.Model;

/// <summary>How a pooling layer reduces its window.</summary>
internal enum PoolKind
{
    Max,
    Average,
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
