// The LeNet-5 sample's network with batch normalisation and dropout, declared once: the sample trains it
// (--batchnorm), and the benchmarks link this file to measure what batch normalisation costs.

namespace NetCompiler.Samples.LeNet5;

/// <summary>
/// LeNet-5 with batch normalisation (<c>--batchnorm</c>): wider convolutions (32 and 64 filters), Conv → BN → ReLU and
/// Dense → BN → ReLU in place of each hidden layer's own ReLU, and dropout before each of the first and last dense
/// layers. Training normalises with each batch's statistics and drops 20% of the pooled feature maps and 30% of the
/// last hidden layer's outputs; inference uses the running statistics the training accumulated and keeps every value.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(32, 5, Padding = 2)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Conv2D(64, 5)]
[BatchNorm(Activation.ReLU)]
[MaxPool2D(2)]
[Dropout(0.2f)]
[Dense(120)]
[BatchNorm(Activation.ReLU)]
[Dense(84)]
[BatchNorm(Activation.ReLU)]
[Dropout(0.3f)]
[Dense(10)]
public partial class LeNet5BatchNorm { }
