using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>The diagnostics of dropout layers: NC0070.</summary>
internal static partial class DiagnosticDescriptors
{
    /// <summary>NC0070: "The dropout rate of {0} is {1} ...".</summary>
    public static readonly DiagnosticDescriptor DropoutRateOutOfRange = new(
        "NC0070",
        "Dropout rate outside [0, 1)",
        "The dropout rate of {0} is {1}: it is the probability that a value is zeroed in training, so give a number in [0, 1), for example [Dropout(0.5f)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Inverted dropout zeroes each value with probability p and scales the others by 1 / (1 − p): p = 1 would divide by zero, and a negative, larger or NaN rate is no probability.");
}
