using System;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;

namespace NetCompiler;

/// <summary>
/// A first-order optimizer that updates a network's flat parameter span in place from a gradient of the same length:
/// <see cref="Sgd"/> or <see cref="Adam"/>. <see cref="Trainer{TNet}"/> takes any of them. An optimizer owns its state
/// buffers (momentum, moments), sized once at construction; <see cref="Step"/> does not allocate. With
/// <see cref="TrainerOptions.Threads"/> &gt; 1 the trainer reduces the threads' gradients inside the optimizer's update
/// (one pass over parameters, state and gradients), each thread on its own range of parameters.
/// An instance is not thread-safe.
/// </summary>
public abstract class Optimizer
{
    private float _learningRate;

    private protected Optimizer(int parameterCount, float learningRate)
    {
        if (parameterCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(parameterCount), parameterCount, "The parameter count must be positive.");
        ValidateLearningRate(learningRate, nameof(learningRate));
        ParameterCount = parameterCount;
        _learningRate = learningRate;
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

    /// <summary>Number of <see cref="Step"/> calls (or trainer steps) since construction or the last <see cref="Reset"/>.</summary>
    public long StepCount { get; private set; }

    /// <summary>Forgets the optimizer's state (its buffers set to zero) and resets <see cref="StepCount"/>.</summary>
    public void Reset()
    {
        for (int b = 0; b < StateBufferCount; b++) StateBuffer(b).Clear();
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
        UpdateRange(parameters.Slice(start, length), start, new OneBuffer(gradients.Slice(start, length)));

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
            // One pass: reads both gradient buffers, the parameters and the state once (no separate reduction pass).
            UpdateRange(parameters.Slice(start, length), start,
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

    /// <summary>Counts one step made of <c>StepRange</c> calls (either overload).</summary>
    internal void CountStep() => StepCount++;

    /// <summary>Restores the step count (checkpoints).</summary>
    internal void RestoreStepCount(long stepCount) => StepCount = stepCount;

    /// <summary>A short name of the optimizer and its settings (checkpoints refuse to resume into a different one).</summary>
    internal abstract string Describe();

    /// <summary>Number of state buffers (each <see cref="ParameterCount"/> floats, or empty when unused).</summary>
    internal abstract int StateBufferCount { get; }

    /// <summary>State buffer <paramref name="index"/>, live (checkpoints read and restore it).</summary>
    internal abstract Span<float> StateBuffer(int index);

    /// <summary>
    /// The update rule for parameters <paramref name="p"/>, which start at <paramref name="start"/> in the whole span,
    /// from the gradient of the same range (one buffer).
    /// </summary>
    private protected abstract void UpdateRange(Span<float> p, int start, OneBuffer g);

    /// <summary>As the other overload, the gradient being the weighted sum of two threads' buffers.</summary>
    private protected abstract void UpdateRange(Span<float> p, int start, WeightedPair g);

    /// <summary>The range <c>[start, start + length)</c> of a state buffer, or empty when the buffer is unused.</summary>
    private protected static Span<float> Range(float[] buffer, int start, int length) => buffer.Length == 0 ? default : buffer.AsSpan(start, length);

    /// <summary>
    /// A float hyperparameter as the decimal number it prints as (0.9f as 0.9), in double: PyTorch computes bias
    /// corrections and step sizes in double from Python floats, and this gives the same numbers for the same literals.
    /// </summary>
    private protected static double AsDecimal(float value)
    {
        Span<char> text = stackalloc char[32];
        return value.TryFormat(text, out int written, "R", CultureInfo.InvariantCulture)
            ? double.Parse(text[..written], NumberStyles.Float, CultureInfo.InvariantCulture)
            : value;
    }

    private protected static void ValidateLearningRate(float value, string paramName)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
            throw new ArgumentOutOfRangeException(paramName, value, "The learning rate must be finite and ≥ 0.");
    }

    private protected static void ValidateNonNegative(float value, string paramName, string what)
    {
        if (!(value >= 0f) || !float.IsFinite(value))
            throw new ArgumentOutOfRangeException(paramName, value, $"The {what} must be finite and ≥ 0.");
    }

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

    /// <summary>Where an update rule reads the gradient: element i of the range, as a vector or a float.</summary>
    private protected interface IGradient
    {
        /// <summary>The gradient's vector <paramref name="i"/> (elements i·Count … i·Count + Count − 1).</summary>
        Vector<float> Vector(int i);

        /// <summary>The gradient's element <paramref name="i"/> (for the tail after the last whole vector).</summary>
        float Scalar(int i);
    }

    /// <summary>The gradient is one buffer.</summary>
    private protected readonly ref struct OneBuffer(ReadOnlySpan<float> g) : IGradient
    {
        private readonly ReadOnlySpan<float> _g = g;
        private readonly ReadOnlySpan<Vector<float>> _gv = MemoryMarshal.Cast<float, Vector<float>>(g);
        public Vector<float> Vector(int i) => _gv[i];
        public float Scalar(int i) => _g[i];
    }

    /// <summary>The gradient is wa·ga + wb·gb: two threads' slices of a batch, reduced as they are read.</summary>
    private protected readonly ref struct WeightedPair(ReadOnlySpan<float> ga, float wa, ReadOnlySpan<float> gb, float wb) : IGradient
    {
        private readonly ReadOnlySpan<float> _ga = ga, _gb = gb;
        private readonly ReadOnlySpan<Vector<float>> _gav = MemoryMarshal.Cast<float, Vector<float>>(ga), _gbv = MemoryMarshal.Cast<float, Vector<float>>(gb);
        private readonly float _wa = wa, _wb = wb;
        private readonly Vector<float> _vwa = new(wa), _vwb = new(wb);
        public Vector<float> Vector(int i) => _vwa * _gav[i] + _vwb * _gbv[i];
        public float Scalar(int i) => _wa * _ga[i] + _wb * _gb[i];
    }
}
