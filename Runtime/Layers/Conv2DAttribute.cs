using System;

namespace NetCompiler;

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
