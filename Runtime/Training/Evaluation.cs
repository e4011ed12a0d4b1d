using System;

namespace NetCompiler;

/// <summary>
/// Evaluation of a network over a dataset in batches: the per-sample loss and class of <see cref="SampleLoss"/>, summed
/// in sample order, and optionally a confusion matrix.
/// </summary>
internal static class Evaluation<TNet> where TNet : class, INetwork<TNet>
{
    /// <summary>Loss and accuracy of <paramref name="net"/> over <paramref name="data"/> on the calling thread.</summary>
    public static EvaluationResult Run(TNet net, Dataset data, float[] outputBuffer, int batchSize, long[]? confusion = null)
    {
        int count = data.Count;
        if (count == 0) return new EvaluationResult(double.NaN, double.NaN, 0);
        double lossSum = 0;
        long correct = Score(net, data, outputBuffer, batchSize, 0, count, default, ref lossSum, confusion);
        return Result(data, lossSum, correct);
    }

    /// <summary>The result for a loss sum and a count of right predictions over all of <paramref name="data"/>.</summary>
    public static EvaluationResult Result(Dataset data, double lossSum, long correct)
    {
        bool accuracyMeaningful = data.Labels is not null || TNet.OutputSize > 1;
        return new EvaluationResult(lossSum / data.Count, accuracyMeaningful ? (double)correct / data.Count : double.NaN, data.Count);
    }

    /// <summary>
    /// Predicts samples [<paramref name="begin"/>, <paramref name="end"/>) in batches of <paramref name="batchSize"/>
    /// from <paramref name="begin"/> and returns how many are classified right. Each sample's loss is added to
    /// <paramref name="lossSum"/> in order, or, when <paramref name="losses"/> is not empty, stored at its index there.
    /// With labels and a <paramref name="confusion"/> matrix (classes × classes, row = true label, column = predicted),
    /// each sample adds one to its cell.
    /// </summary>
    public static long Score(TNet net, Dataset data, float[] outputBuffer, int batchSize, int begin, int end, Span<double> losses, ref double lossSum,
        long[]? confusion = null)
    {
        int inputSize = TNet.InputSize, outputSize = TNet.OutputSize;
        Loss lossKind = TNet.Loss;
        int[]? labels = data.Labels;
        float[]? targets = data.Targets;
        int classes = ClassCount;
        long correct = 0;
        for (int first = begin; first < end; first += batchSize)
        {
            int n = Math.Min(batchSize, end - first);
            Span<float> outputs = outputBuffer.AsSpan(0, n * outputSize);
            net.PredictBatch(data.Features.AsSpan(first * inputSize, n * inputSize), outputs);
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<float> y = outputs.Slice(i * outputSize, outputSize);
                double loss;
                if (labels is not null)
                {
                    int label = labels[first + i];
                    loss = SampleLoss.Of(y, lossKind, label, default);
                    int predicted = SampleLoss.PredictedClass(y, lossKind);
                    if (predicted == label) correct++;
                    if (confusion is not null) confusion[label * classes + predicted]++;
                }
                else
                {
                    ReadOnlySpan<float> t = targets.AsSpan((first + i) * outputSize, outputSize);
                    loss = SampleLoss.Of(y, lossKind, -1, t);
                    if (outputSize > 1 && SampleLoss.ArgMax(y) == SampleLoss.ArgMax(t)) correct++;
                }
                if (losses.IsEmpty) lossSum += loss;
                else losses[first + i] = loss;
            }
        }
        return correct;
    }

    /// <summary>Number of classes: the output size, or 2 for a single-output <see cref="Loss.HalfSquaredError"/> network (0/1 labels).</summary>
    public static int ClassCount => TNet.OutputSize == 1 && TNet.Loss == Loss.HalfSquaredError ? 2 : TNet.OutputSize;
}

/// <summary>
/// Evaluation during Fit with helper threads: thread t predicts a contiguous range of the same batches
/// <see cref="Evaluation{TNet}.Run"/> would (so every prediction is bit-identical) and stores each sample's loss; the
/// losses are then summed in sample order, so the result is bit-identical to the one-thread result.
/// </summary>
internal sealed class ParallelEvaluation<TNet> : IThreadWork where TNet : class, INetwork<TNet>
{
    private readonly TNet _net;
    private readonly ThreadTeam _team;
    private readonly int _batchSize;
    private readonly float[][] _threadOutputs;
    private readonly long[] _correct;
    private double[] _losses = [];
    private Dataset? _data;

    public ParallelEvaluation(TNet net, ThreadTeam team, int batchSize, float[] firstOutputs)
    {
        _net = net;
        _team = team;
        _batchSize = batchSize;
        _threadOutputs = new float[team.Count][];
        _threadOutputs[0] = firstOutputs;
        for (int t = 1; t < team.Count; t++) _threadOutputs[t] = new float[firstOutputs.Length];
        _correct = new long[team.Count];
    }

    /// <summary>Makes room for the losses of <paramref name="count"/> samples (before Fit's loop: no allocation later).</summary>
    public void Reserve(int count)
    {
        if (_losses.Length < count) _losses = new double[count];
    }

    public EvaluationResult Run(Dataset data)
    {
        Reserve(data.Count);
        _data = data;
        try
        {
            _team.Run(this);
        }
        finally
        {
            _data = null;
        }
        double lossSum = 0;
        foreach (double loss in _losses.AsSpan(0, data.Count)) lossSum += loss;
        long correct = 0;
        foreach (long c in _correct) correct += c;
        return Evaluation<TNet>.Result(data, lossSum, correct);
    }

    public void Work(int t)
    {
        Dataset data = _data!;
        int threads = _team.Count, size = _batchSize, batches = (data.Count + size - 1) / size;
        int begin = (int)((long)batches * t / threads) * size;
        int end = (int)Math.Min((long)batches * (t + 1) / threads * size, data.Count);
        double unused = 0;
        _correct[t] = Evaluation<TNet>.Score(_net, data, _threadOutputs[t], size, begin, end, _losses.AsSpan(0, data.Count), ref unused);
    }
}
