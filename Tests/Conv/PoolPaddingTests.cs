using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Conv;

// For the PyTorch fixture: a bias-free Conv2D(2, K, Padding = K − 1) over a single input of 1 writes its flipped
// kernel, y[f, i, j] = W[f, 0, K − 1 − i, K − 1 − j], so the network's parameters are the pool's input and their gradient
// is the pool's input gradient. K = 7 and 8: the fixture's odd and even sizes.
[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 7, Padding = 6, Bias = false)] [MaxPool2D(3, Stride = 2, Padding = 1)]
public partial class TorchMaxPool7 { }

[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 7, Padding = 6, Bias = false)] [AvgPool2D(3, Stride = 2, Padding = 1)]
public partial class TorchAvgPoolInclude7 { }

[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 7, Padding = 6, Bias = false)] [AvgPool2D(3, Stride = 2, Padding = 1, CountIncludePad = false)]
public partial class TorchAvgPoolExclude7 { }

[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 8, Padding = 7, Bias = false)] [MaxPool2D(3, Stride = 2, Padding = 1)]
public partial class TorchMaxPool8 { }

[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 8, Padding = 7, Bias = false)] [AvgPool2D(3, Stride = 2, Padding = 1)]
public partial class TorchAvgPoolInclude8 { }

[Network(Loss = Loss.HalfSquaredError)] [Input(1, 1, 1)] [Conv2D(2, 8, Padding = 7, Bias = false)] [AvgPool2D(3, Stride = 2, Padding = 1, CountIncludePad = false)]
public partial class TorchAvgPoolExclude8 { }

/// <summary>
/// Padded max and average pooling (PyTorch semantics): ComputeGradients against finite differences of the double
/// reference, Predict / PredictBatch against the reference, outputs and input gradients against PyTorch itself (a
/// committed fixture), the architecture tokens, and the NC006x diagnostics.
/// </summary>
public class PoolPaddingTests
{
    public static IEnumerable<object[]> GradientCases() =>
        from c in PoolPaddingNetworks.All.Values
        from batch in new[] { 1, 3 }
        select new object[] { c.Name, batch };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradients_match_finite_differences(string name, int batch) =>
        NetworkChecks.GradientCheck(PoolPaddingNetworks.All[name], batch, useLabels: false, dataSeed: 300 + 7 * batch);

    /// <summary>A chunk of 64 and one of 3: several blocks of samples on every path, and a partial one.</summary>
    [Theory]
    [InlineData(nameof(MaxPoolPad1Odd))]
    [InlineData(nameof(AvgPoolPadBetweenConvs))]
    [InlineData(nameof(AvgPoolPadExclude))]
    public void Gradients_of_a_batch_of_67_match_finite_differences(string name) =>
        NetworkChecks.GradientCheck(PoolPaddingNetworks.All[name], batch: 67, useLabels: false, dataSeed: 370);

    [Theory]
    [MemberData(nameof(PoolPaddingNetworks.Names), MemberType = typeof(PoolPaddingNetworks))]
    public void Predict_matches_reference(string name) => NetworkChecks.PredictCheck(PoolPaddingNetworks.All[name], dataSeed: 41);

    [Theory]
    [MemberData(nameof(PoolPaddingNetworks.Names), MemberType = typeof(PoolPaddingNetworks))]
    public void Sizes_match_reference(string name) => NetworkChecks.StaticsMatch(PoolPaddingNetworks.All[name]);

    [Theory]
    [InlineData(typeof(MaxPoolPad1Odd), "Input(2,9,9) Conv2D(3,3x3,Padding=1,Tanh) MaxPool2D(3,Stride=2,Padding=1) Dense(3) SoftmaxCrossEntropy")]
    [InlineData(typeof(AvgPoolPadIncludeEven), "Input(1,8,8) Conv2D(2,3x3,Padding=1,Sigmoid) AvgPool2D(3,Stride=2,Padding=1) Dense(2) HalfSquaredError")]
    [InlineData(typeof(AvgPoolPadExclude), "Input(1,10,8) Conv2D(3,3x3,Padding=1,ReLU) AvgPool2D(3,Stride=2,Padding=1,ExcludePad) Dense(4,Tanh) Dense(2) HalfSquaredError")]
    [InlineData(typeof(PaddedPoolFirstAndLast), "Input(2,7,8) MaxPool2D(3,Stride=2,Padding=1) Conv2D(2,2x2) AvgPool2D(2,Stride=1,Padding=1) HalfSquaredError")]
    [InlineData(typeof(MaxPoolPad2Stride1), "Input(1,6,9) Conv2D(2,3x3,Padding=1,ReLU) MaxPool2D(5,Stride=1,Padding=2) Dense(3) SoftmaxCrossEntropy")]
    public void Architecture_names_the_padding(Type type, string architecture)
        => Assert.Equal(architecture, type.GetField("Architecture")!.GetRawConstantValue());

