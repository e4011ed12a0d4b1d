using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>One dense layer of a <see cref="DenseReference"/>.</summary>
public readonly record struct LayerSpec(int Units, Activation Activation, bool Bias = true)
{
    public override string ToString() => $"Dense({Units},{Activation}{(Bias ? "" : ",NoBias")})";
}

/// <summary>
/// A deliberately naive double-precision model of a dense network, written from the mathematical definitions only
/// (plain loops, no vectorisation, nothing shared with the generator). It is the oracle for the generated code.
/// Parameters are in the canonical order: layer by layer, weight [out, in] row-major, then bias [out] if present.
/// </summary>
public sealed class DenseReference
{
    private readonly int[] _weightOffset;
    private readonly int[] _biasOffset; // -1 when the layer has no bias

    public DenseReference(int inputSize, IReadOnlyList<LayerSpec> layers, Loss loss)
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize));
        if (layers.Count == 0) throw new ArgumentException("At least one layer.", nameof(layers));
        if (loss == Loss.SoftmaxCrossEntropy && layers[^1].Activation != Activation.Identity)
            throw new ArgumentException("SoftmaxCrossEntropy takes the last layer's pre-activations as logits.", nameof(layers));
        InputSize = inputSize;
        Layers = layers.ToArray();
        Loss = loss;
        _weightOffset = new int[Layers.Count];
        _biasOffset = new int[Layers.Count];
        int offset = 0, fanIn = inputSize;
        for (int l = 0; l < Layers.Count; l++)
        {
            _weightOffset[l] = offset;
            offset += Layers[l].Units * fanIn;
            _biasOffset[l] = Layers[l].Bias ? offset : -1;
            if (Layers[l].Bias) offset += Layers[l].Units;
            fanIn = Layers[l].Units;
        }
        ParameterCount = offset;
    }

    public int InputSize { get; }
    public IReadOnlyList<LayerSpec> Layers { get; }
    public Loss Loss { get; }
    public int OutputSize => Layers[^1].Units;
    public int ParameterCount { get; }

    /// <summary>Fan-in of layer <paramref name="l"/>.</summary>
    public int FanIn(int l) => l == 0 ? InputSize : Layers[l - 1].Units;

    /// <summary>Index of W[l][row, col] in the canonical parameter vector.</summary>
    public int WeightIndex(int l, int row, int col) => _weightOffset[l] + row * FanIn(l) + col;

    /// <summary>Index of b[l][row], or -1 if layer <paramref name="l"/> has no bias.</summary>
    public int BiasIndex(int l, int row) => _biasOffset[l] < 0 ? -1 : _biasOffset[l] + row;

    /// <summary>The layer that owns canonical parameter <paramref name="index"/>.</summary>
    public int LayerOf(int index)
    {
        for (int l = Layers.Count - 1; l >= 0; l--)
            if (index >= _weightOffset[l]) return l;
        throw new ArgumentOutOfRangeException(nameof(index));
    }

    /// <summary>Whether canonical parameter <paramref name="index"/> is a bias.</summary>
    public bool IsBias(int index)
    {
        int l = LayerOf(index);
        return _biasOffset[l] >= 0 && index >= _biasOffset[l];
    }

    public override string ToString() =>
        $"Input({InputSize}) {string.Join(" ", Layers)} {Loss}";

    /// <summary>The C# declaration of an equivalent network class, for compiling at run time.</summary>
    public string ToSource(string className)
    {
        var sb = new StringBuilder();
        sb.Append("[global::NetCompiler.Network(Loss = global::NetCompiler.Loss.").Append(Loss).Append(")]\n");
        sb.Append("[global::NetCompiler.Input(").Append(InputSize).Append(")]\n");
        foreach (var layer in Layers)
        {
            sb.Append("[global::NetCompiler.Dense(").Append(layer.Units)
              .Append(", global::NetCompiler.Activation.").Append(layer.Activation);
            if (!layer.Bias) sb.Append(", Bias = false");
            sb.Append(")]\n");
        }
        sb.Append("public partial class ").Append(className).Append(" { }\n");
        return sb.ToString();
    }

    /// <summary>
    /// Forward pass of one sample. Returns the last layer's activations (for SoftmaxCrossEntropy, the logits z).
    /// <paramref name="onPreActivation"/>, if given, sees every pre-activation z with its layer index.
    /// </summary>
    public double[] Forward(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input, Action<int, double>? onPreActivation = null)
    {
        if (parameters.Length != ParameterCount) throw new ArgumentException("parameter count", nameof(parameters));
        if (input.Length != InputSize) throw new ArgumentException("input size", nameof(input));
        double[] x = input.ToArray();
        for (int l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            int fanIn = x.Length;
            var y = new double[layer.Units];
            for (int j = 0; j < layer.Units; j++)
            {
                double z = 0;
                int row = WeightIndex(l, j, 0);
                for (int k = 0; k < fanIn; k++)
                    z += parameters[row + k] * x[k];
                if (layer.Bias) z += parameters[BiasIndex(l, j)];
                onPreActivation?.Invoke(l, z);
                y[j] = ReferenceNetwork.Activate(layer.Activation, z);
            }
            x = y;
        }
        return x;
    }

    /// <summary>What the network outputs for one sample: softmax probabilities for SoftmaxCrossEntropy, otherwise the
    /// last layer's activations.</summary>
    public double[] Predict(ReadOnlySpan<double> parameters, ReadOnlySpan<double> input)
    {
        double[] y = Forward(parameters, input);
        return Loss == Loss.SoftmaxCrossEntropy ? ReferenceNetwork.Softmax(y) : y;
    }

    /// <summary>Mean loss over the batch <paramref name="inputs"/> (row-major) against per-sample targets
    /// (OutputSize values each; probabilities for SoftmaxCrossEntropy).</summary>
    public double MeanLoss(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<double> targets)
    {
        int n = BatchSize(inputs);
        if (targets.Length != n * OutputSize) throw new ArgumentException("targets size", nameof(targets));
        double total = 0;
        for (int s = 0; s < n; s++)
        {
            double[] y = Forward(parameters, inputs.Slice(s * InputSize, InputSize));
            ReadOnlySpan<double> t = targets.Slice(s * OutputSize, OutputSize);
            double e = 0;
            if (Loss == Loss.HalfSquaredError)
            {
                for (int k = 0; k < y.Length; k++) e += 0.5 * (y[k] - t[k]) * (y[k] - t[k]);
            }
            else
            {
                double[] logP = ReferenceNetwork.LogSoftmax(y);
                for (int k = 0; k < y.Length; k++) e -= t[k] * logP[k];
            }
            total += e;
        }
        return total / n;
    }

    /// <summary>Mean cross-entropy over the batch against class labels (SoftmaxCrossEntropy only).</summary>
    public double MeanLoss(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs, ReadOnlySpan<int> labels)
    {
        if (Loss != Loss.SoftmaxCrossEntropy) throw new InvalidOperationException("Labels need SoftmaxCrossEntropy.");
        int n = BatchSize(inputs);
        if (labels.Length != n) throw new ArgumentException("labels size", nameof(labels));
        double total = 0;
        for (int s = 0; s < n; s++)
            total -= ReferenceNetwork.LogSoftmax(Forward(parameters, inputs.Slice(s * InputSize, InputSize)))[labels[s]];
        return total / n;
    }

    /// <summary>The smallest |z| over every ReLU pre-activation for the batch (+∞ without ReLU layers).</summary>
    public double MinAbsReluPreActivation(ReadOnlySpan<double> parameters, ReadOnlySpan<double> inputs)
    {
        double min = double.PositiveInfinity;
        int n = BatchSize(inputs);
        for (int s = 0; s < n; s++)
            Forward(parameters, inputs.Slice(s * InputSize, InputSize), (l, z) =>
            {
                if (Layers[l].Activation == Activation.ReLU) min = Math.Min(min, Math.Abs(z));
            });
        return min;
    }

    private int BatchSize(ReadOnlySpan<double> inputs)
    {
        if (inputs.Length == 0 || inputs.Length % InputSize != 0) throw new ArgumentException("inputs size", nameof(inputs));
        return inputs.Length / InputSize;
    }
}
