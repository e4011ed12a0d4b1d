using System;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>
/// Stochastic gradient descent with optional heavy-ball (or Nesterov) momentum and L2 weight decay, with PyTorch's
/// <c>torch.optim.SGD</c> semantics (dampening 0):
/// <code>
/// g = g + weightDecay · p
/// v = momentum · v + g            (v starts at 0, so the first step has v = g)
/// d = nesterov ? g + momentum · v : v
/// p = p − learningRate · d
/// </code>
/// With <c>momentum = 0</c> this is plain SGD, <c>p −= learningRate · (g + weightDecay · p)</c>.
/// The optimizer owns its velocity buffer, sized once at construction; <see cref="Optimizer.Step"/> does not allocate and is
/// vectorised with <see cref="Vector{T}"/>. Parameters and gradients are flat spans in the canonical order.
/// An instance is not thread-safe.
/// </summary>
public sealed class Sgd : Optimizer
{
    private readonly float[] _velocity;

    /// <summary>Creates an optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Number of parameters <see cref="Optimizer.Step"/> updates; must be positive.</param>
    /// <param name="learningRate">Step size; finite and ≥ 0.</param>
    /// <param name="momentum">Momentum factor μ in [0, 1); 0 disables momentum (no velocity buffer is allocated).</param>
    /// <param name="weightDecay">L2 penalty coefficient; finite and ≥ 0.</param>
    /// <param name="nesterov">Use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum.</exception>
    public Sgd(int parameterCount, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
        : base(parameterCount, learningRate)
    {
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        ValidateNonNegative(weightDecay, nameof(weightDecay), "weight decay");
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum requires a momentum > 0.", nameof(nesterov));

        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _velocity = momentum > 0f ? new float[parameterCount] : [];
    }

    /// <summary>Momentum factor μ in [0, 1).</summary>
    public float Momentum { get; }

    /// <summary>L2 weight-decay coefficient (added to the gradient as <c>weightDecay · p</c>).</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>The momentum buffer (empty when <see cref="Momentum"/> is 0).</summary>
    public ReadOnlySpan<float> Velocity => _velocity;

    internal override string Describe() => FormattableString.Invariant($"SGD(momentum {Momentum}, weight decay {WeightDecay}, nesterov {Nesterov})");

    internal override int StateBufferCount => 1;

    internal override Span<float> StateBuffer(int index) => index == 0 ? _velocity : throw new ArgumentOutOfRangeException(nameof(index));

    private protected override void UpdateRange(Span<float> p, int start, OneBuffer g) => Update(p, Range(_velocity, start, p.Length), g);

    private protected override void UpdateRange(Span<float> p, int start, WeightedPair g) => Update(p, Range(_velocity, start, p.Length), g);

    /// <summary>
    /// The update rules of <see cref="Optimizer.Step"/>, the one place they are written: p, v and the gradient g are the same range.
    /// Vectors, then a scalar tail; every operation a separate multiply or add (the JIT does not contract them into FMAs),
    /// so the vector and scalar forms give the same bits.
    /// </summary>
    private void Update<TGradient>(Span<float> p, Span<float> v, TGradient g) where TGradient : IGradient, allows ref struct
    {
        float lr = LearningRate, wd = WeightDecay, mu = Momentum;
        Span<Vector<float>> pv = MemoryMarshal.Cast<float, Vector<float>>(p);
        var vlr = new Vector<float>(lr);
        var vwd = new Vector<float>(wd);
        int tail = pv.Length * Vector<float>.Count;
        if (mu == 0f)
        {
            // p −= lr · (g + wd · p)
            for (int i = 0; i < pv.Length; i++)
                pv[i] -= vlr * (g.Vector(i) + vwd * pv[i]);
            for (int i = tail; i < p.Length; i++)
                p[i] -= lr * (g.Scalar(i) + wd * p[i]);
            return;
        }
        Span<Vector<float>> vv = MemoryMarshal.Cast<float, Vector<float>>(v);
        var vmu = new Vector<float>(mu);
        if (Nesterov)
        {
            // grad = g + wd · p; v = mu · v + grad; p −= lr · (grad + mu · v)
            for (int i = 0; i < pv.Length; i++)
            {
                Vector<float> grad = g.Vector(i) + vwd * pv[i];
                Vector<float> vel = vmu * vv[i] + grad;
                vv[i] = vel;
                pv[i] -= vlr * (grad + vmu * vel);
            }
            for (int i = tail; i < p.Length; i++)
            {
                float grad = g.Scalar(i) + wd * p[i];
                float vel = mu * v[i] + grad;
                v[i] = vel;
                p[i] -= lr * (grad + mu * vel);
            }
            return;
        }
        // v = mu · v + (g + wd · p); p −= lr · v
        for (int i = 0; i < pv.Length; i++)
        {
            Vector<float> vel = vmu * vv[i] + (g.Vector(i) + vwd * pv[i]);
            vv[i] = vel;
            pv[i] -= vlr * vel;
        }
        for (int i = tail; i < p.Length; i++)
        {
            float vel = mu * v[i] + (g.Scalar(i) + wd * p[i]);
            v[i] = vel;
            p[i] -= lr * vel;
        }
    }
}
