namespace NetCompiler.Samples.AotPredict;

/// <summary>
/// The Fashion-MNIST MLP (784 pixels → 128 ReLU units → 10 class scores), trained: the parameters saved in
/// fashion-mlp.ncmf are compiled into the assembly, so <c>new FashionMlp()</c> is ready to predict.
/// </summary>
[Network(Loss = Loss.SoftmaxCrossEntropy, Parameters = "fashion-mlp.ncmf")]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class FashionMlp { }
