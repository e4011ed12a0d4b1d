namespace NetCompiler.Samples.FashionMnist;

/// <summary>
/// The network of the Fashion-MNIST sample: 784 pixels → 128 ReLU units → 10 class scores, trained with softmax
/// cross-entropy. NetCompiler's source generator writes the rest of this class at build time.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class FashionMlp { }
