using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NetCompiler;

/// <summary>One epoch of a run's history as written to CSV and JSON (validation figures null without validation data).</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="LearningRate">The epoch's learning rate.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch.</param>
/// <param name="ValidationLoss">Validation loss after the epoch.</param>
/// <param name="ValidationAccuracy">Validation accuracy after the epoch.</param>
/// <param name="Seconds">Wall-clock time of the epoch, evaluation included.</param>
/// <param name="SamplesPerSecond">Training throughput.</param>
/// <param name="Improved">Whether the early-stopping objective improved.</param>
public sealed record HistoryEntry(int Epoch, float LearningRate, double TrainingLoss, double? ValidationLoss, double? ValidationAccuracy,
    double Seconds, double SamplesPerSecond, bool Improved)
{
    internal static HistoryEntry From(EpochReport r) => new(r.Epoch, r.LearningRate, r.TrainingLoss, Finite(r.Validation?.Loss),
        Finite(r.Validation?.Accuracy), r.Elapsed.TotalSeconds, r.SamplesPerSecond, r.Improved);

    private static double? Finite(double? x) => x is { } v && double.IsFinite(v) ? v : null;
}

/// <summary>The CSV and JSON forms of a <see cref="TrainingResult"/>'s history.</summary>
public static class TrainingHistory
{
    /// <summary>The CSV header line.</summary>
    public const string CsvHeader = "epoch,learning_rate,training_loss,validation_loss,validation_accuracy,seconds,samples_per_second,improved";

    /// <summary>The history as CSV: <see cref="CsvHeader"/>, then one line per epoch (invariant culture; empty fields without validation).</summary>
    public static string ToCsv(this TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (EpochReport r in result.Epochs)
        {
            HistoryEntry e = HistoryEntry.From(r);
            text.Append(CultureInfo.InvariantCulture,
                $"{e.Epoch},{e.LearningRate:R},{e.TrainingLoss:R},{e.ValidationLoss:R},{e.ValidationAccuracy:R},{e.Seconds:R},{e.SamplesPerSecond:R},{(e.Improved ? "true" : "false")}\n");
        }
        return text.ToString();
    }

    /// <summary>The history as a JSON array of <see cref="HistoryEntry"/> objects (camelCase), written with System.Text.Json's source generator (NativeAOT-safe).</summary>
    public static string ToJson(this TrainingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var entries = new List<HistoryEntry>(result.Epochs.Count);
        foreach (EpochReport r in result.Epochs) entries.Add(HistoryEntry.From(r));
        return JsonSerializer.Serialize(entries, HistoryJsonContext.Default.ListHistoryEntry);
    }

    /// <summary>Reads a history written by <see cref="ToJson"/>.</summary>
    /// <exception cref="JsonException">The text is not such a history.</exception>
    public static IReadOnlyList<HistoryEntry> FromJson(string json) =>
        JsonSerializer.Deserialize(json, HistoryJsonContext.Default.ListHistoryEntry) ?? throw new JsonException("The history is null.");

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteCsv(this TrainingResult result, string path) => WriteText(path, result.ToCsv());

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteJson(this TrainingResult result, string path) => WriteText(path, result.ToJson());

    private static void WriteText(string path, string text) =>
        ModelFile.WriteAtomically(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<HistoryEntry>))]
internal sealed partial class HistoryJsonContext : JsonSerializerContext;
