using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using ScottPlot;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>
/// The pictures of a training run, drawn with ScottPlot: the learning curve (losses and validation accuracy against
/// epochs) from a <see cref="TrainingResult"/>, and the confusion matrix from a <see cref="ClassificationReport"/>.
/// Files are written atomically (a temporary file in the same directory, then a rename).
/// </summary>
public static class TrainingPlots
{
    /// <summary>The file name of the learning curve in a <c>--plots</c> directory.</summary>
    public const string LearningCurveFile = "learning-curve.png";

    /// <summary>The file name of the confusion matrix in a <c>--plots</c> directory.</summary>
    public const string ConfusionMatrixFile = "confusion-matrix.png";

    /// <summary>Size of the learning-curve picture, pixels.</summary>
    public const int LearningCurveWidth = 800, LearningCurveHeight = 500;

    /// <summary>Size of the confusion-matrix picture, pixels.</summary>
    public const int ConfusionMatrixWidth = 800, ConfusionMatrixHeight = 700;

    /// <summary>The ten Fashion-MNIST classes, by label.</summary>
    public static readonly IReadOnlyList<string> FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// Writes <see cref="LearningCurveFile"/> and <see cref="ConfusionMatrixFile"/> into <paramref name="directory"/>
    /// (created if missing) and returns their paths.
    /// </summary>
    public static (string LearningCurve, string ConfusionMatrix) WriteAll(string directory, string title, TrainingResult history,
        ClassificationReport test, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(directory);
        Directory.CreateDirectory(directory);
        string curve = Path.Combine(directory, LearningCurveFile), matrix = Path.Combine(directory, ConfusionMatrixFile);
        WritePng(curve, LearningCurve(title, history), LearningCurveWidth, LearningCurveHeight);
        WritePng(matrix, ConfusionMatrix($"{title}: test-set confusion matrix", test, classNames), ConfusionMatrixWidth, ConfusionMatrixHeight);
        return (curve, matrix);
    }

    /// <summary>Training and validation loss (left axis) and validation accuracy (right axis) against epochs.</summary>
    public static Plot LearningCurve(string title, TrainingResult history)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (history.Epochs.Count == 0) throw new ArgumentException("The history has no epochs.", nameof(history));
        double[] epochs = history.Epochs.Select(e => (double)e.Epoch).ToArray();
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel("epoch");
        plot.YLabel("loss");

        var training = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.TrainingLoss).ToArray());
        training.LegendText = "training loss";
        training.Color = Colors.C0;
        if (history.Epochs.All(e => e.Validation is not null))
        {
            var validationLoss = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.Validation!.Value.Loss).ToArray());
            validationLoss.LegendText = "validation loss";
            validationLoss.Color = Colors.C1;

            var accuracy = plot.Add.Scatter(epochs, history.Epochs.Select(e => e.Validation!.Value.Accuracy).ToArray());
            accuracy.LegendText = "validation accuracy (right axis)";
            accuracy.Color = Colors.C2;
            accuracy.LinePattern = LinePattern.Dashed;
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy";
        }
        if (history.BestEpoch > 0)
        {
            var best = plot.Add.VerticalLine(history.BestEpoch);
            best.LinePattern = LinePattern.Dotted;
            best.Color = Colors.Gray;
            best.LegendText = history.RestoredBest ? "best epoch (kept)" : "best epoch";
        }
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(Edge.Bottom);
        return plot;
    }

    /// <summary>A heat map of the confusion matrix (rows: true class, columns: predicted class) with the counts in the cells.</summary>
    public static Plot ConfusionMatrix(string title, ClassificationReport report, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(classNames);
        int n = report.Classes;
        if (classNames.Count != n) throw new ArgumentException($"{classNames.Count} class names for {n} classes.", nameof(classNames));
        var counts = new double[n, n];
        long max = 1;
        for (int actual = 0; actual < n; actual++)
        for (int predicted = 0; predicted < n; predicted++)
        {
            counts[actual, predicted] = report[actual, predicted];
            max = Math.Max(max, report[actual, predicted]);
        }

        var plot = new Plot();
        plot.Title(title);
        var heatmap = plot.Add.Heatmap(counts);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // The extent spans the cell centres: cell (row r, column c) covers [c, c + 1] × [n - r - 1, n - r], row 0 (the
        // first class) on top.
        heatmap.Extent = new CoordinateRect(0.5, n - 0.5, 0.5, n - 0.5);
        plot.Add.ColorBar(heatmap).Label = "test images";
        for (int actual = 0; actual < n; actual++)
        for (int predicted = 0; predicted < n; predicted++)
        {
            long count = report[actual, predicted];
            var text = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), predicted + 0.5, n - actual - 0.5);
            text.LabelAlignment = Alignment.MiddleCenter;
            text.LabelFontColor = count > max / 2 ? Colors.Black : Colors.White;
            text.LabelFontSize = 12;
        }
        double[] positions = Enumerable.Range(0, n).Select(i => i + 0.5).ToArray();
        string[] names = classNames.ToArray();
        plot.Axes.Bottom.SetTicks(positions, names);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 110;
        plot.Axes.Left.SetTicks(positions.Select(p => n - p).ToArray(), names);
        plot.XLabel("predicted class");
        plot.YLabel("true class");
        plot.Axes.SetLimits(0, n, 0, n);
        return plot;
    }

    /// <summary>Renders <paramref name="plot"/> as a PNG of the given size and writes it to <paramref name="path"/> atomically.</summary>
    public static void WritePng(string path, Plot plot, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(plot);
        byte[] png = plot.GetImageBytes(width, height, ImageFormat.Png);
        string full = Path.GetFullPath(path);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temporary, png);
            File.Move(temporary, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }
}
