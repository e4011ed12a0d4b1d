namespace NetCompiler.Generator.Model;

/// <summary>A fully connected layer: y = f(W·x + b), W of shape [OutputSize, InputSize] row-major.</summary>
internal sealed record DenseLayerSpec(int Index, Shape Input, int Units, ActivationKind Activation, bool Bias, int ParameterOffset)
    : LayerSpec(Index, Input, Shape.Flat(Units), Activation, ParameterOffset)
{
    public override int WeightCount => InputSize * OutputSize;

    public override bool HasBias => Bias;

    public override int ParameterCount => WeightCount + (Bias ? OutputSize : 0);

    public override (int FanIn, int FanOut) Fans => (InputSize, OutputSize);

    public override string Describe() => "Dense(" + OutputSize + Suffix(Bias) + ")";
}
