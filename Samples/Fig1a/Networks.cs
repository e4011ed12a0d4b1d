namespace NetCompiler.Samples.Fig1a;

/// <summary>
/// The network of Fig. 1a: two inputs, two tanh hidden units, one logistic output, trained on ½ (y − t)².
/// The hidden layer bends the plane so that the two curves become separable by a straight line there.
/// </summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(2)]
[Dense(2, Activation.Tanh)]
[Dense(1, Activation.Sigmoid)]
public partial class CurveNet { }

/// <summary>The baseline without a hidden layer: a logistic unit, i.e. a straight-line decision boundary.</summary>
[Network(Loss = Loss.HalfSquaredError)]
[Input(2)]
[Dense(1, Activation.Sigmoid)]
public partial class LinearNet { }
