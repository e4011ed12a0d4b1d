using System;
using System.Diagnostics;
using System.IO;
using Spectre.Console;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>
/// Shows a training run on the terminal. On an interactive terminal, each epoch gets a live Spectre.Console progress bar
/// driven by <see cref="TrainerOptions.BatchProgress"/> (mean loss so far, samples/s, time left), which ends as the
/// epoch's line with its validation loss and accuracy. When the output is redirected (a log file, CI, a test), or is not
/// the console, it writes plain lines only: one per epoch, no ANSI escapes. The runtime itself takes no console dependency.
/// </summary>
public sealed class TrainingDisplay
{
    private static readonly long RefreshTicks = Stopwatch.Frequency / 10;

    private readonly TextWriter _log;
    private readonly int _epochs;
    private readonly IAnsiConsole? _console;
    private ProgressContext? _context;
    private ProgressTask? _task;
    private long _lastRefresh;

    private TrainingDisplay(TextWriter log, int epochs, IAnsiConsole? console)
    {
        _log = log;
        _epochs = epochs;
        _console = console;
    }

    /// <summary>
    /// A display for a run of <paramref name="epochs"/> epochs writing to <paramref name="log"/>: live when
    /// <paramref name="log"/> is the process's standard output, that output is not redirected and the terminal is
    /// interactive; plain lines otherwise.
    /// </summary>
    public static TrainingDisplay Create(TextWriter log, int epochs)
    {
        ArgumentNullException.ThrowIfNull(log);
        bool live = ReferenceEquals(log, Console.Out) && !Console.IsOutputRedirected
            && AnsiConsole.Profile.Capabilities.Interactive && AnsiConsole.Profile.Capabilities.Ansi;
        return new TrainingDisplay(log, epochs, live ? AnsiConsole.Console : null);
    }

    /// <summary>A display that always writes plain lines to <paramref name="log"/>.</summary>
    public static TrainingDisplay Plain(TextWriter log, int epochs)
    {
        ArgumentNullException.ThrowIfNull(log);
        return new TrainingDisplay(log, epochs, null);
    }

    /// <summary>Whether this display draws live progress bars (else it writes one plain line per epoch).</summary>
    public bool IsLive => _console is not null;

    /// <summary>The handler for <see cref="TrainerOptions.BatchProgress"/>: null when plain, so training pays nothing for it.</summary>
    public BatchProgressHandler? BatchProgress => IsLive ? OnBatch : null;

    /// <summary>The handler for <see cref="TrainerOptions.Progress"/>.</summary>
    public Action<EpochReport> Progress => OnEpoch;

    /// <summary>Runs <paramref name="fit"/> (the training) inside the live display, or directly when plain.</summary>
    public T Run<T>(Func<T> fit)
    {
        ArgumentNullException.ThrowIfNull(fit);
        if (_console is null) return fit();
        return _console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 },
                new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                _context = context;
                try { return fit(); }
                finally { _context = null; _task = null; }
            });
    }

    /// <summary>One line for an epoch, e.g. <c>epoch  3/20  lr 0.04755  train loss 0.3021  val loss 0.3412  val acc 0.8765  1.21 s  51,234 samples/s</c>.</summary>
    public static string FormatEpoch(EpochReport report, int epochs)
    {
        ArgumentNullException.ThrowIfNull(report);
        string validation = report.Validation is { } v
            ? FormattableString.Invariant($"  val loss {v.Loss:F4}  val acc {v.Accuracy:F4}")
            : "";
        return FormattableString.Invariant(
            $"{EpochLabel(report.Epoch, epochs)}  lr {report.LearningRate:F5}  train loss {report.TrainingLoss:F4}{validation}  {report.Elapsed.TotalSeconds:F2} s  {report.SamplesPerSecond:N0} samples/s");
    }

    /// <summary>The short line a finished epoch's bar keeps, e.g. <c>epoch  3/20  train 0.3021  val 0.3412  acc 0.8765</c>.</summary>
    private static string FormatLiveEpoch(EpochReport report, int epochs)
    {
        string validation = report.Validation is { } v ? FormattableString.Invariant($"  val {v.Loss:F4}  acc {v.Accuracy:F4}") : "";
        return FormattableString.Invariant($"{EpochLabel(report.Epoch, epochs)}  train {report.TrainingLoss:F4}{validation}{(report.Improved ? "" : "  -")}");
    }

    private static string EpochLabel(int epoch, int epochs)
        => FormattableString.Invariant($"epoch {epoch.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(epochs.ToString(System.Globalization.CultureInfo.InvariantCulture).Length)}/{epochs}");

    private void OnBatch(in BatchProgress progress)
    {
        if (_context is null) return;
        if (_task is null || progress.Batch == 1)
        {
            _task = _context.AddTask(Markup.Escape(EpochLabel(progress.Epoch, _epochs)), maxValue: progress.EpochSamples);
            _lastRefresh = 0;
        }
        long now = Stopwatch.GetTimestamp();
        if (now - _lastRefresh < RefreshTicks && progress.Batch != progress.Batches) return;
        _lastRefresh = now;
        _task.Value = progress.Samples;
        _task.Description = Markup.Escape(FormattableString.Invariant(
            $"{EpochLabel(progress.Epoch, _epochs)}  loss {progress.EpochLoss:F4}  {progress.SamplesPerSecond:N0} samples/s"));
    }

    private void OnEpoch(EpochReport report)
    {
        if (_task is { } task)
        {
            task.Value = task.MaxValue;
            task.Description = Markup.Escape(FormatLiveEpoch(report, _epochs));
            task.StopTask();
            _task = null;
        }
        else
        {
            _log.WriteLine(FormatEpoch(report, _epochs));
        }
    }
}
