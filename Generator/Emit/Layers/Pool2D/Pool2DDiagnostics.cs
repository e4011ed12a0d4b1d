using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>The diagnostics of pooling layers: NC0060–NC0062.</summary>
internal static partial class DiagnosticDescriptors
{
    /// <summary>NC0060: "The padding of {0} is {1} ...".</summary>
    public static readonly DiagnosticDescriptor NegativePoolPadding = new(
        "NC0060",
        "Pooling padding is negative",
        "The padding of {0} is {1}: padding is the number of positions added on each side of the input, so give 0 (no padding) or more",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A pooling layer's Padding borders its input on every side; a negative count has no meaning.");

    /// <summary>NC0061: "The padding of {0} is {1}, more than half its window ...".</summary>
    public static readonly DiagnosticDescriptor PoolPaddingTooLarge = new(
        "NC0061",
        "Pooling padding exceeds half the window",
        "The padding of {0} is {1}, more than half its {2}×{2} window: use a padding of at most {3}, or a window of at least {4}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "As in PyTorch (\"pad should be at most half of kernel size\"), a pooling layer's padding is at most half its window size, so that every window covers at least one input position.");

    /// <summary>NC0062: "{0} has an empty output ...".</summary>
    public static readonly DiagnosticDescriptor PoolOutputEmpty = new(
        "NC0062",
        "Pooling output is empty",
        "{0} has an empty output: its {1}×{1} window does not fit its input {2} padded to {3}×{4}; use a smaller window, more padding, or remove a pooling layer before it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A padded pooling layer has ⌊(height + 2·padding − size) / stride⌋ + 1 rows and as many columns by the width: the window must fit the padded input.");
}
