using System;

namespace NetCompiler;

/// <summary>
/// The trainer's preallocated batch: the inputs (pinned, from a 64-byte boundary), and the labels or targets of up to
/// <c>batchSize</c> samples, gathered from a <see cref="Dataset"/> by index. Slices with distinct offsets touch distinct
/// parts of the buffers, so they may be gathered on different threads.
/// </summary>
internal sealed class BatchBuffers<TNet> where TNet : class, INetwork<TNet>
{
    private readonly TNet _net;
    private readonly IClassifier? _classifier;
    private readonly float[] _inputs;
    private readonly int _inputsStart;   // the first float of _inputs on a 64-byte boundary (the array is pinned)

    public BatchBuffers(TNet net, int batchSize)
    {
        _net = net;
        _classifier = TNet.Loss == Loss.SoftmaxCrossEntropy ? net as IClassifier : null;
        // The generated kernels load the inputs as vectors: from a 64-byte boundary, rows of a multiple of 16 floats never
        // straddle cache lines.
        _inputs = GC.AllocateArray<float>(batchSize * TNet.InputSize + 16, pinned: true);
        _inputsStart = AlignedStart(_inputs);
        Targets = new float[batchSize * TNet.OutputSize];
        Labels = new int[batchSize];
    }

    /// <summary>The batch's targets, <c>OutputSize</c> per sample (when the network does not learn from labels).</summary>
    public float[] Targets { get; }

    /// <summary>The batch's labels (when the network learns from labels).</summary>
    public int[] Labels { get; }

    /// <summary>Samples [offset, offset + n) of the batch's inputs.</summary>
    public ReadOnlySpan<float> Inputs(int offset, int n) => _inputs.AsSpan(_inputsStart + offset * TNet.InputSize, n * TNet.InputSize);

    /// <summary>Whether the network learns from <paramref name="data"/>'s labels (a classifier, labelled data) rather than from targets.</summary>
    public bool LearnsFromLabels(Dataset data) => _classifier is not null && data.Labels is not null;

    /// <summary>
    /// Gathers the samples at <paramref name="indices"/> into the batch from sample <paramref name="offset"/> on and
    /// writes their mean loss's gradient to <paramref name="gradients"/>; returns the mean loss.
    /// </summary>
    /// <remarks>
    /// A network with batch normalisation or dropout (<see cref="ITrainingModeNetwork"/>) computes training step
    /// <paramref name="step"/>, the samples being the batch's from <paramref name="offset"/> on, and writes the running
    /// statistics after the step to <paramref name="updatedState"/> (unless empty).
    /// </remarks>
    public float ComputeGradients(Dataset data, ReadOnlySpan<int> indices, int offset, Span<float> gradients, TrainingStep step = default, Span<float> updatedState = default)
    {
        Gather(data, indices, offset);
        int n = indices.Length;
        ReadOnlySpan<float> inputs = Inputs(offset, n);
        if (_net is ITrainingModeNetwork trainingMode)
            return LearnsFromLabels(data)
                ? trainingMode.ComputeGradients(inputs, default, Labels.AsSpan(offset, n), gradients, step, offset, updatedState)
                : trainingMode.ComputeGradients(inputs, Targets.AsSpan(offset * TNet.OutputSize, n * TNet.OutputSize), default, gradients, step, offset, updatedState);
        if (LearnsFromLabels(data)) return _classifier!.ComputeGradients(inputs, Labels.AsSpan(offset, n), gradients);
        return _net.ComputeGradients(inputs, Targets.AsSpan(offset * TNet.OutputSize, n * TNet.OutputSize), gradients);
    }

    /// <summary>
    /// Gathers the samples at <paramref name="indices"/> into the batch from sample <paramref name="offset"/> on, and
    /// computes part <paramref name="part"/> of <paramref name="parts"/> of a step on a batch of <paramref name="batch"/>
    /// samples with them (<see cref="ITrainingModeNetwork.ComputeGradientsPart"/>); returns the part's share of the loss.
    /// </summary>
    public float ComputeGradientsPart(ITrainingModeNetwork net, Dataset data, ReadOnlySpan<int> indices, int offset, Span<float> gradients,
        TrainingStep step, int part, int parts, int batch, Span<float> updatedState, Span<double> shared, SpinBarrier barrier)
    {
        Gather(data, indices, offset);
        int n = indices.Length;
        ReadOnlySpan<float> inputs = Inputs(offset, n);
        return LearnsFromLabels(data)
            ? net.ComputeGradientsPart(part, parts, inputs, default, Labels.AsSpan(offset, n), gradients, step, offset, batch, updatedState, shared, barrier)
            : net.ComputeGradientsPart(part, parts, inputs, Targets.AsSpan(offset * TNet.OutputSize, n * TNet.OutputSize), default, gradients, step, offset, batch, updatedState, shared, barrier);
    }

    /// <summary>
    /// Copies the samples at <paramref name="indices"/> into the batch from sample <paramref name="offset"/> on: the
    /// inputs, and the labels (<see cref="LearnsFromLabels"/>) or the targets (one-hot vectors built from labels when the
    /// network is not a classifier).
    /// </summary>
    public void Gather(Dataset data, ReadOnlySpan<int> indices, int offset)
    {
        int n = indices.Length, inputSize = TNet.InputSize, outputSize = TNet.OutputSize;
        Span<float> inputs = _inputs.AsSpan(_inputsStart + offset * inputSize, n * inputSize);
        float[] features = data.Features;
        for (int i = 0; i < n; i++)
            features.AsSpan(indices[i] * inputSize, inputSize).CopyTo(inputs.Slice(i * inputSize, inputSize));

        if (data.Labels is { } labels)
        {
            if (LearnsFromLabels(data))
            {
                Span<int> batchLabels = Labels.AsSpan(offset, n);
                for (int i = 0; i < n; i++) batchLabels[i] = labels[indices[i]];
                return;
            }
            Span<float> oneHot = Targets.AsSpan(offset * outputSize, n * outputSize);
            if (outputSize == 1)
            {
                for (int i = 0; i < n; i++) oneHot[i] = labels[indices[i]];
            }
            else
            {
                oneHot.Clear();
                for (int i = 0; i < n; i++) oneHot[i * outputSize + labels[indices[i]]] = 1f;
            }
            return;
        }

        Span<float> targets = Targets.AsSpan(offset * outputSize, n * outputSize);
        float[] allTargets = data.Targets!;
        for (int i = 0; i < n; i++)
            allTargets.AsSpan(indices[i] * outputSize, outputSize).CopyTo(targets.Slice(i * outputSize, outputSize));
    }

    /// <summary>Index of the first element of a pinned array that lies on a 64-byte boundary (0 … 15).</summary>
    public static int AlignedStart(float[] pinned)
    {
        nint address = System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((-address & 63) >> 2);
    }
}
