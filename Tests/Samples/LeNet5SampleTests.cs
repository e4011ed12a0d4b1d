using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Samples.LeNet5;
using SkiaSharp;
using Xunit;

namespace NetCompiler.Tests.Samples;

public class LeNet5SampleTests
{
    /// <summary>
    /// The least test accuracy an embedded run of <see cref="EmbeddedEpochs"/> epochs with the default settings must
    /// reach. Measured (seed 42, 5,400 training images after the default 10 % validation split): 0.7620 with the
    /// AVX-512 kernels; the margin covers other kernels' rounding.
    /// </summary>
    private const double MinEmbeddedAccuracy = 0.74;

    private const int EmbeddedEpochs = 2;

    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public void EmbeddedRun_LearnsAndEndsWithTheAccuracyLine_AndDrawsTheFigure()
    {
        string figure = Path.Combine(Path.GetTempPath(), $"lenet5-{Guid.NewGuid():N}.png");
        try
        {
            var log = new StringWriter();
            double accuracy = LeNet5Sample.Run(new LeNet5Options { Embedded = true, Epochs = EmbeddedEpochs, FigurePath = figure }, log);

            Assert.True(accuracy >= MinEmbeddedAccuracy, $"test accuracy {accuracy:F4} < {MinEmbeddedAccuracy}");
            string[] lines = log.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
            Assert.StartsWith("data: embedded Fashion-MNIST subset: 6,000 training and 1,000 test images", lines[0]);
            string[] epochs = lines.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToArray();
            Assert.Equal(EmbeddedEpochs, epochs.Length);
            Assert.All(epochs, l => Assert.Matches(new Regex(@"  \d+\.\d\d s  [\d,]+ samples/s$"), l)); // each epoch's time and throughput
            Assert.Contains(lines, l => l.StartsWith("wrote the feature maps of test image 0 (Ankle boot, ", StringComparison.Ordinal));
            Assert.Matches(new Regex(@"^test accuracy: 0\.\d{4}$"), lines[^1]);
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {accuracy:F4}"), lines[^1]);
            AssertPng(File.ReadAllBytes(figure));
        }
        finally
        {
            File.Delete(figure);
        }
    }

    [Fact]
    public void FigureWriter_WritesAPngOfTheDocumentedSize()
    {
        FashionMnistData data = FashionMnistSample.LoadEmbedded();
        FeatureMaps maps = FeatureMaps.Compute(new LeNet5(7), data.Test.GetFeatures(3));
        var stream = new MemoryStream();

        FeatureMapFigure.Write(stream, maps, data.Test.Labels![3], 3, "untrained");

        AssertPng(stream.ToArray());
    }

    [Fact]
    public void FeatureMaps_AreTheTrainedNetworksOwnLayerOutputs()
    {
        FashionMnistData data = FashionMnistSample.LoadEmbedded();
        var net = new LeNet5(11);
        float[] parameters = new float[LeNet5.ParameterCount];
        net.CopyParametersTo(parameters);
        ReadOnlySpan<float> image = data.Test.GetFeatures(5);

        FeatureMaps maps = FeatureMaps.Compute(net, image);

        Assert.Equal((784, 6 * 28 * 28, 6 * 14 * 14, 16 * 10 * 10, 16 * 5 * 5, 120, 84, 10, 10),
            (maps.Input.Length, maps.Conv1.Length, maps.Pool1.Length, maps.Conv2.Length, maps.Pool2.Length,
             maps.Dense1.Length, maps.Dense2.Length, maps.Logits.Length, maps.Probabilities.Length));
        Assert.Equal(image.ToArray(), maps.Input);
        // C1 by hand at a few places: one 5×5 filter over the zero-padded image, plus bias, ReLU.
        foreach ((int c, int r, int q) in new[] { (0, 0, 0), (2, 13, 14), (5, 27, 27), (4, 20, 3) })
        {
            double z = parameters[150 + c];
            for (int i = 0; i < 5; i++)
                for (int j = 0; j < 5; j++)
                {
                    int y = r + i - 2, x = q + j - 2;
                    if (y is >= 0 and < 28 && x is >= 0 and < 28) z += parameters[c * 25 + i * 5 + j] * image[y * 28 + x];
                }
            Assert.Equal(Math.Max(0, z), maps.Conv1[(c * 28 + r) * 28 + q], 4);
        }
        // S2 and S4 are 2×2 maxima of C1 and C3.
        AssertMaxPooled(maps.Conv1, maps.Pool1, channels: 6, size: 28);
        AssertMaxPooled(maps.Conv2, maps.Pool2, channels: 16, size: 10);
        // The logits follow from F6 and the last layer's parameters, and their softmax is LeNet5's Predict.
        for (int k = 0; k < 10; k++)
        {
            double z = parameters[61696 + k];
            for (int i = 0; i < 84; i++) z += parameters[60856 + k * 84 + i] * maps.Dense2[i];
            Assert.Equal(z, maps.Logits[k], 3);
        }
        double max = maps.Logits.Max(), sum = maps.Logits.Sum(v => Math.Exp(v - max));
        for (int k = 0; k < 10; k++)
            Assert.Equal(Math.Exp(maps.Logits[k] - max) / sum, maps.Probabilities[k], 5);
    }

    [Fact]
    public void Options_Parse()
    {
        LeNet5Options o = LeNet5Options.Parse(["--data", "dir", "--epochs", "3", "--batch", "32", "--lr", "0.1", "--momentum", "0.5",
            "--weight-decay", "0", "--seed", "7", "--save", "m.ncm", "--figure", "f.png", "--figure-index", "9", "--threads", "2"]);
        Assert.Equal(new LeNet5Options
        {
            DataDirectory = "dir", Epochs = 3, BatchSize = 32, LearningRate = 0.1f, Momentum = 0.5f, WeightDecay = 0f, Seed = 7,
            SavePath = "m.ncm", FigurePath = "f.png", FigureIndex = 9, Threads = 2,
        }, o);
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--threads", "0"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--batch", "2", "--threads", "3"]));
        Assert.Equal(new FashionMnistOptions { DataDirectory = "dir" }, o.DataOptions);
        Assert.True(LeNet5Options.Parse(["--embedded"]).DataOptions.Embedded);
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--embedded", "--data", "dir"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--epochs", "0"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--figure-index", "-1"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--figure"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--bogus"]));
    }

    [Fact]
    public void FigureIndexOutsideTheTestSet_IsRefusedBeforeTraining()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(
            () => LeNet5Sample.Run(new LeNet5Options { Embedded = true, FigurePath = "unused.png", FigureIndex = 1000 }));
        Assert.Contains("1000 test images", e.Message);
    }

    private static void AssertPng(byte[] bytes)
    {
        Assert.True(bytes.Length > 1000, $"only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes.Take(PngSignature.Length).ToArray());
        using SKBitmap bitmap = SKBitmap.Decode(bytes);
        Assert.NotNull(bitmap);
        Assert.Equal((FeatureMapFigure.Width, FeatureMapFigure.Height), (bitmap.Width, bitmap.Height));
    }

    private static void AssertMaxPooled(float[] input, float[] pooled, int channels, int size)
    {
        int half = size / 2;
        for (int c = 0; c < channels; c++)
            for (int r = 0; r < half; r++)
                for (int q = 0; q < half; q++)
                {
                    int top = (c * size + 2 * r) * size + 2 * q;
                    float expected = Math.Max(Math.Max(input[top], input[top + 1]), Math.Max(input[top + size], input[top + size + 1]));
                    Assert.Equal(expected, pooled[(c * half + r) * half + q]);
                }
    }
}
