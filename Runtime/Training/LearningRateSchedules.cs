using System;

namespace NetCompiler;

/// <summary>
/// Learning-rate schedules for <see cref="TrainerOptions.LearningRateSchedule"/>: each maps the epoch (from 1) and the
/// optimizer's initial learning rate to the epoch's rate. They compose: <c>LinearWarmup(3, CosineDecay(30))</c> warms up
/// for 3 epochs, then decays along a cosine over the remaining 27.
/// </summary>
public static class LearningRateSchedules
{
    /// <summary>The initial rate every epoch.</summary>
    public static Func<int, float, float> Constant { get; } = (_, initial) => initial;

    /// <summary>
    /// Half a cosine from the initial rate towards <paramref name="minimumFactor"/> × initial over <paramref name="epochs"/>
    /// epochs: epoch e trains at <c>initial · (f + (1 − f) · ½ (1 + cos(π (e − 1) / epochs)))</c>, so the first epoch uses
    /// the full rate (PyTorch's CosineAnnealingLR stepped per epoch, with η_min = f · initial). Epochs after the last keep
    /// the last epoch's rate.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="epochs"/> is not positive, or <paramref name="minimumFactor"/> is outside [0, 1].</exception>
    public static Func<int, float, float> CosineDecay(int epochs, float minimumFactor = 0f)
    {
        if (epochs <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "The decay must last a positive number of epochs.");
        if (!(minimumFactor >= 0f && minimumFactor <= 1f))
            throw new ArgumentOutOfRangeException(nameof(minimumFactor), minimumFactor, "The minimum factor must be in [0, 1].");
        return (epoch, initial) =>
        {
            int e = Math.Clamp(epoch, 1, epochs);
            double cosine = 0.5 * (1 + Math.Cos(Math.PI * (e - 1) / epochs));
            return (float)(initial * (minimumFactor + (1 - minimumFactor) * cosine));
        };
    }

    /// <summary>The initial rate multiplied by <paramref name="factor"/> every <paramref name="stepEpochs"/> epochs (PyTorch's StepLR).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepEpochs"/> is not positive, or <paramref name="factor"/> is not finite and &gt; 0.</exception>
    public static Func<int, float, float> StepDecay(int stepEpochs, float factor)
    {
        if (stepEpochs <= 0)
            throw new ArgumentOutOfRangeException(nameof(stepEpochs), stepEpochs, "The step must be a positive number of epochs.");
        if (!(factor > 0f) || !float.IsFinite(factor))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "The factor must be finite and > 0.");
        return (epoch, initial) => (float)(initial * Math.Pow(factor, (epoch - 1) / stepEpochs));
    }

    /// <summary>
    /// Linear warm-up: epoch e ≤ <paramref name="warmupEpochs"/> trains at <c>initial · e / (warmupEpochs + 1)</c>;
    /// afterwards <paramref name="then"/> (default <see cref="Constant"/>) takes over, counting its epochs from 1 again.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="warmupEpochs"/> is negative.</exception>
    public static Func<int, float, float> LinearWarmup(int warmupEpochs, Func<int, float, float>? then = null)
    {
        if (warmupEpochs < 0) throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "The warm-up must be ≥ 0 epochs.");
        Func<int, float, float> after = then ?? Constant;
        return (epoch, initial) => epoch <= warmupEpochs
            ? (float)((double)initial * epoch / (warmupEpochs + 1))
            : after(epoch - warmupEpochs, initial);
    }
}
