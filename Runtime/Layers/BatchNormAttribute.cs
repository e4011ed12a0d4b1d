using System;

namespace NetCompiler;

/// <summary>
/// Batch normalisation, as PyTorch's <c>BatchNorm1d</c> after a dense layer (one mean and variance per feature) and
/// <c>BatchNorm2d</c> after a convolution or pooling layer (one per channel, over batch × height × width), followed by
/// <see cref="Activation"/>: y = f(γ · (x − μ) / √(σ² + ε) + β). Conv → BN → ReLU is
/// <c>[Conv2D(16, 5)] [BatchNorm(Activation.ReLU)]</c>.
/// <para>
/// Training (<c>ComputeGradients</c>) normalises with the batch's own mean and biased variance and differentiates
/// through them; the running statistics move towards the batch's (unbiased variance) as
/// running = (1 − <see cref="Momentum"/>) · running + <see cref="Momentum"/> · batch, applied by the trainer after each
/// step (see <see cref="ITrainingModeNetwork"/>). Inference (<c>Predict</c>, <c>PredictBatch</c>) normalises with the
/// running statistics. γ (initially 1) and β (initially 0) are parameters, after the preceding layer's; the running
/// mean (initially 0) and variance (initially 1) are the network's <see cref="ITrainingModeNetwork.State"/>.
/// </para>
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormAttribute : Attribute
{
    /// <summary>Batch normalisation followed by <paramref name="activation"/>.</summary>
    /// <param name="activation">The non-linearity applied to the normalised, scaled and shifted values (none unless set).</param>
    public BatchNormAttribute(Activation activation = Activation.Identity) => Activation = activation;

    /// <summary>The non-linearity applied after the normalisation.</summary>
    public Activation Activation { get; }

    /// <summary>The weight of a batch's statistics in the running statistics, in [0, 1] (default 0.1, as PyTorch).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before its square root, positive (default 1e-5, as PyTorch).</summary>
    public float Epsilon { get; set; } = 1e-5f;
}
