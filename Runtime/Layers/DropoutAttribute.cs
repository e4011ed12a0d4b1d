using System;

namespace NetCompiler;

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
