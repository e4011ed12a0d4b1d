using System;
using System.IO;
using System.Linq;
using NetCompiler.Onnx;
using NetCompiler.Samples.LeNet5;
using NetCompiler.Tests.Infrastructure;
using NetCompiler.Tests.Normalization;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Onnx.OnnxTestSupport;

namespace NetCompiler.Tests.Onnx;

/// <summary>
/// Networks with batch normalisation and dropout, exported with their running statistics: ONNX Runtime (an independent
/// implementation of BatchNormalization) gives PredictBatch's outputs, from the live network and from its model file;
/// the importer folds each exported BatchNormalization back into the layer before it, or refuses it with a clear error.
/// Every network first trains a few steps, so γ, β, the running mean and the running variance are all far from their
/// initial 1, 0, 0 and 1, and a mean read as a variance (or γ as β) changes the outputs.
/// </summary>
public class OnnxBatchNormExportTests(ITestOutputHelper output)
{
    private const int Samples = 7;

    [Fact] public void BnDense_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BnDense>(1));

    [Fact] public void BnConvPool_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BnConvPool>(2));

    [Fact] public void BnBeforeConv_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BnBeforeConv>(3));

    [Fact] public void BnDropoutConv_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BnDropoutConv>(4));

    [Fact] public void BatchNormStepNet_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BatchNormStepNet>(5));

    [Fact] public void BnLast_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<BnLast>(6));

    [Fact] public void DropoutDense_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<DropoutDense>(7));

    [Fact] public void DropoutConv_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<DropoutConv>(8));

    [Fact] public void LeNet5BatchNorm_runs_in_OnnxRuntime() => RunsInOnnxRuntime(Trained<LeNet5BatchNorm>(9, batch: 4));

    [Fact] public void BnConvPool_model_file_exports_with_its_state() => ModelFileRunsInOnnxRuntime(Trained<BnConvPool>(12));

    [Fact] public void BatchNormStepNet_model_file_exports_with_its_state() => ModelFileRunsInOnnxRuntime(Trained<BatchNormStepNet>(13));

    [Fact] public void BnBeforeConv_model_file_exports_with_its_state() => ModelFileRunsInOnnxRuntime(Trained<BnBeforeConv>(14));

    [Fact] public void BnDense_imports_back_with_batch_normalisation_folded() => ImportsBack(Trained<BnDense>(21), "BnDense");

    [Fact] public void BnConvPool_imports_back_with_batch_normalisation_folded() => ImportsBack(Trained<BnConvPool>(22), "BnConvPool");

    [Fact] public void BnDropoutConv_imports_back_with_batch_normalisation_folded() => ImportsBack(Trained<BnDropoutConv>(23), "BnDropoutConv");

    [Fact] public void BatchNormStepNet_imports_back_with_batch_normalisation_folded() => ImportsBack(Trained<BatchNormStepNet>(24), "BatchNormStepNet");

    // BnBeforeConv normalises an average pooling's output: there are no weights to fold it into.
    [Fact] public void Import_refuses_batch_normalisation_after_pooling_by_name() => ImportRefuses(Trained<BnBeforeConv>(31), "/layer3/BatchNormalization");

    // BnLast normalises Dense(4, Tanh)'s outputs: the tanh stands between the weights and the normalisation.
    [Fact] public void Import_refuses_batch_normalisation_after_an_activation_by_name() => ImportRefuses(Trained<BnLast>(32), "/layer2/BatchNormalization");

    [Fact]
    public void Architectures_of_the_generated_networks_parse_with_their_parameter_and_state_counts()
    {
        Check<BnDense>(); Check<BnConvPool>(); Check<BnBeforeConv>(); Check<BnDropoutConv>(); Check<BatchNormStepNet>();
        Check<BnLast>(); Check<DropoutDense>(); Check<DropoutConv>(); Check<DropoutWide>(); Check<LeNet5BatchNorm>();

        static void Check<T>() where T : class, INetwork<T>, ITrainingModeNetwork
        {
            NetworkDescription network = NetworkDescription.Parse(T.Architecture);
            Assert.Equal(T.Architecture, network.Architecture);
            Assert.Equal(T.ParameterCount, network.ParameterCount);
            Assert.Equal(T.Create(1).StateCount, network.StateCount);
        }
    }

    [Fact]
    public void Batch_normalisation_parameters_and_state_sit_where_the_generated_network_keeps_them()
    {
        // BnConvPool: Conv2D(3,3) [2·3·9 + 3 = 57] BatchNorm over 3 channels [γ 57..59, β 60..62; mean 0..2, var 3..5]
        // MaxPool2D(2) Dense(4) [3·2·2·4 + 4 = 52, 63..114] BatchNorm over 4 features [γ 115..118, β 119..122; mean 6..9, var 10..13] Dense(3).
        NetworkDescription network = NetworkDescription.Parse(BnConvPool.Architecture);
        PlacedLayer first = network.Layers[1], second = network.Layers[4];
        Assert.Equal((57, 60, 6, 0), (first.ParameterOffset, first.BiasOffset, first.ParameterCount, first.StateOffset));
        Assert.Equal((115, 119, 8, 6), (second.ParameterOffset, second.BiasOffset, second.ParameterCount, second.StateOffset));
        Assert.Equal(14, network.StateCount);
        Assert.Equal(new BatchNormLayer(Activation.ReLU, Momentum: 0.25f), first.Layer);
        Assert.Equal(new BatchNormLayer(Activation.Tanh, Epsilon: 1e-3f), second.Layer);
    }

    [Theory]
    [InlineData("Input(4) Dense(3) BatchNorm(Momentum=2) Dense(2) HalfSquaredError", "momentum must be in [0, 1]")]
    [InlineData("Input(4) Dense(3) BatchNorm(Epsilon=0) Dense(2) HalfSquaredError", "epsilon must be positive")]
    [InlineData("Input(4) Dense(3) BatchNorm(Softly) Dense(2) HalfSquaredError", "unknown argument \"Softly\"")]
    [InlineData("Input(4) Dense(3) BatchNorm(Momentum=0.1) Dense(2) HalfSquaredError", "not in canonical form")]
    [InlineData("Input(4) BatchNorm(ReLU) Dense(2) HalfSquaredError", "cannot come first")]
    [InlineData("Input(4) Dropout(1) Dense(2) HalfSquaredError", "dropout rate must be in [0, 1)")]
    [InlineData("Input(4) Dropout(0.30) Dense(2) HalfSquaredError", "not in canonical form")]
    [InlineData("Input(4) Dropout(x) Dense(2) HalfSquaredError", "\"x\" is not a number")]
    public void Malformed_batch_normalisation_and_dropout_layers_are_refused_by_name(string architecture, string expected)
    {
        var error = Assert.Throws<FormatException>(() => NetworkDescription.Parse(architecture));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_declaration_written_for_a_description_compiles_to_the_same_architecture()
    {
        // CSharpDeclaration's attributes for BatchNorm (activation, Momentum, Epsilon) and Dropout, through the generator.
        string source = CSharpDeclaration.Write(NetworkDescription.Parse(
            "Input(2,6,7) Conv2D(3,3x3) BatchNorm(ReLU,Momentum=0.25,Epsilon=0.001) MaxPool2D(2) Dropout(0.4) Dense(4) BatchNorm() Dense(3) SoftmaxCrossEntropy"),
            "Declared", "BatchNormDeclaration");
        Assert.Contains("[BatchNorm(Activation.ReLU, Momentum = 0.25f, Epsilon = 0.001f)]", source, StringComparison.Ordinal);
        Type type = GeneratorHarness.CompileAndLoad(source).GetType("BatchNormDeclaration.Declared", true)!;
        Assert.Equal("Input(2,6,7) Conv2D(3,3x3) BatchNorm(ReLU,Momentum=0.25,Epsilon=0.001) MaxPool2D(2) Dropout(0.4) Dense(4) BatchNorm() Dense(3) SoftmaxCrossEntropy",
            Architecture(type));
    }

    [Fact]
    public void A_model_file_without_state_is_refused_by_name_and_nothing_is_written()
    {
        // A version-1 file (no state) of a network with batch normalisation: exporting mean 0 and variance 1 would give
        // another network, so the export names what is missing.
        BnDense net = Trained<BnDense>(41);
        string dir = TempDirectory();
        string ncmf = Path.Combine(dir, "net.ncmf");
        ModelFile.Write(ncmf, BnDense.ArchitectureHash, BnDense.Architecture, net.Parameters, default);
        var error = Assert.Throws<InvalidDataException>(() => OnnxExporter.ExportModelFile(ncmf, Path.Combine(dir, "net.onnx")));
        Assert.Contains("holds no state", error.Message, StringComparison.Ordinal);
        Assert.Contains("running mean and variance", error.Message, StringComparison.Ordinal);
        Assert.Equal(["net.ncmf"], Directory.EnumerateFiles(dir).Select(Path.GetFileName));
        output.WriteLine(error.Message);
    }

    [Fact]
    public void Exporting_a_description_with_batch_normalisation_needs_its_state()
    {
        NetworkDescription network = NetworkDescription.Parse(BnDense.Architecture);
        var parameters = new float[network.ParameterCount];
        var error = Assert.Throws<ArgumentException>(() => OnnxExporter.ExportBytes(network, parameters));
        Assert.Contains("needs its state", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OnnxExporter.ExportBytes(network, parameters, new float[network.StateCount - 1]));
    }

    [Fact]
    public void The_exported_node_carries_epsilon_and_the_onnx_momentum()
    {
        // ONNX's momentum weighs the old running statistics (PyTorch writes 1 − its momentum); epsilon as declared.
        var model = global::Onnx.ModelProto.Parser.ParseFrom(OnnxExporter.ExportBytes(Trained<BnConvPool>(51)));
        var nodes = model.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToArray();
        Assert.Equal(2, nodes.Length);
        float Attribute(global::Onnx.NodeProto node, string name) => node.Attribute.Single(a => a.Name == name).F;
        Assert.Equal((1e-5f, 0.75f), (Attribute(nodes[0], "epsilon"), Attribute(nodes[0], "momentum")));
        Assert.Equal((1e-3f, 0.9f), (Attribute(nodes[1], "epsilon"), Attribute(nodes[1], "momentum")));
        Assert.DoesNotContain(model.Graph.Node, n => n.OpType == "Dropout");
    }

    /// <summary>
    /// <typeparamref name="T"/> after a few SGD steps in training mode on random data, its running statistics updated by
    /// each step, then γ and β spread further (so that they, and the running statistics, are nowhere near 1, 0, 0, 1).
    /// </summary>
    private static T Trained<T>(int seed, int batch = 12) where T : class, INetwork<T>, ITrainingModeNetwork
    {
        T net = T.Create(seed);
        var random = new Random(seed);
        float[] Uniform(int n, float low, float high) => Enumerable.Range(0, n).Select(_ => low + (high - low) * (float)random.NextDouble()).ToArray();
        var gradients = new float[T.ParameterCount];
        var updated = new float[net.StateCount];
        for (int step = 0; step < 4; step++)
        {
            // Inputs with an offset and a scale of their own, so that the batch statistics are not those of the initial state.
            float[] inputs = Uniform(batch * T.InputSize, -0.5f, 2.5f);
            float[] targets = T.Loss == Loss.SoftmaxCrossEntropy ? [] : Uniform(batch * T.OutputSize, -1, 1);
            int[] labels = T.Loss == Loss.SoftmaxCrossEntropy ? Enumerable.Range(0, batch).Select(i => i % T.OutputSize).ToArray() : [];
            net.ComputeGradients(inputs, targets, labels, gradients, new TrainingStep(seed, step), 0, updated);
            Span<float> p = net.Parameters;
            for (int i = 0; i < p.Length; i++) p[i] -= 0.05f * gradients[i];
            updated.CopyTo(net.State);
        }
        NetworkDescription network = NetworkDescription.Parse(T.Architecture);
        foreach (PlacedLayer layer in network.Layers.Where(l => l.Layer is BatchNormLayer))
        {
            Uniform(layer.WeightCount, 0.5f, 1.5f).CopyTo(net.Parameters.Slice(layer.ParameterOffset));
            Uniform(layer.BiasCount, -0.5f, 0.5f).CopyTo(net.Parameters.Slice(layer.BiasOffset));
            int channels = layer.StateCount / 2;
            ReadOnlySpan<float> mean = net.State.Slice(layer.StateOffset, channels), variance = net.State.Slice(layer.StateOffset + channels, channels);
            Assert.True(mean.ToArray().Max(Math.Abs) > 0.05f && variance.ToArray().Max(v => Math.Abs(v - 1)) > 0.05f,
                $"{typeof(T).Name} layer {layer.Index + 1}: the running statistics stayed near mean 0, variance 1");
        }
        return net;
    }

    private void RunsInOnnxRuntime<T>(T net) where T : class, INetwork<T>, ITrainingModeNetwork
    {
        float[] inputs = RandomInputs(5, Samples * T.InputSize);
        float[] ort = RunOnnxRuntime(OnnxExporter.ExportBytes(net), inputs, NetworkDescription.Parse(T.Architecture));
        var (single, batched) = Run(net, inputs, T.InputSize, T.OutputSize);
        double a = AssertClose(batched, ort, typeof(T).Name + ": ONNX Runtime vs PredictBatch");
        double b = AssertClose(single, ort, typeof(T).Name + ": ONNX Runtime vs Predict");
        output.WriteLine($"{typeof(T).Name}: {Samples} samples, {net.StateCount} floats of state; largest relative difference ONNX Runtime vs PredictBatch {a:E2}, vs Predict {b:E2}");
    }

    private void ModelFileRunsInOnnxRuntime<T>(T net) where T : class, INetwork<T>, ITrainingModeNetwork
    {
        string dir = TempDirectory();
        string ncmf = Path.Combine(dir, "net.ncmf"), onnx = Path.Combine(dir, "net.onnx");
        ModelFile.Save(net, ncmf);
        Assert.Equal(net.StateCount, ModelFile.Read(ncmf).State.Length);
        ModelConversion.Export(ncmf, onnx);
        float[] inputs = RandomInputs(6, Samples * T.InputSize);
        float[] ort = RunOnnxRuntime(File.ReadAllBytes(onnx), inputs, NetworkDescription.Parse(T.Architecture));
        var (_, batched) = Run(net, inputs, T.InputSize, T.OutputSize);
        output.WriteLine($"{typeof(T).Name}: model file → ONNX, largest relative difference ONNX Runtime vs PredictBatch {AssertClose(batched, ort, "ONNX Runtime vs PredictBatch"):E2}");
    }

    /// <summary>
    /// Export, import (BatchNormalization folded into the Conv or Gemm before it, in double, rounded once; Dropout
    /// dropped), compile, load: the rebuilt network predicts what the original does, to the tolerance of the export tests
    /// (folding reorders the float arithmetic, so the bits may differ).
    /// </summary>
    private void ImportsBack<T>(T net, string className) where T : class, INetwork<T>, ITrainingModeNetwork
    {
        string dir = TempDirectory();
        string onnx = Path.Combine(dir, "exported.onnx");
        OnnxExporter.Export(net, onnx);
        var (model, sourcePath, modelPath) = ModelConversion.ImportToFiles(onnx, className, "BatchNormImport." + className, Path.Combine(dir, "imported"));
        Assert.DoesNotContain("BatchNorm", model.Network.Architecture, StringComparison.Ordinal);
        Assert.DoesNotContain("Dropout", model.Network.Architecture, StringComparison.Ordinal);
        Assert.Contains(model.Notes, n => n.Contains("folded", StringComparison.Ordinal));

        Type type = GeneratorHarness.CompileAndLoad(File.ReadAllText(sourcePath)).GetType($"BatchNormImport.{className}.{className}", true)!;
        INetwork rebuilt = Load(type, modelPath);
        float[] inputs = RandomInputs(9, Samples * T.InputSize);
        var (_, expected) = Run(net, inputs, T.InputSize, T.OutputSize);
        var (_, actual) = Run(rebuilt, inputs, T.InputSize, T.OutputSize);
        double worst = AssertClose(expected, actual, $"{className}: imported vs original PredictBatch");
        output.WriteLine($"{className}: imported as {model.Network.Architecture}; largest relative difference {worst:E2}");
    }

    /// <summary>The export imports with a refusal that names <paramref name="node"/> and why it cannot be folded.</summary>
    private void ImportRefuses<T>(T net, string node) where T : class, INetwork<T>, ITrainingModeNetwork
    {
        string onnx = Path.Combine(TempDirectory(), "net.onnx");
        OnnxExporter.Export(net, onnx);
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(onnx));
        Assert.Contains($"node '{node}' (BatchNormalization)", error.Message, StringComparison.Ordinal);
        Assert.Contains("directly after a Conv or Gemm/MatMul", error.Message, StringComparison.Ordinal);
        output.WriteLine(error.Message);
    }
}
