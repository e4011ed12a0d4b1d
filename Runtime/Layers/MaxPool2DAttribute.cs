using System;

namespace NetCompiler;

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
