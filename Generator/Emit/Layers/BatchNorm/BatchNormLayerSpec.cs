using System.Linq;

namespace NetCompiler.Generator.Model;

/// <summary>
/// Batch normalisation of the layer below's outputs, then f: per channel (a feature of a flat input, a channel of a
/// spatial one) y = f(γ · (x − μ) / √(σ² + ε) + β). Parameters γ [channels] then β [channels]; state: the running mean
/// [channels] then the running variance [channels] at <see cref="StateOffset"/>.
/// </summary>
internal sealed record BatchNormLayerSpec(int Index, Shape Input, ActivationKind Activation, float Momentum, float Epsilon, int ParameterOffset, int StateOffset)
    : LayerSpec(Index, Input, Input, Activation, ParameterOffset)
{
    /// <summary>Channels normalised apart: the channels of a spatial input, the features of a flat one.</summary>
    public int Channels => Input.Spatial ? Input.Channels : Input.Size;

    /// <summary>Values of one channel in one sample: height × width, or 1.</summary>
    public int Positions => Input.Spatial ? Input.Height * Input.Width : 1;

    /// <summary>γ, stored where a layer's weights are.</summary>
    public override int WeightCount => Channels;

    /// <summary>β, stored where a layer's bias is.</summary>
    public override bool HasBias => true;

    public override int ParameterCount => 2 * Channels;

    /// <summary>Floats of state: the running mean and variance of every channel.</summary>
    public override int StateCount => 2 * Channels;

    public override string Describe()
        => "BatchNorm(" + string.Join(",", new[]
            {
                Activation != ActivationKind.Identity ? Activation.ToString() : null,
                Momentum != 0.1f ? "Momentum=" + Format(Momentum) : null,
                Epsilon != 1e-5f ? "Epsilon=" + Format(Epsilon) : null,
            }.Where(s => s is not null)) + ")";
}
