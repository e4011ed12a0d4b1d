using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Samples.Fig1a;
using Xunit;

namespace NetCompiler.Tests.Samples;

public class Fig1aSampleTests
{
    [Fact]
    public void Network_SeparatesTheCurves_LinearClassifierDoesNot()
    {
        var log = new StringWriter();
        Fig1aResult result = Fig1aSample.Run(new Fig1aOptions(), log);

        Assert.Equal(1.0, result.Accuracy);
        Assert.True(result.LinearAccuracy < 1.0, $"the linear classifier reached {result.LinearAccuracy}");
        Assert.EndsWith("2-2-1 network: training accuracy 1.0000 (100/100)", log.ToString().TrimEnd());
    }

    [Fact]
    public void Curves_AreBalancedAndInterleaved()
    {
        Dataset data = Fig1aSample.MakeCurves(50);
        Assert.Equal(100, data.Count);
        int[] labels = data.Labels!;
        Assert.Equal(50, labels.Count(l => l == 1));
        // Interleaved: the lower curve's highest point is above the upper curve's lowest one.
        float upperMin = Enumerable.Range(0, data.Count).Where(i => labels[i] == 1).Min(i => data.GetFeatures(i)[1]);
        float lowerMax = Enumerable.Range(0, data.Count).Where(i => labels[i] == 0).Max(i => data.GetFeatures(i)[1]);
        Assert.True(lowerMax > upperMin);
    }

    [Fact]
    public void Svg_IsWellFormed()
    {
        Fig1aResult result = Fig1aSample.Run(new Fig1aOptions { Epochs = 20 });
        XDocument svg = XDocument.Parse(Fig1aSvg.Draw(result.Network, Fig1aSample.MakeCurves(50)));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Equal(200, svg.Descendants().Count(e => e.Name.LocalName == "circle")); // 100 points in each panel
    }

    [Fact]
    public void Options_Parse()
    {
        Fig1aOptions o = Fig1aOptions.Parse(["--epochs", "7", "--lr", "0.1", "--seed", "3", "--svg", "a.svg"]);
        Assert.Equal(new Fig1aOptions { Epochs = 7, LearningRate = 0.1f, Seed = 3, SvgPath = "a.svg" }, o);
        Assert.Throws<ArgumentException>(() => Fig1aOptions.Parse(["--points", "2"]));
        Assert.Throws<ArgumentException>(() => Fig1aOptions.Parse(["--bogus"]));
    }
}

public class FashionMnistSampleTests
{
    /// <summary>
    /// The embedded run with default settings (10 epochs, batch 64, lr 0.05 cosine, momentum 0.9, seed 42) as measured
    /// on the AVX2 + FMA and on the portable 128-bit kernels; the sample's README quotes it.
    /// </summary>
    private const double EmbeddedAccuracy = 0.8600;

    [Fact]
    public void EmbeddedRun_ReachesTheDocumentedAccuracy_AndEndsWithTheAccuracyLine()
    {
        var log = new StringWriter();
        double accuracy = FashionMnistSample.Run(new FashionMnistOptions { Embedded = true }, log);

        Assert.InRange(accuracy, EmbeddedAccuracy - 0.01, EmbeddedAccuracy + 0.01);
        string[] lines = log.ToString().TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.StartsWith("data: embedded Fashion-MNIST subset: 6,000 training and 1,000 test images", lines[0]);
        Assert.Equal(FashionMnistOptions.DefaultEmbeddedEpochs, lines.Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)));
        Assert.Matches(new Regex(@"^test accuracy: 0\.\d{4}$"), lines[^1]);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"test accuracy: {accuracy:F4}"), lines[^1]);
    }

    [Fact]
    public void EmbeddedSubset_IsClassBalanced()
    {
        FashionMnistData data = FashionMnistSample.LoadEmbedded();
        Assert.True(data.IsEmbedded);
        Assert.Equal((6000, 1000), (data.Train.Count, data.Test.Count));
        Assert.Equal(784, data.Train.FeatureSize);
        Assert.All(data.Train.Labels!.GroupBy(l => l), g => Assert.Equal(600, g.Count()));
        Assert.All(data.Test.Labels!.GroupBy(l => l), g => Assert.Equal(100, g.Count()));
        Assert.InRange(data.Train.Features.Max(), 0.99f, 1f); // pixels scaled to [0, 1]
    }

    [Fact]
    public void SaveOption_WritesALoadableModel()
    {
        string path = Path.Combine(Path.GetTempPath(), $"fashion-{Guid.NewGuid():N}.ncm");
        try
        {
            double accuracy = FashionMnistSample.Run(new FashionMnistOptions { Embedded = true, Epochs = 1, SavePath = path });
            FashionMlp net = ModelFile.Load<FashionMlp>(path);
            Assert.Equal(accuracy, Trainer<FashionMlp>.Evaluate(net, FashionMnistSample.LoadEmbedded().Test).Accuracy);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Options_Parse()
    {
        FashionMnistOptions o = FashionMnistOptions.Parse(["--embedded", "--epochs", "3", "--batch", "32", "--lr", "0.1", "--seed", "7", "--save", "m.ncm", "--threads", "2"]);
        Assert.Equal(new FashionMnistOptions { Embedded = true, Epochs = 3, BatchSize = 32, LearningRate = 0.1f, Seed = 7, SavePath = "m.ncm", Threads = 2 }, o);
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--threads", "0"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--batch", "4", "--threads", "5"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--embedded", "--data", "dir"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--epochs", "0"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--lr"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--bogus"]));
    }

    [Fact]
    public void MissingDataDirectory_IsReported()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-dir-{Guid.NewGuid():N}");
        var e = Assert.Throws<FileNotFoundException>(() => FashionMnistSample.LoadData(new FashionMnistOptions { DataDirectory = missing }));
        Assert.Contains("train-images-idx3-ubyte", e.Message);
    }
}
