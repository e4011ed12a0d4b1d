using System;

namespace NetCompiler;

/// <summary>
/// The instance surface of every generated network. Parameters travel in the canonical order, PyTorch's
/// <c>state_dict</c> order: layer by layer, weight <c>[out, in]</c> row-major, then bias <c>[out]</c>.
/// </summary>
public interface INetwork
{
    /// <summary>Runs one sample. Allocation-free; safe to call from many threads at once on one instance
    /// (as long as no thread changes the parameters meanwhile).</summary>
    void Predict(ReadOnlySpan<float> input, Span<float> output);

    /// <summary>Runs <c>inputs.Length / InputSize</c> samples stored row-major.</summary>
    void PredictBatch(ReadOnlySpan<float> inputs, Span<float> outputs);

    /// <summary>Copies all parameters, in the canonical order, to <paramref name="destination"/>.</summary>
    void CopyParametersTo(Span<float> destination);

    /// <summary>Replaces all parameters with <paramref name="source"/>, given in the canonical order.</summary>
    void LoadParameters(ReadOnlySpan<float> source);

    /// <summary>
    /// The network's own parameters, live, in the canonical order: an optimizer updates them in place through this span
    /// with no copy (what <see cref="Trainer{TNet}"/> does). Writing to it changes the network at once, so do not write
    /// while other threads call <see cref="Predict"/> or <see cref="PredictBatch"/>.
    /// </summary>
    Span<float> Parameters { get; }

    /// <summary>
    /// Forward and backward pass over a batch (batch size = <c>inputs.Length / InputSize</c>): returns the mean loss
    /// over the batch and writes its gradient with respect to every parameter, in the canonical order, to
    /// <paramref name="gradients"/>. <paramref name="targets"/> holds <c>OutputSize</c> values per sample
    /// (probabilities for <see cref="Loss.SoftmaxCrossEntropy"/>).
    /// <para>
    /// Concurrency (generated networks): safe to call from several threads at once on one instance, as long as each call
    /// writes its own <paramref name="gradients"/> buffer (inputs, targets and labels may be shared: they are only
    /// read) and no thread changes the parameters meanwhile (<see cref="LoadParameters"/>, <c>InitializeParameters</c>).
    /// The generated code only reads the parameters, and its scratch lives on the calling thread's stack or, for large
    /// networks, in a buffer per thread (<c>[ThreadStatic]</c>); each call's result is then bit-identical to what the
    /// same call returns alone. <see cref="TrainerOptions.Threads"/> &gt; 1 relies on this, so a hand-written
    /// implementation trained with more than one thread must give the same guarantee.
    /// </para>
    /// </summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> gradients);
}

/// <summary>A generated network trained with <see cref="Loss.SoftmaxCrossEntropy"/>: it also learns from class labels.</summary>
public interface IClassifier : INetwork
{
    /// <summary>As <see cref="INetwork.ComputeGradients"/>, with one class label in <c>[0, OutputSize)</c> per sample.</summary>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, Span<float> gradients);
}

/// <summary>What the generator knows at build time about a network type, for generic code such as the trainer.</summary>
public interface INetwork<TSelf> : INetwork where TSelf : class, INetwork<TSelf>
{
    /// <summary>Floats per input sample.</summary>
    static abstract int InputSize { get; }

    /// <summary>Floats per output sample.</summary>
    static abstract int OutputSize { get; }

    /// <summary>Number of learned parameters.</summary>
    static abstract int ParameterCount { get; }

    /// <summary>The training objective.</summary>
    static abstract Loss Loss { get; }

    /// <summary>A canonical one-line description of the architecture, e.g. <c>Input(784) Dense(128,ReLU) Dense(10) SoftmaxCrossEntropy</c>.</summary>
    static abstract string Architecture { get; }

    /// <summary>FNV-1a 64-bit hash of <see cref="Architecture"/>; persistence uses it to refuse a file of another architecture.</summary>
    static abstract ulong ArchitectureHash { get; }

    /// <summary>A new network with weights initialised deterministically from <paramref name="seed"/>.</summary>
    static abstract TSelf Create(int seed);
}

/// <summary>
/// A generated network whose training step can be cut into parts that run at once on different threads (model
/// parallelism): each part computes a range of the first layer's rows, forward and ∂E/∂W, for the whole batch, and
/// repeats the small layers above. The generator implements it for networks of dense layers whose first layer holds at
/// least three quarters of the weights; <see cref="Trainer{TNet}"/> uses it when <see cref="TrainerOptions.Threads"/>
/// &gt; 1. Every gradient entry is computed by the same kernel over the same samples in the same order as
/// <see cref="INetwork.ComputeGradients"/> computes it, so the parts together write the same bits.
/// </summary>
public interface IPartitionedTraining
{
    /// <summary>
    /// Floats of the workspace the parts of one step share (the first layer's outputs). The parts use the span from
    /// where it starts, so any span works; one that starts on a 64-byte boundary of pinned memory is fastest (whole cache
    /// lines per part; <see cref="Trainer{TNet}"/> passes one).
    /// </summary>
    int SharedWorkspaceSize { get; }

    /// <summary>The largest number of parts (each takes at least 16 of the first layer's rows).</summary>
    int MaxParts { get; }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of <see cref="INetwork.ComputeGradients"/>: the
    /// <paramref name="parts"/> calls must run at the same time, one per thread, with the same arguments (one
    /// <paramref name="shared"/> span of at least <see cref="SharedWorkspaceSize"/> floats, one
    /// <paramref name="barrier"/> for <paramref name="parts"/> participants, one <paramref name="gradients"/> span), and
    /// meet at the barrier twice per 64 samples. Part p writes exactly the gradient entries in the ranges
    /// <see cref="OwnedRanges"/>(p, parts) lists, and reads parameters of other parts' ranges only before its last
    /// barrier, so each part may update its own parameters as soon as its call returns. Returns the mean loss (every
    /// part the same). <paramref name="labels"/> (one per sample) or <paramref name="targets"/> (<c>OutputSize</c> per
    /// sample) is empty, as in the two overloads of <c>ComputeGradients</c>. Arguments are checked before the first
    /// barrier, the same way in every part, so either every part throws or none does.
    /// </summary>
    float ComputeGradientsPart(int part, int parts, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        Span<float> gradients, Span<float> shared, SpinBarrier barrier);

    /// <summary>
    /// Writes to <paramref name="starts"/> and <paramref name="lengths"/> (room for 3 each) the ranges of parameters
    /// whose gradient part <paramref name="part"/> of <paramref name="parts"/> writes, and returns how many there are.
    /// The ranges of all parts cover every parameter once.
    /// </summary>
    int OwnedRanges(int part, int parts, Span<int> starts, Span<int> lengths);
}
