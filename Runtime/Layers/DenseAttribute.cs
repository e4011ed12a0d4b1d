using System;

namespace NetCompiler;

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
