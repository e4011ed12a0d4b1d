using System;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>History (CSV, JSON), per-batch progress, the epoch report's text, the confusion matrix, PredictClass and the validation split.</summary>
public class TrainingHistoryTests
{
    private static (Trainer<SoftmaxClassifier> Trainer, TrainingResult Result) Train(BatchProgressHandler? batch = null)
    {
        (Dataset train, Dataset validation) = ToyData.Clusters(90, 1).SplitValidation(0.2, seed: 5);
        var trainer = new Trainer<SoftmaxClassifier>(SoftmaxClassifier.Create(1), new Adam(9, 0.05f),
            new TrainerOptions { Epochs = 3, BatchSize = 4, BatchProgress = batch });
        return (trainer, trainer.Fit(train, validation));
    }

    [Fact]
    public void History_is_written_as_csv_and_json_with_every_epoch()
    {
        TrainingResult result = Train().Result;
        string[] lines = result.ToCsv().TrimEnd('\n').Split('\n');
        Assert.Equal(TrainingHistory.CsvHeader, lines[0]);
        Assert.Equal(4, lines.Length);
        string[] fields = lines[2].Split(',');
        Assert.Equal("2", fields[0]);
        Assert.Equal(result.Epochs[1].TrainingLoss, double.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(result.Epochs[1].Validation!.Value.Accuracy, double.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));

        string json = result.ToJson();
        using (JsonDocument doc = JsonDocument.Parse(json))
        {
            Assert.Equal(3, doc.RootElement.GetArrayLength());
            Assert.Equal(result.Epochs[2].TrainingLoss, doc.RootElement[2].GetProperty("trainingLoss").GetDouble());
            Assert.True(doc.RootElement[0].GetProperty("samplesPerSecond").GetDouble() > 0);
        }
        var back = TrainingHistory.FromJson(json);
        Assert.Equal(result.Epochs.Select(e => e.ValidationLossOrNull()), back.Select(e => e.ValidationLoss));
    }

    [Fact]
    public void Batch_progress_arrives_for_every_batch_and_allocates_nothing()
    {
        int calls = 0;
        long at2 = 0, at15 = 0;
        bool fractionsInRange = true;
        Train((in BatchProgress p) =>
        {
            calls++;
            if (p.Epoch == 1 && p.Batch == 2) at2 = GC.GetAllocatedBytesForCurrentThread();
            if (p.Epoch == 1 && p.Batch == 15) at15 = GC.GetAllocatedBytesForCurrentThread();
            fractionsInRange &= p.Fraction > 0 && p.Fraction <= 1;
        });
        Assert.Equal(3 * 18, calls);   // 72 training samples in batches of 4
        Assert.Equal(0, at15 - at2);
        Assert.True(fractionsInRange);
    }

    [Fact]
    public void Epoch_report_reads_as_a_line()
    {
        var report = new EpochReport(3, 0.05f, 0.30214, new EvaluationResult(0.3412, 0.8765, 100), true, TimeSpan.FromSeconds(1.21)) { SamplesPerSecond = 51234 };
        Assert.Equal("epoch 3: lr 0.05, train loss 0.3021, val loss 0.3412, val acc 0.8765, 1.21 s, 51,234 samples/s", report.ToString());
    }

    [Fact]
    public void Confusion_matrix_counts_predictions_against_labels()
    {
        var net = SoftmaxClassifier.Create(2);
        Dataset data = ToyData.Clusters(30, 3);
        ClassificationReport report = Trainer<SoftmaxClassifier>.EvaluateClasses(net, data);
        // Independent count with PredictClass, one sample at a time.
        var expected = new long[3, 3];
        for (int i = 0; i < data.Count; i++) expected[data.Labels![i], net.PredictClass(data.GetFeatures(i)).Label]++;
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++) Assert.Equal(expected[a, p], report[a, p]);
        Assert.Equal(data.Count, report.ConfusionMatrix.ToArray().Sum());
        double diagonal = Enumerable.Range(0, 3).Sum(k => (double)expected[k, k]);
        Assert.Equal(diagonal / data.Count, report.Result.Accuracy, 12);
        for (int k = 0; k < 3; k++)
        {
            long column = Enumerable.Range(0, 3).Sum(a => expected[a, k]), row = Enumerable.Range(0, 3).Sum(p => expected[k, p]);
            Assert.Equal(column == 0 ? double.NaN : (double)expected[k, k] / column, report.Precision(k));
            Assert.Equal((double)expected[k, k] / row, report.Recall(k));
        }
    }

    [Fact]
    public void PredictClass_returns_the_argmax_and_its_probability_without_allocating()
    {
        var net = SoftmaxClassifier.Create(4);
        float[] x = [0.3f, -1.2f];
        var y = new float[3];
        net.Predict(x, y);
        int best = Array.IndexOf(y, y.Max());
        (int label, float probability) = net.PredictClass(x);
        Assert.Equal((best, y[best]), (label, probability));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) net.PredictClass(x);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Validation_split_is_seeded_and_disjoint()
    {
        Dataset data = ToyData.Clusters(50, 1);
        (Dataset train, Dataset validation) = data.SplitValidation(0.2, seed: 9);
        (Dataset train2, Dataset validation2) = data.SplitValidation(0.2, seed: 9);
        Assert.Equal((40, 10), (train.Count, validation.Count));
        Assert.Equal(validation.Features, validation2.Features);
        Assert.Equal(train.Labels, train2.Labels);
        // Together they hold every sample once (features are distinct points).
        var all = train.Features.Chunk(2).Concat(validation.Features.Chunk(2)).Select(p => (p[0], p[1])).OrderBy(p => p).ToArray();
        Assert.Equal(data.Features.Chunk(2).Select(p => (p[0], p[1])).OrderBy(p => p), all);
        Assert.NotEqual(validation.Features, data.SplitValidation(0.2, seed: 10).Validation.Features);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.SplitValidation(0.001, 1));
    }
}

internal static class EpochReportTestExtensions
{
    public static double? ValidationLossOrNull(this EpochReport r) => r.Validation?.Loss;
}
