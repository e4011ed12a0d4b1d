using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>
/// Adam (Kingma &amp; Ba), with PyTorch's <c>torch.optim.Adam</c> semantics, and with
/// <c>decoupledWeightDecay: true</c> its <c>torch.optim.AdamW</c> (Loshchilov &amp; Hutter). At step t (from 1):
/// <code>
/// Adam:   g = g + weightDecay · p                  AdamW:  p = p · (1 − learningRate · weightDecay)
/// m = β₁ · m + (1 − β₁) · g
/// v = β₂ · v + (1 − β₂) · g²
/// p = p − (learningRate / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
/// </code>
/// in this order, with ε outside the square root, m and v starting at 0. As in PyTorch, the bias corrections and the
/// step size are computed in double and the element-wise update in float; a float hyperparameter is taken as the
/// decimal number it prints as (0.9f as 0.9, as Python's 0.9). The moments are two buffers of
/// <see cref="Optimizer.ParameterCount"/> floats allocated once; <see cref="Optimizer.Step"/> does not allocate and is
/// vectorised with <see cref="Vector{T}"/>. An instance is not thread-safe.
/// </summary>
public sealed class Adam : Optimizer
{
    private readonly float[] _m, _v;
    private readonly double _beta1, _beta2;

    /// <summary>Creates an Adam (or AdamW) optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Number of parameters <see cref="Optimizer.Step"/> updates; must be positive.</param>
    /// <param name="learningRate">Step size; finite and ≥ 0. Default 0.001.</param>
    /// <param name="beta1">Decay of the first-moment average, in [0, 1). Default 0.9.</param>
    /// <param name="beta2">Decay of the second-moment average, in [0, 1). Default 0.999.</param>
    /// <param name="epsilon">Added to the denominator, outside the square root; finite and ≥ 0. Default 1e-8.</param>
    /// <param name="weightDecay">Weight-decay coefficient; finite and ≥ 0. Default 0.</param>
    /// <param name="decoupledWeightDecay">
    /// false (Adam): the decay is an L2 term added to the gradient, <c>g + weightDecay · p</c>; true (AdamW): the
    /// parameters shrink by <c>learningRate · weightDecay · p</c> before the update, apart from the moments.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public Adam(int parameterCount, float learningRate = 0.001f, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f,
        float weightDecay = 0f, bool decoupledWeightDecay = false)
        : base(parameterCount, learningRate)
    {
        if (!(beta1 >= 0f && beta1 < 1f))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1).");
        if (!(beta2 >= 0f && beta2 < 1f))
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1).");
        ValidateNonNegative(epsilon, nameof(epsilon), "epsilon");
        ValidateNonNegative(weightDecay, nameof(weightDecay), "weight decay");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        DecoupledWeightDecay = decoupledWeightDecay;
        _beta1 = AsDecimal(beta1);
        _beta2 = AsDecimal(beta2);
        _m = new float[parameterCount];
        _v = new float[parameterCount];
    }

    /// <summary>Decay of the first-moment average β₁.</summary>
    public float Beta1 { get; }

    /// <summary>Decay of the second-moment average β₂.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the denominator outside the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Weight-decay coefficient (see <see cref="DecoupledWeightDecay"/>).</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the weight decay is decoupled from the gradient (AdamW) rather than an L2 term in it (Adam).</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>The first moments m (running average of the gradients).</summary>
    public ReadOnlySpan<float> FirstMoments => _m;

    /// <summary>The second moments v (running average of the squared gradients).</summary>
    public ReadOnlySpan<float> SecondMoments => _v;

    internal override string Describe() => FormattableString.Invariant(
        $"{(DecoupledWeightDecay ? "AdamW" : "Adam")}(beta1 {Beta1}, beta2 {Beta2}, epsilon {Epsilon}, weight decay {WeightDecay})");

    internal override int StateBufferCount => 2;

    internal override Span<float> StateBuffer(int index) => index switch
    {
        0 => _m,
        1 => _v,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    private protected override void UpdateRange(Span<float> p, int start, OneBuffer g) =>
        Update(p, _m.AsSpan(start, p.Length), _v.AsSpan(start, p.Length), g);

    private protected override void UpdateRange(Span<float> p, int start, WeightedPair g) =>
        Update(p, _m.AsSpan(start, p.Length), _v.AsSpan(start, p.Length), g);

    /// <summary>
    /// The update rule, the one place it is written: p, m, v and the gradient g are the same range; t is the step being
    /// made (<see cref="Optimizer.StepCount"/> + 1). Vectors, then a scalar tail, with the same operations in the same
    /// order, so both give the same bits. The two "a + α·b" updates (the L2 term and the first moment) are fused
    /// multiply-adds, as in PyTorch's CPU kernel for <c>add(…, alpha)</c>; everything else is a separate multiply, add,
    /// division or true square root, as there.
    /// </summary>
    private void Update<TGradient>(Span<float> p, Span<float> m, Span<float> v, TGradient g) where TGradient : IGradient, allows ref struct
    {
        double lr = AsDecimal(LearningRate), t = StepCount + 1;
        double biasCorrection1 = 1 - Math.Pow(_beta1, t), biasCorrection2 = 1 - Math.Pow(_beta2, t);
        float negativeStepSize = (float)-(lr / biasCorrection1);
        float correction2Root = (float)Math.Sqrt(biasCorrection2);
        float b1 = (float)_beta1, b2 = (float)_beta2, c1 = (float)(1 - _beta1), c2 = (float)(1 - _beta2), eps = Epsilon;
        float l2 = DecoupledWeightDecay ? 0f : WeightDecay;
        float shrink = DecoupledWeightDecay ? (float)(1 - lr * AsDecimal(WeightDecay)) : 1f;

        Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        Span<Vector<float>> mv = MemoryMarshal.Cast<float, Vector<float>>(m);
        Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        Vector<float> vb1 = new(b1), vb2 = new(b2), vc1 = new(c1), vc2 = new(c2), veps = new(eps), vl2 = new(l2), vshrink = new(shrink);
        Vector<float> vstep = new(negativeStepSize), vroot = new(correction2Root);
        for (int i = 0; i < pv.Length; i++)
        {
            Vector<float> param = pv[i];
            Vector<float> grad = Vector.FusedMultiplyAdd(param, vl2, g.Vector(i));
            param *= vshrink;
            Vector<float> mi = Vector.FusedMultiplyAdd(grad, vc1, vb1 * mv[i]);
            Vector<float> vi = vb2 * vv[i] + vc2 * grad * grad;
            mv[i] = mi;
            vv[i] = vi;
            pv[i] = param + vstep * mi / (Vector.SquareRoot(vi) / vroot + veps);
        }
        for (int i = pv.Length * Vector<float>.Count; i < p.Length; i++)
        {
            float param = p[i];
            float grad = MathF.FusedMultiplyAdd(param, l2, g.Scalar(i));
            param *= shrink;
            float mi = MathF.FusedMultiplyAdd(grad, c1, b1 * m[i]);
            float vi = b2 * v[i] + c2 * grad * grad;
            m[i] = mi;
            v[i] = vi;
            p[i] = param + negativeStepSize * mi / (MathF.Sqrt(vi) / correction2Root + eps);
        }
    }
}