    // ------------------------------------------------------------------ PyTorch

    private sealed record TorchCase(string Kind, int Size, int Stride, int Padding, bool CountIncludePad, int Channels, int Height, int Width,
        int OutputHeight, int OutputWidth, string Module, double[] Input, double[] Output, double[] GradOutput, double[] GradInput);

    private sealed record TorchFixture(string Torch, TorchCase[] Cases);

    private static string FixturePath([CallerFilePath] string here = "")
        => Path.Combine(Path.GetDirectoryName(here)!, "..", "Fixtures", "pooling", "pool_fixture.json");

    private static readonly Lazy<TorchFixture> Fixture = new(() =>
        JsonSerializer.Deserialize<TorchFixture>(File.ReadAllText(FixturePath()), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!);

    private static TorchCase FixtureCase(string kind, bool countIncludePad, int size) =>
        Fixture.Value.Cases.Single(c => c.Kind == kind && c.CountIncludePad == countIncludePad && c.Height == size);

    private static (INetwork Net, int Outputs, int Parameters) Make<T>() where T : class, INetwork<T> => (T.Create(1), T.OutputSize, T.ParameterCount);

    private static (INetwork Net, int Outputs, int Parameters) CreateTorchNetwork(string kind, bool countIncludePad, int size) => (kind, countIncludePad, size) switch
    {
        ("max", _, 7) => Make<TorchMaxPool7>(),
        ("avg", true, 7) => Make<TorchAvgPoolInclude7>(),
        ("avg", false, 7) => Make<TorchAvgPoolExclude7>(),
        ("max", _, 8) => Make<TorchMaxPool8>(),
        ("avg", true, 8) => Make<TorchAvgPoolInclude8>(),
        ("avg", false, 8) => Make<TorchAvgPoolExclude8>(),
        _ => throw new ArgumentException($"no network for {kind} {countIncludePad} {size}"),
    };

    /// <summary>The conv weight index that holds input position (f, i, j) of a K×K map (see the networks above).</summary>
    private static int WeightOf(int f, int i, int j, int k) => (f * k + (k - 1 - i)) * k + (k - 1 - j);

    [Theory]
    [InlineData("max", true, 7)]
    [InlineData("avg", true, 7)]
    [InlineData("avg", false, 7)]
    [InlineData("max", true, 8)]
    [InlineData("avg", true, 8)]
    [InlineData("avg", false, 8)]
    public void Output_and_input_gradient_match_PyTorch(string kind, bool countIncludePad, int size)
    {
        TorchCase t = FixtureCase(kind, countIncludePad, size);
        var (net, outputs, parameters) = CreateTorchNetwork(kind, countIncludePad, size);
        int k = size, channels = t.Channels;
        Assert.Equal(channels * k * k, parameters);
        Assert.Equal(t.Output.Length, outputs);

        var p = new float[parameters];
        for (int f = 0; f < channels; f++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    p[WeightOf(f, i, j, k)] = (float)t.Input[(f * k + i) * k + j];
        net.LoadParameters(p);
        string what = $"{t.Module} on [1, {channels}, {k}, {k}] (torch {Fixture.Value.Torch})";

        var y = new float[outputs];
        net.Predict(new[] { 1f }, y);
        NetworkChecks.AssertClose(t.Output, y, 1e-6, 1e-6, $"{what}: Predict");
        var ys = new float[3 * outputs];
        net.PredictBatch(new[] { 1f, 1f, 1f }, ys);
        for (int s = 0; s < 3; s++) NetworkChecks.AssertClose(t.Output, ys.AsSpan(s * outputs, outputs), 1e-6, 1e-6, $"{what}: PredictBatch, sample {s}");

        // ½·Σ(y − target)² with target = y_torch − grad_output: ∂E/∂y = grad_output (up to y − y_torch, ~1e-7).
        float[] target = t.Output.Zip(t.GradOutput, (o, g) => (float)(o - g)).ToArray();
        var gradients = new float[parameters];
        net.ComputeGradients(new[] { 1f }, target, gradients);
        var gradInput = new float[t.GradInput.Length];
        for (int f = 0; f < channels; f++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    gradInput[(f * k + i) * k + j] = gradients[WeightOf(f, i, j, k)];
        NetworkChecks.AssertClose(t.GradInput, gradInput, 1e-5, 1e-5, $"{what}: input gradient");
    }

    /// <summary>The test reference, written from the definition, agrees with PyTorch too.</summary>
    [Fact]
    public void Reference_matches_PyTorch()
    {
        foreach (TorchCase t in Fixture.Value.Cases)
        {
            var layer = t.Kind == "max" ? RefLayer.MaxPool(t.Size, t.Stride, t.Padding) : RefLayer.AvgPool(t.Size, t.Stride, t.Padding, t.CountIncludePad);
            var r = new ReferenceNetwork(new[] { t.Channels, t.Height, t.Width }, new[] { layer }, Loss.HalfSquaredError);
            Assert.Equal(t.Output.Length, r.OutputSize);
            NetworkChecks.AssertClose(t.Output, r.Predict(Array.Empty<double>(), t.Input).Select(v => (float)v).ToArray(), 1e-6, 1e-6, t.Module);
        }
    }

    // ------------------------------------------------------------------ generated code and diagnostics

    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    /// <summary>Padding = 0 (and CountIncludePad, meaningless then) generate exactly the code of a pool declared without them.</summary>
    [Theory]
    [InlineData("[MaxPool2D(2)]", "[MaxPool2D(2, Padding = 0)]")]
    [InlineData("[AvgPool2D(3, Stride = 1)]", "[AvgPool2D(3, Stride = 1, Padding = 0, CountIncludePad = false)]")]
    public void Zero_padding_generates_the_unpadded_code(string plain, string explicitZero)
    {
        string Generated(string pool)
        {
            var run = GeneratorHarness.Run(Usings + $"[Network] [Input(2, 8, 8)] [Conv2D(2, 3, Activation.ReLU)] {pool} [Dense(3)] public partial class Net {{ }}");
            Assert.Null(run.Exception);
            Assert.Empty(run.GeneratorDiagnostics);
            Assert.Empty(run.CompilationErrors);
            return run.AllGeneratedText;
        }
        Assert.Equal(Generated(plain), Generated(explicitZero));
    }

    public static TheoryData<string, string, string> InvalidModels => new()
    {
        // id, layers, the text the diagnostic must point at (its last occurrence in the source)
        { "NC0060", "[Input(1, 8, 8)] [MaxPool2D(3, Padding = -1)] [Dense(2)]", "MaxPool2D(3, Padding = -1)" },
        { "NC0060", "[Input(1, 8, 8)] [Conv2D(2, 3)] [AvgPool2D(2, Stride = 2, Padding = -2)]", "AvgPool2D(2, Stride = 2, Padding = -2)" },
        { "NC0061", "[Input(1, 8, 8)] [MaxPool2D(3, Stride = 2, Padding = 2)] [Dense(2)]", "MaxPool2D(3, Stride = 2, Padding = 2)" },
        { "NC0061", "[Input(1, 8, 8)] [AvgPool2D(1, Padding = 1, CountIncludePad = false)]", "AvgPool2D(1, Padding = 1, CountIncludePad = false)" },
        { "NC0062", "[Input(1, 1, 6)] [MaxPool2D(4, Padding = 1)]", "MaxPool2D(4, Padding = 1)" },
        { "NC0062", "[Input(1, 8, 8)] [Conv2D(2, 8)] [AvgPool2D(5, Padding = 1)] [Dense(2)]", "AvgPool2D(5, Padding = 1)" },
    };

    /// <summary>One NC006x error at the attribute (the conv diagnostics' check), whose message says what to do about the padding.</summary>
    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Invalid_padding_reports_one_error_at_its_attribute(string id, string layers, string locationText)
    {
        new ConvDiagnosticsTests().Invalid_layer_reports_one_error_at_its_attribute(id, layers, locationText);
        var diagnostic = GeneratorHarness.Run(Usings + $"[Network] {layers} public partial class Net {{ }}").GeneratorDiagnostics.Single();
        Assert.Contains("padding", diagnostic.GetMessage(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    // Padding exactly half the window (even and odd windows), and a window as large as the padded input.
    [InlineData("[Input(1, 5, 5)] [MaxPool2D(2, Padding = 1)] [Dense(2)]")]
    [InlineData("[Input(1, 1, 1)] [AvgPool2D(3, Padding = 1, CountIncludePad = false)]")]
    [InlineData("[Input(2, 3, 4)] [Conv2D(2, 3, Padding = 1)] [MaxPool2D(5, Stride = 3, Padding = 1)] [Dense(2)]")]
    public void Boundary_paddings_are_valid_and_compile(string layers) => new ConvDiagnosticsTests().Boundary_shapes_are_valid_and_compile(layers);
}
