// LeNet-5's one declaration. The sample compiles it here; the tests and the benchmarks use this same network (the tests
// through a reference to this project, the benchmarks by linking this file), and both read this file's text: the
// generator tests (ModelSources.LeNet5) and the build-time probe (an embedded resource named LeNet5Network.cs).

namespace NetCompiler.Samples.LeNet5;

/// <summary>
/// LeNet-5 (LeCun et al., 1998) with ReLU and max pooling: two 5×5 convolutions, each followed by 2×2 max pooling,
/// then three dense layers, trained with softmax cross-entropy on 28×28 Fashion-MNIST images. The first convolution
/// pads by 2, so it sees the 32×32 input of the original. NetCompiler's source generator writes the rest of this
/// class at build time.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
public partial class LeNet5 { }
