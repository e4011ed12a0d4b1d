namespace NetCompiler.Generator.Model;

/// <summary>Inverted dropout at rate <see cref="Rate"/>: y = x · mask / (1 − rate) in training, y = x in inference. No parameters.</summary>
internal sealed record DropoutLayerSpec(int Index, Shape Input, float Rate, int ParameterOffset)
    : LayerSpec(Index, Input, Input, ActivationKind.Identity, ParameterOffset)
{
    public override int ParameterCount => 0;

    public override string Describe() => "Dropout(" + Format(Rate) + ")";
}
