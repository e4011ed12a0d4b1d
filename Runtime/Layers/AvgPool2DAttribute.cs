using System;

namespace NetCompiler;

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
