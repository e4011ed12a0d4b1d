#if TORCHSHARP
using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NetCompiler.Benchmarks.Peers;

/// <summary>
/// TorchSharp (LibTorch CPU, one thread): <c>relu(linear(x, W1, b1))</c> … with <c>torch.nn.functional</c>, the same
/// weights, inputs kept as tensors created once; training is <c>cross_entropy</c> + <c>backward()</c> + <c>optim.SGD</c>.
/// Only built with <c>-p:WithTorchSharp=true</c> (see torchsharp.sh).
/// </summary>
public sealed class TorchMlp : IDisposable
{
    private readonly MlpSpec _spec;
    private readonly Parameter[] _w, _b;
    private readonly optim.Optimizer _sgd;
    private readonly Tensor _x1, _xBatch, _labels;
    private Tensor? _epochX, _epochLabels;

    public TorchMlp(MlpSpec spec, ReadOnlySpan<float> parameters, float[] sample, float[] batchInputs, int[] batchLabels, float learningRate)
    {
        _spec = spec;
        _w = new Parameter[spec.Layers.Length];
        _b = new Parameter[spec.Layers.Length];
        var all = new System.Collections.Generic.List<Parameter>();
        for (int l = 0; l < spec.Layers.Length; l++)
        {
            DenseLayer layer = spec.Layers[l];
            _w[l] = new Parameter(torch.tensor(parameters.Slice(spec.WeightOffsets[l], layer.WeightCount).ToArray(), [layer.Out, layer.In]));
            _b[l] = new Parameter(torch.tensor(parameters.Slice(spec.BiasOffsets[l], layer.Out).ToArray(), [layer.Out]));
            all.Add(_w[l]);
            all.Add(_b[l]);
        }
        _sgd = optim.SGD(all, learningRate);
        _x1 = torch.tensor(sample, [1, spec.InputSize]);
        _xBatch = torch.tensor(batchInputs, [batchInputs.Length / spec.InputSize, spec.InputSize]);
        _labels = torch.tensor(Array.ConvertAll(batchLabels, l => (long)l), [batchLabels.Length]);
    }

    public static void UseOneThread()
    {
        torch.set_num_threads(1);
        torch.set_num_interop_threads(1);
    }

    /// <summary>LibTorch's intra-op threads (the 2-thread epoch case sets 2 around its run, then 1 again).</summary>
    public static void SetThreads(int threads) => torch.set_num_threads(threads);

    public static string Version => $"TorchSharp {typeof(torch).Assembly.GetName().Version}, LibTorch {torch.__version__}";

    public void Predict(float[] output) => Forward(_x1, output);

    public void PredictBatch(float[] output) => Forward(_xBatch, output);

    private void Forward(Tensor x, float[] output)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor y = Logits(x);
        if (_spec.Softmax) y = nn.functional.softmax(y, -1);
        y.data<float>().CopyTo(output);
    }

    private Tensor Logits(Tensor x)
    {
        for (int l = 0; l < _spec.Layers.Length; l++)
        {
            x = nn.functional.linear(x, _w[l], _b[l]);
            x = _spec.Layers[l].Activation switch
            {
                Activation.ReLU => nn.functional.relu(x),
                Activation.Tanh => torch.tanh(x),
                Activation.Sigmoid => torch.sigmoid(x),
                _ => x,
            };
        }
        return x;
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
        _epochX = torch.tensor(inputs, [labels.Length, _spec.InputSize]);
        _epochLabels = torch.tensor(Array.ConvertAll(labels, l => (long)l), [labels.Length]);
    }

    /// <summary>One pass over the epoch data in order, in batches of <paramref name="batch"/> (views, no copies); returns the mean loss.</summary>
    public float TrainEpoch(int batch)
    {
        Tensor x = _epochX ?? throw new InvalidOperationException("No epoch data."), y = _epochLabels!;
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

    /// <summary>The current parameters in NetCompiler's canonical order.</summary>
    public float[] Parameters()
    {
        var p = new float[_spec.ParameterCount];
        for (int l = 0; l < _spec.Layers.Length; l++)
        {
            _w[l].data<float>().CopyTo(p, _spec.WeightOffsets[l]);
            _b[l].data<float>().CopyTo(p, _spec.BiasOffsets[l]);
        }
        return p;
    }

    public void Dispose()
    {
        _sgd.Dispose();
        foreach (var t in _w) t.Dispose();
        foreach (var t in _b) t.Dispose();
        _x1.Dispose();
        _xBatch.Dispose();
        _labels.Dispose();
        _epochX?.Dispose();
        _epochLabels?.Dispose();
    }
}

/// <summary>Creates TorchSharp peers, or records why LibTorch would not load so the run goes on without it.</summary>
public static class TorchPeer
{
    private static bool _initialised;

    public static string? Failure { get; private set; }

    public static T? TryCreate<T>(Func<T> create) where T : class
    {
        if (Failure is not null) return null;
        try
        {
            if (!_initialised)
            {
                TorchMlp.UseOneThread();
                _initialised = true;
            }
            return create();
        }
        catch (Exception e)
        {
            Exception inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            Failure = inner.Message;
            Console.WriteLine($"TorchSharp left out: {Failure}");
            return null;
        }
    }
}
#endif
