using System;

namespace NetCompiler;

/// <summary>
/// Which training step a call of <see cref="ITrainingModeNetwork.ComputeGradients"/> computes, for the layers whose
/// training differs from inference: a dropout layer draws its mask from a counter-based generator keyed by
/// (<see cref="Seed"/>, <see cref="Step"/>, the layer, the sample's index in the batch, the unit), so the same step
/// gives the same mask on any thread and in any part of a batch. <see cref="Trainer{TNet}"/> passes its options' seed
/// and the optimizer's step count; the overloads of <c>ComputeGradients</c> without a step use <c>default</c>
/// (seed 0, step 0).
/// </summary>
/// <param name="Seed">The seed of the run.</param>
/// <param name="Step">The number of the step within the run (the optimizer's step count before it).</param>
public readonly record struct TrainingStep(int Seed, long Step);

/// <summary>
/// A generated network with layers that behave differently in training and inference: <see cref="BatchNormAttribute"/>
/// (batch statistics in training, running statistics in inference) and <see cref="DropoutAttribute"/> (a random mask in
/// training, the identity in inference).
/// <para>
/// State: the running statistics of the batch-normalisation layers are not parameters (no gradient, no optimizer): they
/// are <see cref="State"/>, layer by layer the running mean then the running variance of each channel (PyTorch's
/// <c>running_mean</c>, <c>running_var</c>), saved in model files beside the parameters.
/// </para>
/// <para>
/// Concurrency: <see cref="ComputeGradients"/> never writes the network, as <see cref="INetwork.ComputeGradients"/>:
/// it only reads the parameters and the state, and returns the running statistics the step leads to in the caller's
/// <c>updatedState</c> span. The caller applies them (copies them into <see cref="State"/>) with the optimizer's update,
/// one writer, as <see cref="Trainer{TNet}"/> does; so several threads may call it at once on one instance.
/// </para>
/// </summary>
public interface ITrainingModeNetwork : INetwork
{
    /// <summary>Floats of <see cref="State"/>: two per channel of each batch-normalisation layer (0 when there is none).</summary>
    int StateCount { get; }

    /// <summary>
    /// The running statistics, live: for each batch-normalisation layer in order, the running mean of every channel,
    /// then the running variance of every channel. Writing to it changes inference at once.
    /// </summary>
    Span<float> State { get; }

    /// <summary>
    /// Whether the samples of a batch change each other's results in training (batch normalisation normalises each
    /// sample with the batch's statistics). Such a network must see each batch whole in one call, or in parts that run
    /// at once and share the batch's sums (<see cref="ComputeGradientsPart"/>), as the trainer's threads do.
    /// </summary>
    bool CouplesBatch { get; }

    /// <summary>
    /// As <see cref="INetwork.ComputeGradients"/>, for training step <paramref name="step"/>: writes the gradient of
    /// the batch's mean loss to <paramref name="gradients"/> and returns that loss.
    /// </summary>
    /// <param name="inputs">The batch, <c>InputSize</c> floats per sample, row-major.</param>
    /// <param name="targets"><c>OutputSize</c> floats per sample, or empty when <paramref name="labels"/> are given.</param>
    /// <param name="labels">One class label per sample (classifiers only), or empty when <paramref name="targets"/> are given.</param>
    /// <param name="gradients">Receives the gradient, <c>ParameterCount</c> floats.</param>
    /// <param name="step">Selects the dropout masks of this step.</param>
    /// <param name="firstSample">The index, in the whole batch, of the first sample of <paramref name="inputs"/>: a
    /// batch cut into slices computed apart then draws the masks the whole batch would (dropout only; a network that
    /// <see cref="CouplesBatch"/> must get whole batches, with 0 here).</param>
    /// <param name="updatedState">Empty, or <see cref="StateCount"/> floats that receive the running statistics after
    /// this step: (1 − momentum) · <see cref="State"/> + momentum · the batch's statistics (unbiased variance).</param>
    /// <returns>The batch's mean loss.</returns>
    /// <exception cref="ArgumentException">A span has the wrong length, both or neither of targets and labels are given,
    /// a label is out of range, or a batch-normalisation layer would see a single value per channel (PyTorch refuses it too).</exception>
    float ComputeGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels, Span<float> gradients,
        TrainingStep step, int firstSample, Span<float> updatedState);

    /// <summary>
    /// Doubles per part of the workspace that the parts of one step share (<see cref="ComputeGradientsPart"/>): four per
    /// normalised channel (0 when the network has no batch normalisation).
    /// </summary>
    int SharedPerPart { get; }

    /// <summary>
    /// Part <paramref name="part"/> of <paramref name="parts"/> of training step <paramref name="step"/> on a batch of
    /// <paramref name="batch"/> samples, cut into contiguous slices that run at once, one per thread: this part's slice
    /// is <paramref name="inputs"/> (with its <paramref name="targets"/> or <paramref name="labels"/>), from sample
    /// <paramref name="firstSample"/> of the batch. Each batch-normalisation layer normalises with the statistics of the
    /// whole batch: the parts meet at <paramref name="barrier"/> (three times per such layer) and each adds every part's
    /// partial sums, kept in <paramref name="shared"/>, in part order, so that every part computes the same statistics.
    /// Writes to <paramref name="gradients"/> this slice's share of the gradient of the batch's mean loss, so that the
    /// parts' gradients add up to the batch's, and returns its share of the mean loss; the running statistics after the
    /// step go to <paramref name="updatedState"/> (pass it to one part, empty to the others). The result agrees with
    /// <see cref="ComputeGradients(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, TrainingStep, int, Span{float})"/>
    /// on the whole batch up to the order of the sums (the same bits for one part). Arguments are checked before the first
    /// barrier; a part that throws must break the barrier (<see cref="SpinBarrier.Break"/>) so that the others stop waiting.
    /// </summary>
    /// <param name="part">This part, in [0, <paramref name="parts"/>).</param>
    /// <param name="parts">The parts, each on its own thread at the same time.</param>
    /// <param name="inputs">This part's slice of the batch, at least one sample.</param>
    /// <param name="targets"><c>OutputSize</c> floats per sample of the slice, or empty when <paramref name="labels"/> are given.</param>
    /// <param name="labels">One class label per sample of the slice (classifiers only), or empty when <paramref name="targets"/> are given.</param>
    /// <param name="gradients">Receives this part's share of the gradient, <c>ParameterCount</c> floats.</param>
    /// <param name="step">Selects the dropout masks of this step.</param>
    /// <param name="firstSample">The index of the slice's first sample in the batch.</param>
    /// <param name="batch">The whole batch's samples.</param>
    /// <param name="updatedState">Empty, or <see cref="StateCount"/> floats that receive the running statistics after the step.</param>
    /// <param name="shared">The parts' workspace, the same span for every part: at least <paramref name="parts"/> × <see cref="SharedPerPart"/> doubles.</param>
    /// <param name="barrier">One barrier for <paramref name="parts"/> participants.</param>
    /// <returns>This slice's share of the batch's mean loss.</returns>
    /// <exception cref="ArgumentException">A span has the wrong length, both or neither of targets and labels are given, a
    /// label is out of range, the barrier is not for <paramref name="parts"/> threads, or the slice does not lie in the batch.</exception>
    float ComputeGradientsPart(int part, int parts, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> labels,
        Span<float> gradients, TrainingStep step, int firstSample, int batch, Span<float> updatedState, Span<double> shared, SpinBarrier barrier);
}
