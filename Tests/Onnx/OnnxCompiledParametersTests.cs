using System;
using System.IO;
using System.Linq;
using System.Reflection;
using NetCompiler.Onnx;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static NetCompiler.Tests.Onnx.OnnxTestSupport;

namespace NetCompiler.Tests.Onnx;

/// <summary>
/// <c>netcompiler import --compiled-parameters</c>: the generated class names its .ncmf in
/// <c>[Network(Parameters = "….ncmf")]</c>, so building with the file as an AdditionalFiles item is all that is left:
/// <c>new ClassName()</c> predicts what PyTorch predicted, with no file read at run time.
/// </summary>
public class OnnxCompiledParametersTests(ITestOutputHelper output)
{
    public static TheoryData<string> Fixtures => new() { "mlp_tanh_sigmoid", "lenet5", "conv_bn_relu_preserve" };

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Compiled_in_import_predicts_like_PyTorch(string fixture)
    {
        string dir = TempDirectory();
        var (_, sourcePath, modelPath) = ModelConversion.ImportToFiles(Fixture(fixture + ".onnx"), "Imported", "Compiled." + fixture, dir,
            compiledParameters: true);
        string source = File.ReadAllText(sourcePath);
        Assert.Contains("Parameters = \"Imported.ncmf\"", source);

        Assembly assembly = GeneratorHarness.CompileAndLoad(source, additionalTexts: [new FileAdditionalText(modelPath)]);
        Type type = assembly.GetType($"Compiled.{fixture}.Imported", throwOnError: true)!;
        File.Delete(modelPath); // the parameters are in the assembly now
        var net = (INetwork)Activator.CreateInstance(type)!;

        Batch batch = ReadBatch(fixture);
        float[] expected = fixture == "lenet5" ? batch.Outputs.Select(MathF.Exp).ToArray() : batch.Outputs;
        var (single, batched) = Run(net, batch.Inputs, batch.InputSize, batch.OutputSize);
        double worstSingle = AssertClose(expected, single, fixture + " Predict");
        double worstBatch = AssertClose(expected, batched, fixture + " PredictBatch");
        output.WriteLine($"{fixture} compiled in: {batch.Count} samples, largest relative error Predict {worstSingle:E2}, PredictBatch {worstBatch:E2}");
    }
}
