using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace NetCompiler.Samples.AotPredict;

/// <summary>
/// Classifies the 1,000 embedded Fashion-MNIST test images with a network whose trained parameters are compiled in.
/// Publish it with NativeAOT and it is one executable with nothing else to deploy:
/// <code>
/// dotnet publish Samples/AotPredict -c Release -r linux-x64 -o out &amp;&amp; out/NetCompiler.Samples.AotPredict
/// </code>
/// It prints the accuracy and a hash of every output float, so that two builds (JIT and AOT) can be compared bit for
/// bit. <c>--first</c> predicts one image and exits (to time start-up); <c>--bench N</c> times N calls of
/// <c>PredictBatch</c> over 10,000 images and prints their median.
/// </summary>
public static class Program
{
    /// <summary>Runs the sample; see the class summary for the arguments.</summary>
    public static int Main(string[] args)
    {
        var net = new FashionMlp();
        Dataset test = Idx.ToDataset(ReadImages(), ReadLabels());
        if (args is ["--first"])
        {
            Span<float> scores = stackalloc float[FashionMlp.OutputSize];
            net.Predict(test.GetFeatures(0), scores);
            Console.WriteLine($"first prediction: class {ArgMax(scores)}");
            return 0;
        }

        int count = test.Count;
        float[] inputs = test.Features;
        int[] labels = test.Labels!;
        float[] outputs = new float[count * FashionMlp.OutputSize];
        net.PredictBatch(inputs, outputs);

        int correct = 0;
        for (int i = 0; i < count; i++)
            if (ArgMax(outputs.AsSpan(i * FashionMlp.OutputSize, FashionMlp.OutputSize)) == labels[i]) correct++;
        Console.WriteLine($"kernels: {SimdPath}");
        Console.WriteLine($"accuracy: {correct}/{count}");
        Console.WriteLine($"output hash: {Fnv1a64(MemoryMarshal.AsBytes(outputs.AsSpan())):X16}");

        if (args is ["--bench", var repetitions])
            Bench(net, inputs, int.Parse(repetitions, System.Globalization.CultureInfo.InvariantCulture));
        return 0;
    }

    /// <summary>The instruction-set path the generated kernels take in this process.</summary>
    public static string SimdPath
        => Vector512.IsHardwareAccelerated ? "AVX-512"
        : Vector256.IsHardwareAccelerated && Fma.IsSupported ? "AVX2 + FMA"
        : "portable 128-bit";

    /// <summary>Times <paramref name="repetitions"/> calls of PredictBatch over 10,000 images (the 1,000 ten times).</summary>
    private static void Bench(FashionMlp net, float[] inputs, int repetitions)
    {
        const int Copies = 10;
        float[] batch = new float[inputs.Length * Copies];
        for (int c = 0; c < Copies; c++) inputs.CopyTo(batch, c * inputs.Length);
        float[] outputs = new float[batch.Length / FashionMlp.InputSize * FashionMlp.OutputSize];
        var times = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            long start = Stopwatch.GetTimestamp();
            net.PredictBatch(batch, outputs);
            times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"PredictBatch of {batch.Length / FashionMlp.InputSize} images: median {times[repetitions / 2]:F2} ms of {repetitions}");
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int k = 1; k < scores.Length; k++)
            if (scores[k] > scores[best]) best = k;
        return best;
    }

    /// <summary>FNV-1a 64-bit: a fingerprint of the output bits.</summary>
    private static ulong Fnv1a64(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (byte b in bytes) hash = (hash ^ b) * 0x100000001B3UL;
        return hash;
    }

    private static IdxImages ReadImages()
    {
        using Stream stream = Resource("t10k-images-idx3-ubyte");
        return Idx.ReadImages(stream, "embedded t10k-images-idx3-ubyte.gz");
    }

    private static byte[] ReadLabels()
    {
        using Stream stream = Resource("t10k-labels-idx1-ubyte");
        return Idx.ReadLabels(stream, "embedded t10k-labels-idx1-ubyte.gz");
    }

    private static Stream Resource(string name)
        => typeof(Program).Assembly.GetManifestResourceStream($"FashionMnist.{name}.gz")
           ?? throw new FileNotFoundException($"The embedded resource 'FashionMnist.{name}.gz' is missing.");
}
