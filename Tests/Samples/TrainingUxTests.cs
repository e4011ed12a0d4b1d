using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO;
using System.Linq;
using NetCompiler.Samples.FashionMnist;
using NetCompiler.Samples.LeNet5;
using Xunit;

namespace NetCompiler.Tests.Samples;

/// <summary>The samples' terminal display when the output is redirected, and their <c>--plots</c> pictures.</summary>
public class TrainingUxTests
{
    [Fact]
    public async System.Threading.Tasks.Task RedirectedOutput_IsPlainText_OneLinePerEpoch()
    {
        // The sample's own entry point in a child process whose standard output is a pipe, as in a log or CI; the
        // terminal type claims colour support, so only the redirection decides.
        string sample = typeof(FashionMnistSample).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [sample, "--embedded", "--epochs", "3", "--patience", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["TERM"] = "xterm-256color";
        start.Environment["COLORTERM"] = "truecolor";
        using var child = Process.Start(start)!;
        System.Threading.Tasks.Task<string> error = child.StandardError.ReadToEndAsync();
        string output = await child.StandardOutput.ReadToEndAsync();
        await child.WaitForExitAsync(new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(2)).Token);
        Assert.True(child.ExitCode == 0, $"exit code {child.ExitCode}: {await error}");

        Assert.DoesNotContain('\u001b', output);
        Assert.DoesNotContain('\r', output.Replace("\r\n", "\n", StringComparison.Ordinal));
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string[] epochs = lines.Where(l => l.StartsWith("epoch ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["epoch 1/3", "epoch 2/3", "epoch 3/3"], epochs.Select(l => l[..9]));
        Assert.All(epochs, l => Assert.Matches(@"train loss \d\.\d{4}  val loss \d\.\d{4}  val acc \d\.\d{4}", l));
        Assert.StartsWith("test accuracy: 0.", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void DisplayOnAWriter_IsPlain_AndAddsNoBatchCallback()
    {
        var log = new StringWriter();
        TrainingDisplay display = TrainingDisplay.Create(log, 2);
        Assert.False(display.IsLive);
        Assert.Null(display.BatchProgress);
    }

    [Fact]
    public void FashionMnistPlots_AreValidPngsOfTheDocumentedSize()
    {
        string directory = Directory.CreateTempSubdirectory("nc-plots-").FullName;
        try
        {
            var log = new StringWriter();
            FashionMnistSample.Run(new FashionMnistOptions { Embedded = true, Epochs = 2, PlotsDirectory = directory }, log);
            AssertPng(Path.Combine(directory, TrainingPlots.LearningCurveFile), TrainingPlots.LearningCurveWidth, TrainingPlots.LearningCurveHeight);
            AssertPng(Path.Combine(directory, TrainingPlots.ConfusionMatrixFile), TrainingPlots.ConfusionMatrixWidth, TrainingPlots.ConfusionMatrixHeight);
            Assert.Equal(2, Directory.GetFiles(directory).Length); // no temporary file left behind
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void LeNet5Plots_AreValidPngsOfTheDocumentedSize()
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory("nc-plots-").FullName, "new");
        try
        {
            LeNet5Sample.Run(new LeNet5Options { Embedded = true, Epochs = 1, Optimizer = "adam", LearningRate = 0.001f, PlotsDirectory = directory });
            AssertPng(Path.Combine(directory, TrainingPlots.LearningCurveFile), TrainingPlots.LearningCurveWidth, TrainingPlots.LearningCurveHeight);
            AssertPng(Path.Combine(directory, TrainingPlots.ConfusionMatrixFile), TrainingPlots.ConfusionMatrixWidth, TrainingPlots.ConfusionMatrixHeight);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(directory)!, recursive: true);
        }
    }

    [Fact]
    public void Options_ShareOptimizerPlotsAndValidation()
    {
        LeNet5Options l = LeNet5Options.Parse(["--optimizer", "adam", "--plots", "p", "--validation", "0.2", "--patience", "0"]);
        Assert.Equal(new LeNet5Options { Optimizer = "adam", PlotsDirectory = "p", ValidationFraction = 0.2, Patience = 0 }, l);
        FashionMnistOptions f = FashionMnistOptions.Parse(["--optimizer", "adam", "--plots", "p", "--validation", "0.2", "--patience", "3"]);
        Assert.Equal(new FashionMnistOptions { Optimizer = "adam", PlotsDirectory = "p", ValidationFraction = 0.2, Patience = 3 }, f);
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--optimizer", "rmsprop"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--validation", "0"]));
        Assert.Throws<ArgumentException>(() => FashionMnistOptions.Parse(["--validation", "0.9"]));
        Assert.Throws<ArgumentException>(() => LeNet5Options.Parse(["--plots"]));
    }

    /// <summary>A PNG: the 8-byte signature, then the IHDR chunk first, with the expected width and height.</summary>
    private static void AssertPng(string path, int width, int height)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.True(png.Length > 33, $"{path} has {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(png, png.Length - 8, 4));
    }
}
