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
