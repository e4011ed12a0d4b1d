#if TORCHSHARP
using System;
using TorchSharp;
using TorchSharp.Modules;
using static NetCompiler.Benchmarks.LeNetSpec;
using static TorchSharp.torch;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// LeNet-5 in TorchSharp (LibTorch CPU): <c>conv2d</c> (padding 2) → <c>relu</c> → <c>max_pool2d</c> → <c>conv2d</c> →
/// <c>relu</c> → <c>max_pool2d</c> → <c>flatten</c> → <c>linear</c>/<c>relu</c> ×2 → <c>linear</c>, with
/// <c>torch.nn.functional</c> on parameters holding NetCompiler's weights; inference under <c>torch.inference_mode()</c>,
/// training is <c>cross_entropy</c> + <c>backward()</c> + <c>optim.SGD</c>. One thread unless a call says otherwise.
/// Only built with <c>-p:WithTorchSharp=true</c> (see torchsharp.sh).
/// </summary>
public sealed class TorchLeNet : IDisposable
{
    private static readonly (int Offset, long[] Shape)[] Layout =
    [
        (C1W, [C1Out, C1In, K, K]), (C1B, [C1Out]),
        (C3W, [C3Out, C3In, K, K]), (C3B, [C3Out]),
        (F5W, [F5Out, F5In]), (F5B, [F5Out]),
        (F6W, [F6Out, F5Out]), (F6B, [F6Out]),
        (F7W, [OutputSize, F6Out]), (F7B, [OutputSize]),
    ];

    private readonly Parameter[] _p;
    private readonly optim.Optimizer _sgd;
    private readonly Tensor _x1, _xBatch, _labels;
    private Tensor? _epochX, _epochLabels;

    public TorchLeNet(ReadOnlySpan<float> parameters, float[] sample, float[] batchInputs, int[] batchLabels, float learningRate)
    {
        _p = new Parameter[Layout.Length];
        for (int i = 0; i < Layout.Length; i++)
        {
            long count = 1;
            foreach (long d in Layout[i].Shape) count *= d;
            _p[i] = new Parameter(torch.tensor(parameters.Slice(Layout[i].Offset, (int)count).ToArray(), Layout[i].Shape));
        }
        _sgd = optim.SGD(_p, learningRate);
        _x1 = torch.tensor(sample, [1, C1In, C1Size, C1Size]);
        _xBatch = torch.tensor(batchInputs, [batchInputs.Length / InputSize, C1In, C1Size, C1Size]);
        _labels = torch.tensor(Array.ConvertAll(batchLabels, l => (long)l), [batchLabels.Length]);
    }

    public void Predict(float[] output) => Forward(_x1, output);

    public void PredictBatch(float[] output) => Forward(_xBatch, output);

    private void Forward(Tensor x, float[] output)
    {
        using var scope = torch.NewDisposeScope();
        using var mode = torch.inference_mode();
        nn.functional.softmax(Logits(x), -1).data<float>().CopyTo(output);
    }

    private Tensor Logits(Tensor x)
    {
        x = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(x, _p[0], _p[1], padding: [C1Pad, C1Pad])), [2, 2]);
        x = nn.functional.max_pool2d(nn.functional.relu(nn.functional.conv2d(x, _p[2], _p[3])), [2, 2]);
        x = x.flatten(1);
        x = nn.functional.relu(nn.functional.linear(x, _p[4], _p[5]));
        x = nn.functional.relu(nn.functional.linear(x, _p[6], _p[7]));
        return nn.functional.linear(x, _p[8], _p[9]);
    }

    /// <summary>One SGD step on the batch given at construction; returns the mean loss before the step.</summary>
    public float TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        _sgd.zero_grad();
        Tensor loss = nn.functional.cross_entropy(Logits(_xBatch), _labels);
        loss.backward();
        _sgd.step();
        return loss.item<float>();
    }

    public void SetEpochData(float[] inputs, int[] labels)
    {
        _epochX = torch.tensor(inputs, [labels.Length, C1In, C1Size, C1Size]);
        _epochLabels = torch.tensor(Array.ConvertAll(labels, l => (long)l), [labels.Length]);
    }

    /// <summary>One pass over the epoch data in order, in batches of <paramref name="batch"/> (views, no copies), with
    /// LibTorch's intra-op pool set to <paramref name="threads"/> for the duration; returns the mean loss.</summary>
    public float TrainEpoch(int batch, int threads = 1)
    {
        Tensor x = _epochX ?? throw new InvalidOperationException("No epoch data."), y = _epochLabels!;
        if (threads != 1) torch.set_num_threads(threads);
        try
        {
            long count = y.shape[0];
            double sum = 0;
            for (long first = 0; first < count; first += batch)
            {
                using var scope = torch.NewDisposeScope();
                long n = Math.Min(batch, count - first);
                _sgd.zero_grad();
                Tensor loss = nn.functional.cross_entropy(Logits(x.narrow(0, first, n)), y.narrow(0, first, n));
                loss.backward();
                _sgd.step();
                sum += loss.item<float>() * n;
            }
            return (float)(sum / count);
        }
        finally
        {
            if (threads != 1) torch.set_num_threads(1);
        }
    }

    /// <summary>The current parameters in NetCompiler's canonical order.</summary>
    public float[] Parameters()
    {
        var all = new float[ParameterCount];
        for (int i = 0; i < Layout.Length; i++) _p[i].data<float>().CopyTo(all, Layout[i].Offset);
        return all;
    }

    public void Dispose()
    {
        _sgd.Dispose();
        foreach (var t in _p) t.Dispose();
        _x1.Dispose();
        _xBatch.Dispose();
        _labels.Dispose();
        _epochX?.Dispose();
        _epochLabels?.Dispose();
    }
}
#endif
