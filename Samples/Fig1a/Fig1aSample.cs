using System;
using System.Globalization;
using System.IO;

namespace NetCompiler.Samples.Fig1a;

/// <summary>The outcome of one run of the Fig. 1a sample.</summary>
/// <param name="Accuracy">Training accuracy of the 2-2-1 <see cref="CurveNet"/>.</param>
/// <param name="LinearAccuracy">Training accuracy of the <see cref="LinearNet"/> baseline (below 1: the curves are not linearly separable).</param>
/// <param name="Loss">Final mean ½ (y − t)² of the 2-2-1 network.</param>
/// <param name="LinearLoss">Final mean ½ (y − t)² of the linear classifier.</param>
/// <param name="Network">The trained 2-2-1 network.</param>
public sealed record Fig1aResult(double Accuracy, double LinearAccuracy, double Loss, double LinearLoss, CurveNet Network);

/// <summary>
/// Fig. 1a of LeCun, Bengio &amp; Hinton, "Deep learning" (Nature 521, 2015): a network with two inputs, two hidden
/// units and one output separates two interleaved curves by distorting the plane, which no linear classifier can do.
/// </summary>
public static class Fig1aSample
{
    /// <summary>Height of each arch: the curves are <c>y = Amplitude·cos(πx/2) + Offset</c> and that minus <see cref="Gap"/>.</summary>
    public const double Amplitude = 1.2;

    /// <summary>Vertical distance between the two curves.</summary>
    public const double Gap = 0.5;

    /// <summary>Vertical shift of the upper curve, centring the pair on y = 0.</summary>
    public const double Offset = -Amplitude / 2 + Gap / 2;

    /// <summary>
    /// Two interleaved arches over x in [−1, 1], <paramref name="pointsPerCurve"/> evenly spaced points each: label 1 on
    /// the upper curve <c>y = 1.2 cos(πx/2) − 0.35</c>, label 0 on the lower one, 0.5 below it.
    /// </summary>
    /// <remarks>
    /// No straight line separates them (with three or more points per curve): the upper curve is concave, so its
    /// convex hull is the region between it and the chord joining its ends, y = −0.35; the lower curve's points
    /// nearest x = 0 (y ≈ 0.35) lie in that region, and a half-plane holding the whole upper curve holds its hull.
    /// </remarks>
    public static Dataset MakeCurves(int pointsPerCurve)
    {
        if (pointsPerCurve < 3)
            throw new ArgumentOutOfRangeException(nameof(pointsPerCurve), pointsPerCurve, "At least three points per curve are needed.");
        var features = new float[4 * pointsPerCurve];
        var labels = new int[2 * pointsPerCurve];
        for (int i = 0; i < pointsPerCurve; i++)
        {
            double x = -1 + 2.0 * i / (pointsPerCurve - 1);
            double upper = Upper(x);
            features[4 * i] = (float)x;
            features[4 * i + 1] = (float)upper;
            labels[2 * i] = 1;
            features[4 * i + 2] = (float)x;
            features[4 * i + 3] = (float)(upper - Gap);
            labels[2 * i + 1] = 0;
        }
        return new Dataset(features, 2, labels);
    }

    /// <summary>The upper curve, <c>Amplitude·cos(πx/2) + Offset</c>.</summary>
    public static double Upper(double x) => Amplitude * Math.Cos(Math.PI * x / 2) + Offset;

    /// <summary>Trains both networks on the curves, prints progress and results, optionally draws the SVG.</summary>
    /// <exception cref="IOException">The SVG cannot be written.</exception>
    public static Fig1aResult Run(Fig1aOptions options, TextWriter? output = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TextWriter log = output ?? TextWriter.Null;
        Dataset data = MakeCurves(options.PointsPerCurve);
        log.WriteLine(Invariant($"data: two interleaved curves, {options.PointsPerCurve} points each, x in [-1, 1]: y = {Amplitude} cos(pi x / 2) - {-Offset} (label 1) and {Gap} below it (label 0)"));
        log.WriteLine(Invariant($"training: {options.Epochs} epochs, batch {options.BatchSize}, SGD lr {options.LearningRate} momentum {options.Momentum}, seed {options.Seed}"));

        log.WriteLine($"{CurveNet.Architecture}:");
        var net = new CurveNet(options.Seed);
        EvaluationResult curve = Train(net, data, options, log);
        log.WriteLine($"{LinearNet.Architecture}:");
        var linear = new LinearNet(options.Seed);
        EvaluationResult line = Train(linear, data, options, log);

        if (options.SvgPath is { } path)
        {
            File.WriteAllText(path, Fig1aSvg.Draw(net, data));
            log.WriteLine($"wrote {path}");
        }

        log.WriteLine(Invariant($"linear classifier: training accuracy {line.Accuracy:F4} ({Correct(line)}/{line.Count}): no straight line separates the curves"));
        log.WriteLine(Invariant($"2-2-1 network: training accuracy {curve.Accuracy:F4} ({Correct(curve)}/{curve.Count})"));
        return new Fig1aResult(curve.Accuracy, line.Accuracy, curve.Loss, line.Loss, net);
    }

    private static EvaluationResult Train<TNet>(TNet net, Dataset data, Fig1aOptions options, TextWriter log)
        where TNet : class, INetwork<TNet>
    {
        int every = Math.Max(1, options.Epochs / 10);
        var trainer = new Trainer<TNet>(net, new Sgd(TNet.ParameterCount, options.LearningRate, momentum: options.Momentum), new TrainerOptions
        {
            Epochs = options.Epochs,
            BatchSize = options.BatchSize,
            Seed = options.Seed,
            Progress = report =>
            {
                if (report.Epoch % every != 0 && report.Epoch != 1) return;
                EvaluationResult now = Trainer<TNet>.Evaluate(net, data);
                log.WriteLine(Invariant($"  epoch {report.Epoch,5}  train loss {report.TrainingLoss:F5}  accuracy {now.Accuracy:F4}"));
            },
        });
        trainer.Fit(data);
        return Trainer<TNet>.Evaluate(net, data);
    }

    private static long Correct(EvaluationResult result) => (long)Math.Round(result.Accuracy * result.Count);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
