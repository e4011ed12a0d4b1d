using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>The diagnostics of batch-normalisation layers: NC0071–NC0073.</summary>
internal static partial class DiagnosticDescriptors
{
    /// <summary>NC0071: "The Epsilon of {0} is {1} ...".</summary>
    public static readonly DiagnosticDescriptor BatchNormEpsilon = new(
        "NC0071",
        "BatchNorm epsilon not positive",
        "The Epsilon of {0} is {1}: it is added to the variance before its square root, so give a small positive finite number (PyTorch's default is 1e-5)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Batch normalisation divides by √(σ² + ε); with ε ≤ 0 a channel whose values are all equal divides by zero, and a non-finite ε makes every output 0 or NaN.");

    /// <summary>NC0072: "The Momentum of {0} is {1} ...".</summary>
    public static readonly DiagnosticDescriptor BatchNormMomentum = new(
        "NC0072",
        "BatchNorm momentum outside [0, 1]",
        "The Momentum of {0} is {1}: the running statistics move by (1 − momentum) · running + momentum · batch, so give a number in [0, 1] (PyTorch's default is 0.1)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A momentum outside [0, 1] (or NaN) makes the running statistics an extrapolation that grows without bound instead of an average.");

    /// <summary>NC0073: "{0} normalises the input ...".</summary>
    public static readonly DiagnosticDescriptor BatchNormFirst = new(
        "NC0073",
        "BatchNorm directly after the input",
        "{0} normalises the network's input, which has no layer below it to learn from the normalisation: scale the data before training instead, or put [BatchNorm] after a [Dense] or [Conv2D] layer",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A batch-normalisation layer follows a dense, convolution or pooling layer (BatchNorm1d per feature, BatchNorm2d per channel); as the first layer it would only rescale the data, which belongs in the data pipeline.");
}
