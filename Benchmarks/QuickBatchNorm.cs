using System;
using System.Collections.Generic;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Benchmarks;

/// <summary>
/// The LeNet-5 sample's <see cref="LeNet5BatchNorm"/> without batch normalisation and dropout: each layer applies its
/// ReLU itself.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(32, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(64, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
public partial class WideLeNet { }

/// <summary>
/// What batch normalisation costs (keys bnb, bnc), measured with <see cref="Quick.Measure"/> on the LeNet-5 sample's
/// <see cref="LeNet5BatchNorm"/> against the same network without it: (bnb) <c>PredictBatch</c> of 64 samples, where the
/// difference is the running-statistics pass that folding into the preceding layer would remove (dropout is the
/// identity there); (bnc) one training step on a batch of 64, where batch normalisation needs the whole batch's
/// statistics in the forward and backward passes (and dropout draws its masks).
/// </summary>
public static class QuickBatchNorm
{
    private const int Batch = 64;

    public static IEnumerable<(string Key, Func<Workload> Make)> Workloads(int rounds, double targetMs)
    {
        yield return ("bnb", () =>
        {
            var bn = new LeNet5BatchNorm(1);
            var plain = new WideLeNet(1);
            float[] x = SyntheticData.Inputs(Batch * WideLeNet.InputSize, 2);
            float[] y = new float[Batch * WideLeNet.OutputSize];
            var cases = new List<Case>
            {
                new("NetCompiler, LeNet5BatchNorm (running statistics)", n => { for (long i = 0; i < n; i++) bn.PredictBatch(x, y); }),
                new("NetCompiler, the same network without BatchNorm and Dropout", n => { for (long i = 0; i < n; i++) plain.PredictBatch(x, y); }),
            };
            return new Workload("bnb", "LeNet-5 with 32/64 filters, batch of 64: the cost of BatchNorm at inference", 0, 0, 0, cases, rounds, targetMs)
            { FloorMeaningful = false };
        });

        yield return ("bnc", () =>
        {
            var bn = new LeNet5BatchNorm(1);
            var plain = new WideLeNet(1);
            float[] x = SyntheticData.Inputs(Batch * WideLeNet.InputSize, 2);
            int[] labels = SyntheticData.Labels(Batch, WideLeNet.OutputSize, 3);
            float[] gBn = new float[LeNet5BatchNorm.ParameterCount];
            float[] gPlain = new float[WideLeNet.ParameterCount];
            float[] state = new float[LeNet5BatchNorm.StateCount];
            long step = 0;
            var cases = new List<Case>
            {
                new("NetCompiler ComputeGradients, LeNet5BatchNorm (batch statistics, dropout)",
                    n => { for (long i = 0; i < n; i++) bn.ComputeGradients(x, default, labels, gBn, new TrainingStep(1, step++), 0, state); }),
                new("NetCompiler ComputeGradients, the same network without BatchNorm and Dropout",
                    n => { for (long i = 0; i < n; i++) plain.ComputeGradients(x, labels, gPlain); }),
            };
            return new Workload("bnc", "LeNet-5 with 32/64 filters, one training step on a batch of 64: the cost of BatchNorm in training", 0, 0, 0, cases, rounds, targetMs)
            { FloorMeaningful = false };
        });
    }
}
