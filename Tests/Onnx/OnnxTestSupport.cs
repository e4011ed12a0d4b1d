using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using NetCompiler.Onnx;
using Xunit;

namespace NetCompiler.Tests.Onnx;

/// <summary>Fixture files, temporary directories, reflection over networks compiled in a test, and the tolerance.</summary>
internal static class OnnxTestSupport
{
    /// <summary>Relative tolerance against PyTorch and ONNX Runtime.</summary>
    public const double Relative = 1e-5;

    /// <summary>
    /// Absolute floor for outputs near zero: |actual − expected| ≤ 1e-5·|expected| + 1e-6. Outputs here are sums of tens
    /// to hundreds of float32 products of order 1, accumulated in another order than PyTorch's, so a difference of a few
    /// float32 ulps of the partial sums (≈ 1e-7 each) remains where the result itself cancels to near zero.
    /// </summary>
    public const double AbsoluteFloor = 1e-6;

    public static string Fixture(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx", file);
        Assert.True(File.Exists(path), $"Fixture {path} is missing (Tests/Fixtures/onnx, copied to the output).");
        return path;
    }

    /// <summary>A fresh empty directory under the system's temporary directory.</summary>
    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "netcompiler-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>A fixture's batch: inputs and PyTorch's outputs, row-major.</summary>
    public sealed record Batch(int Count, int InputSize, int OutputSize, float[] Inputs, float[] Outputs);

    public static Batch ReadBatch(string name)
    {
        using var reader = new BinaryReader(File.OpenRead(Fixture(name + ".io.bin")));
        int count = reader.ReadInt32(), inputSize = reader.ReadInt32(), outputSize = reader.ReadInt32();
        float[] Read(int n) => Enumerable.Range(0, n).Select(_ => reader.ReadSingle()).ToArray();
        return new Batch(count, inputSize, outputSize, Read(count * inputSize), Read(count * outputSize));
    }

    /// <summary>Asserts |actual − expected| ≤ <see cref="Relative"/>·|expected| + <see cref="AbsoluteFloor"/> everywhere;
    /// returns the largest relative error (against max(|expected|, floor/relative)) for the test output.</summary>
    public static double AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double error = Math.Abs(a - e);
            Assert.False(double.IsNaN(a), $"{what}: output {i} is NaN");
            if (error > Relative * Math.Abs(e) + AbsoluteFloor)
                Assert.Fail($"{what}: output {i} is {a:R}, expected {e:R} (error {error:E2}, allowed {Relative * Math.Abs(e) + AbsoluteFloor:E2})");
            worst = Math.Max(worst, error / Math.Max(Math.Abs(e), AbsoluteFloor / Relative));
        }
        return worst;
    }

    /// <summary><c>ModelFile.Load&lt;T&gt;(path)</c> for a network type compiled in the test.</summary>
    public static INetwork Load(Type network, string path)
        => (INetwork)Generic(nameof(LoadVia), network).Invoke(null, [path])!;

    /// <summary><c>T.Architecture</c> for a network type compiled in the test.</summary>
    public static string Architecture(Type network) => (string)Generic(nameof(ArchitectureVia), network).Invoke(null, null)!;

    private static MethodInfo Generic(string name, Type network)
        => typeof(OnnxTestSupport).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(network);

    private static INetwork LoadVia<T>(string path) where T : class, INetwork<T> => ModelFile.Load<T>(path);

    private static string ArchitectureVia<T>() where T : class, INetwork<T> => T.Architecture;

    /// <summary>Runs every sample through Predict and the whole batch through PredictBatch.</summary>
    public static (float[] Single, float[] Batched) Run(INetwork net, float[] inputs, int inputSize, int outputSize)
    {
        int count = inputs.Length / inputSize;
        var single = new float[count * outputSize];
        for (int s = 0; s < count; s++)
            net.Predict(inputs.AsSpan(s * inputSize, inputSize), single.AsSpan(s * outputSize, outputSize));
        var batched = new float[count * outputSize];
        net.PredictBatch(inputs, batched);
        return (single, batched);
    }

    /// <summary>Runs <paramref name="onnx"/> in ONNX Runtime on a batch of <paramref name="network"/>'s inputs.</summary>
    public static float[] RunOnnxRuntime(byte[] onnx, float[] inputs, NetworkDescription network)
    {
        using var session = new InferenceSession(onnx);
        long[] shape = [inputs.Length / network.InputSize, .. network.InputShape.Select(d => (long)d)];
        using OrtValue input = OrtValue.CreateTensorValueFromMemory(inputs, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, ["input"], [input], ["output"]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public static float[] RandomInputs(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }
}
