using System;
using System.Collections.Generic;

namespace NetCompiler;

/// <summary>Loss and accuracy of a network over a dataset.</summary>
/// <param name="Loss">
/// Mean loss per sample: for <see cref="NetCompiler.Loss.SoftmaxCrossEntropy"/> −log p[label] (or −Σ t log p against targets),
/// with p clamped to ≥ 1e-12; for <see cref="NetCompiler.Loss.HalfSquaredError"/> ½ Σ (y − t)², against one-hot targets when the
/// data has labels (or t = label when the network has a single output). NaN for an empty dataset.
/// </param>
/// <param name="Accuracy">
/// Fraction of samples whose predicted class is right: argmax of the output against the label (or against the argmax of the
/// targets); for a single-output network with 0/1 labels, (y &gt; 0.5) against the label. NaN when not meaningful
/// (a single-output network with targets, or an empty dataset).
/// </param>
/// <param name="Count">Number of samples evaluated.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy, int Count);
