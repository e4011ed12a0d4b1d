namespace NetCompiler.Benchmarks;

/// <summary>The Fashion-MNIST MLP: 784 pixels → 128 ReLU → 10 logits, softmax cross-entropy (Predict returns probabilities).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(784)]
[Dense(128, Activation.ReLU)]
[Dense(10)]
public partial class FashionMlp { }

/// <summary>A medium-sized dense net: 1,024 inputs → 4 × 1,024 ReLU → 1,024 logits, softmax cross-entropy (5.2 M parameters, 21 MB).</summary>
[Network(Loss = Loss.SoftmaxCrossEntropy)]
[Input(1024)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(1024, Activation.ReLU)]
[Dense(1024)]
public partial class Wide1024 { }

/// <summary>The paper's Fig. 1a network: 2 → 2 tanh → 1 logistic.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(2)]
[Dense(2, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class Tiny221 { }

/// <summary>A tiny dense net: 8 → 8 ReLU → 8.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(8)]
[Dense(8, Activation.ReLU)]
[Dense(8)]
public partial class Tiny888 { }
