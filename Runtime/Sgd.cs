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
/// The optimizer owns its velocity buffer, sized once at construction; <see cref="Step"/> does not allocate and is
/// vectorised with <see cref="Vector{T}"/>. Parameters and gradients are flat spans in the canonical order.
/// An instance is not thread-safe.
/// </summary>
public sealed class Sgd
{
    private readonly float[] _velocity;
    private float _learningRate;

    /// <summary>Creates an optimizer for <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">Number of parameters <see cref="Step"/> updates; must be positive.</param>
    /// <param name="learningRate">Step size; finite and ≥ 0.</param>
    /// <param name="momentum">Momentum factor μ in [0, 1); 0 disables momentum (no velocity buffer is allocated).</param>
    /// <param name="weightDecay">L2 penalty coefficient; finite and ≥ 0.</param>
    /// <param name="nesterov">Use Nesterov momentum; requires <paramref name="momentum"/> &gt; 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    /// <exception cref="ArgumentException"><paramref name="nesterov"/> is set without momentum.</exception>
    public Sgd(int parameterCount, float learningRate, float momentum = 0f, float weightDecay = 0f, bool nesterov = false)
    {
        if (parameterCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "The parameter count must be positive.");
        ValidateLearningRate(learningRate, nameof(learningRate));
        if (!(momentum >= 0f && momentum < 1f))
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1).");
        if (!(weightDecay >= 0f) || !float.IsFinite(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be finite and ≥ 0.");
        if (nesterov && momentum == 0f)
            throw new ArgumentException("Nesterov momentum requires a momentum > 0.", nameof(nesterov));

        ParameterCount = parameterCount;
        _learningRate = learningRate;
        Momentum = momentum;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        _velocity = momentum > 0f ? new float[parameterCount] : [];
    }

    /// <summary>Number of parameters this optimizer updates.</summary>
    public int ParameterCount { get; }

    /// <summary>The step size used by the next <see cref="Step"/>; settable so a schedule can change it. Finite and ≥ 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            ValidateLearningRate(value, nameof(value));
            _learningRate = value;
        }
    }

    /// <summary>Momentum factor μ in [0, 1).</summary>
    public float Momentum { get; }

    /// <summary>L2 weight-decay coefficient (added to the gradient as <c>weightDecay · p</c>).</summary>
    public float WeightDecay { get; }

    /// <summary>Whether the update uses Nesterov momentum.</summary>
    public bool Nesterov { get; }

    /// <summary>Number of <see cref="Step"/> calls since construction or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

    /// <summary>The momentum buffer (empty when <see cref="Momentum"/> is 0).</summary>
    public ReadOnlySpan<float> Velocity => _velocity;

    /// <summary>Forgets the momentum (velocity set to zero) and resets <see cref="StepCount"/>.</summary>
    public void Reset()
    {
        Array.Clear(_velocity);
        StepCount = 0;
    }

    /// <summary>Applies one update to <paramref name="parameters"/> in place. Allocation-free.</summary>
    /// <param name="parameters">The parameters, updated in place; length <see cref="ParameterCount"/>.</param>
    /// <param name="gradients">The loss gradient for each parameter; length <see cref="ParameterCount"/>. Not modified.</param>
    /// <exception cref="ArgumentException">A span's length is not <see cref="ParameterCount"/>.</exception>
    public void Step(Span<float> parameters, ReadOnlySpan<float> gradients)
    {
        if (parameters.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} parameters, got {parameters.Length}.", nameof(parameters));
        if (gradients.Length != ParameterCount)
            throw new ArgumentException($"Expected {ParameterCount} gradients, got {gradients.Length}.", nameof(gradients));

        StepRange(parameters, gradients, 0, ParameterCount);
        StepCount++;
    }

    /// <summary>
    /// The update of <see cref="Step"/> for the parameters in <c>[start, start + length)</c> only, from one gradient buffer
    /// of <see cref="ParameterCount"/> floats. Does not count a step (see <see cref="CountStep"/>). Ranges that do not
    /// overlap may be updated from different threads at once.
    /// </summary>
    internal void StepRange(Span<float> parameters, ReadOnlySpan<float> gradients, int start, int length) =>
        Update(parameters.Slice(start, length), VelocityRange(start, length), new OneBuffer(gradients.Slice(start, length)));

    /// <summary>
    /// The update of <see cref="Step"/> for the parameters in <c>[start, start + length)</c> only, with the gradient
    /// given as the weighted sum <c>Σ weights[b] · gradients[b][i]</c> of <c>count</c> buffers (each of
    /// <see cref="ParameterCount"/> floats; summed in buffer order, so the result does not depend on how the parameters
    /// are split into ranges). Does not count a step (see <see cref="CountStep"/>). Ranges that do not overlap may be
    /// updated from different threads at once. With more than two buffers the first is overwritten by the sum.
    /// </summary>
    internal void StepRange(Span<float> parameters, float[][] gradients, float[] weights, int count, int start, int length)
    {
        if (count == 2)
        {
            // One pass: reads both gradient buffers, the parameters and the velocity once (no separate reduction pass).
            Update(parameters.Slice(start, length), VelocityRange(start, length),
                new WeightedPair(gradients[0].AsSpan(start, length), weights[0], gradients[1].AsSpan(start, length), weights[1]));
            return;
        }
        if (count > 2)
        {
            // Σ w_b g_b into the first buffer, in buffer order.
            Span<float> sum = gradients[0].AsSpan(start, length);
            Scale(sum, weights[0]);
            for (int b = 1; b < count; b++) AddScaled(sum, gradients[b].AsSpan(start, length), weights[b]);
        }
        else if (weights[0] != 1f)
        {
            throw new ArgumentException("A single gradient buffer must have weight 1.", nameof(weights));
        }
        StepRange(parameters, gradients[0], start, length);
    }

    private Span<float> VelocityRange(int start, int length) => _velocity.Length == 0 ? default : _velocity.AsSpan(start, length);

    private static void Scale(Span<float> x, float w)
    {
        Span<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vw = new Vector<float>(w);
        for (int i = 0; i < xv.Length; i++) xv[i] *= vw;
        for (int i = xv.Length * Vector<float>.Count; i < x.Length; i++) x[i] *= w;
    }

    private static void AddScaled(Span<float> sum, ReadOnlySpan<float> x, float w)
    {
        Span<Vector<float>> sv = MemoryMarshal.Cast<float, Vector<float>>(sum);
        ReadOnlySpan<Vector<float>> xv = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vw = new Vector<float>(w);
        for (int i = 0; i < sv.Length; i++) sv[i] += vw * xv[i];
        for (int i = sv.Length * Vector<float>.Count; i < sum.Length; i++) sum[i] += w * x[i];
    }

    /// <summary>Counts one step made of <c>StepRange</c> calls (either overload).</summary>
    internal void CountStep() => StepCount++;

    /// <summary>Where <see cref="Update{TGradient}"/> reads the gradient: element i of the range, as a vector or a float.</summary>
    private interface IGradient
    {
        /// <summary>The gradient's vector <paramref name="i"/> (elements i·Count … i·Count + Count − 1).</summary>
        Vector<float> Vector(int i);

        /// <summary>The gradient's element <paramref name="i"/> (for the tail after the last whole vector).</summary>
        float Scalar(int i);
    }

    /// <summary>The gradient is one buffer.</summary>
    private readonly ref struct OneBuffer(ReadOnlySpan<float> g) : IGradient
    {
        private readonly ReadOnlySpan<float> _g = g;
        private readonly ReadOnlySpan<Vector<float>> _gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        public Vector<float> Vector(int i) => _gv[i];
        public float Scalar(int i) => _g[i];
    }

    /// <summary>The gradient is wa·ga + wb·gb: two threads' slices of a batch, reduced as they are read.</summary>
    private readonly ref struct WeightedPair(ReadOnlySpan<float> ga, float wa, ReadOnlySpan<float> gb, float wb) : IGradient
    {
        private readonly ReadOnlySpan<float> _ga = ga, _gb = gb;
        private readonly ReadOnlySpan<Vector<float>> _gav = MemoryMarshal.Cast<float, Vector<float>>(ga), _gbv = MemoryMarshal.Cast<float, Vector<float>>(gb);
        private readonly float _wa = wa, _wb = wb;
        private readonly Vector<float> _vwa = new(wa), _vwb = new(wb);
        public Vector<float> Vector(int i) => _vwa * _gav[i] + _vwb * _gbv[i];
        public float Scalar(int i) => _wa * _ga[i] + _wb * _gb[i];
    }

    /// <summary>
    /// The update rules of <see cref="Step"/>, the one place they are written: p, v and the gradient g are the same range.
    /// Vectors, then a scalar tail; every operation a separate multiply or add (the JIT does not contract them into FMAs),
    /// so the vector and scalar forms give the same bits.
    /// </summary>
    private void Update<TGradient>(Span<float> p, Span<float> v, TGradient g) where TGradient : IGradient, allows ref struct
    {
        float lr = _learningRate, wd = WeightDecay, mu = Momentum;
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

    private static void ValidateLearningRate(float value, string paramName)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
            throw new ArgumentOutOfRangeException(paramName, value, "The learning rate must be finite and ≥ 0.");
    }
}
