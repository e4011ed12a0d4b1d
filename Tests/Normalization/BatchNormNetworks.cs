using static NetCompiler.Activation;

namespace NetCompiler.Tests.Normalization;

// Networks with batch normalisation and dropout, compiled by the generator as part of this test project. Between them
// they put each of the two layers after a dense, a convolution and a pooling layer, before a dense, a convolution and a
// pooling layer (the output in blocks of samples) and last, with every activation.

// BatchNorm1d after a dense layer, then a dense layer.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(6)] [Dense(5)] [BatchNorm(ReLU)] [Dense(3)]
public partial class BnDense { }

// BatchNorm2d after a convolution, before max pooling (blocks); BatchNorm1d with tanh.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 6, 7)] [Conv2D(3, 3)] [BatchNorm(ReLU, Momentum = 0.25f)] [MaxPool2D(2)]
[Dense(4)] [BatchNorm(Tanh, Epsilon = 1e-3f)] [Dense(3)]
public partial class BnConvPool { }

// Batch normalisation then dropout before average pooling (the dropout's output in blocks). Smooth on purpose: batch
// normalisation centres its outputs on 0, where a ReLU or a max over dropped zeros has its kink, which central
// differences of the gradient test would straddle.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 6, 6)] [Conv2D(2, 3)] [BatchNorm(Tanh)] [Dropout(0.4f)] [AvgPool2D(2)] [Dense(3)]
public partial class BnDropoutConv { }

// BatchNorm2d after pooling and before a convolution (its output and ∂E/∂z in blocks); the layer below has an activation.
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 9, 8)] [Conv2D(4, 3, Tanh)] [AvgPool2D(2)] [BatchNorm(Sigmoid)] [Conv2D(2, 2)] [Dense(3)]
public partial class BnBeforeConv { }

// Dropout alone, between dense layers, with HalfSquaredError.
[Network(Loss = Loss.HalfSquaredError)] [Input(5)] [Dense(8, ReLU)] [Dropout(0.5f)] [Dense(2)]
public partial class DropoutDense { }

// Dropout between two convolutions (output in blocks), and of the input itself.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(2, 6, 6)] [Dropout(0.2f)] [Conv2D(3, 3, ReLU)] [Dropout(0.25f)] [Conv2D(2, 2)] [Dense(2)]
public partial class DropoutConv { }

// The last layer is a batch normalisation (its statistics feed the loss directly).
[Network(Loss = Loss.HalfSquaredError)] [Input(3)] [Dense(4, Tanh)] [BatchNorm]
public partial class BnLast { }

// Dropout of a wide input into one output: ∂E/∂W of the dense layer shows the mask of every input unit.
[Network(Loss = Loss.HalfSquaredError)] [Input(4000)] [Dropout(0.3f)] [Dense(1)]
public partial class DropoutWide { }

// The network of Tests/Fixtures/batchnorm/make_step_fixture.py: one SGD step in PyTorch.
[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 8, 8)] [Conv2D(4, 3)] [BatchNorm(ReLU)] [MaxPool2D(2)] [Dense(10)] [BatchNorm(ReLU)] [Dropout(0f)] [Dense(3)]
public partial class BatchNormStepNet { }
