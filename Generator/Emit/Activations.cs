using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit;

/// <summary>The non-linearities and their derivatives, as C# expressions. Derivatives are written in terms of the
/// activation's output y = f(z), which the forward pass keeps, so z never has to be stored.</summary>
internal static class Activations
{
    /// <summary>f(z) for a scalar expression z.</summary>
    public static string Apply(ActivationKind kind, string z) => kind switch
    {
        ActivationKind.Identity => z,
        ActivationKind.ReLU => $"float.MaxNative(0f, {z})",
        ActivationKind.Tanh => $"{Names.MathF}.Tanh({z})",
        ActivationKind.Sigmoid => $"1f / (1f + {Names.MathF}.Exp(-({z})))",
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>Whether f has a vector form (<see cref="VectorApply"/>); tanh and the logistic are applied to stored sums afterwards.</summary>
    public static bool HasVectorForm(ActivationKind kind) => kind is ActivationKind.Identity or ActivationKind.ReLU;

    /// <summary>f(v) for a vector expression v where f has a vector form; v itself (the sums) otherwise.</summary>
    /// <remarks>
    /// ReLU is <c>MaxNative(0, v)</c>, one <c>vmaxps</c> (<c>Vector.Max</c>'s IEEE maximum is seven instructions here):
    /// it returns its second operand when either is NaN (x86; Arm returns NaN), so a NaN sum stays NaN, as with
    /// <c>MathF.Max</c>; −0 stays −0 (<c>MathF.Max</c> gives +0: equal values). The scalar form is the same
    /// expression, so every path and tail gives the same bits.
    /// </remarks>
    public static string VectorApply(Isa isa, ActivationKind kind, string v)
        => kind == ActivationKind.ReLU ? $"{isa.Vector}.MaxNative({isa.VectorOfFloat}.Zero, {v})" : v;

    /// <summary>f′(z)·d for scalars, given y = f(z) (ReLU: d where y &gt; 0; tanh: d·(1 − y²); logistic: d·y·(1 − y)).</summary>
    public static string ScalarDerivativeTimes(ActivationKind kind, string y, string d) => kind switch
    {
        ActivationKind.Identity => d,
        ActivationKind.ReLU => $"({y} > 0f ? {d} : 0f)",
        ActivationKind.Tanh => $"{d} * (1f - {y} * {y})",
        ActivationKind.Sigmoid => $"{d} * {y} * (1f - {y})",
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>f′(z)·d for vectors, given y = f(z).</summary>
    public static string VectorDerivativeTimes(Isa isa, ActivationKind kind, string y, string d) => kind switch
    {
        ActivationKind.Identity => d,
        ActivationKind.ReLU => $"{isa.Vector}.ConditionalSelect({isa.Vector}.GreaterThan({y}, {isa.VectorOfFloat}.Zero), {d}, {isa.VectorOfFloat}.Zero)",
        ActivationKind.Tanh => $"{d} * ({isa.VectorOfFloat}.One - {y} * {y})",
        ActivationKind.Sigmoid => $"{d} * {y} * ({isa.VectorOfFloat}.One - {y})",
        _ => throw new System.ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>How the comments name f.</summary>
    public static string Describe(ActivationKind kind) => kind switch
    {
        ActivationKind.Identity => "identity",
        ActivationKind.ReLU => "ReLU",
        ActivationKind.Tanh => "tanh",
        ActivationKind.Sigmoid => "logistic",
        _ => kind.ToString(),
    };
}
