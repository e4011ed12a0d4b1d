using System;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>End to end: plain full-batch gradient descent on the generated gradients learns XOR.</summary>
public class XorTrainingTests
{
    private static readonly float[] Inputs = { 0, 0, 0, 1, 1, 0, 1, 1 };
    private static readonly float[] Targets = { 0, 1, 1, 0 };

    /// <summary>Trains with p ← p − lr·∇E and returns the final mean loss (computed by the test, not the network).</summary>
    private static double Train(INetwork net, int parameterCount, float learningRate, int epochs)
    {
        var p = new float[parameterCount];
        var g = new float[parameterCount];
        net.CopyParametersTo(p);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            net.ComputeGradients(Inputs, Targets, g);
            for (int i = 0; i < p.Length; i++) p[i] -= learningRate * g[i];
            net.LoadParameters(p);
        }
        // The final loss from Predict and the definition E = ½(y − t)², averaged over the four patterns.
        double loss = 0;
        var y = new float[1];
        for (int s = 0; s < 4; s++)
        {
            net.Predict(Inputs.AsSpan(2 * s, 2), y);
            loss += 0.5 * (y[0] - Targets[s]) * (y[0] - Targets[s]);
        }
        return loss / 4;
    }

    // Seed and learning rate chosen by trying them with the initialiser as it stands (Glorot uniform, layer streams
    // of ParameterInitializer): with lr = 0.5 every seed 0–11 got below 0.01 within 900 epochs, seed 1 after ~350, so
    // 2000 epochs leave a wide margin. XOR nets this small can stall on a plateau for unlucky initialisations; if the
    // initialiser changes and this seed stalls, pick another seed that converges rather than loosening the bound.
    private const int XorSeed = 1;
    private const float LearningRate = 0.5f;
    private const int Epochs = 2000;

    [Fact]
    public void Tanh_2_2_1_learns_xor()
    {
        var net = DeclaredNetworks.All[nameof(Xor221Tanh)].Create(XorSeed); // INetwork<T>.Create
        double loss = Train(net, Xor221Tanh.ParameterCount, LearningRate, Epochs);
        Assert.True(loss < 0.01, $"mean loss after {Epochs} epochs: {loss}");

        var y = new float[1];
        for (int s = 0; s < 4; s++)
        {
            net.Predict(Inputs.AsSpan(2 * s, 2), y);
            Assert.True(Math.Abs(y[0] - Targets[s]) < 0.2, $"XOR({Inputs[2 * s]}, {Inputs[2 * s + 1]}) = {y[0]}");
        }
    }
}
