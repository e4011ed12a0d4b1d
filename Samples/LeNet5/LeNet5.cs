namespace NetCompiler.Samples.LeNet5;

// The prefixes of LeNet5, for the feature-map figure. The canonical parameter order is layer by layer, so each prefix's
// parameters are exactly the first ParameterCount parameters of a trained LeNet5; HalfSquaredError adds no softmax,
// so Predict returns the last layer's activations.

/// <summary>LeNet5 up to C1: 6 feature maps of 28×28.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
public partial class LeNet5Conv1 { }

/// <summary>LeNet5 up to S2: 6 feature maps of 14×14.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
public partial class LeNet5Pool1 { }

/// <summary>LeNet5 up to C3: 16 feature maps of 10×10.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
public partial class LeNet5Conv2 { }

/// <summary>LeNet5 up to S4: 16 feature maps of 5×5.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
public partial class LeNet5Pool2 { }

/// <summary>LeNet5 up to F5: 120 units.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
public partial class LeNet5Dense1 { }

/// <summary>LeNet5 up to F6: 84 units.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
public partial class LeNet5Dense2 { }

/// <summary>LeNet5 without the softmax: the 10 class scores (logits).</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(1, 28, 28)]
[Conv2D(6, 5, Activation.ReLU, Padding = 2)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation.ReLU)]
[Dense(84, Activation.ReLU)]
[Dense(10)]
public partial class LeNet5Logits { }
