using System;
using System.Globalization;
using System.Text;

namespace NetCompiler.Samples.Fig1a;

/// <summary>
/// Draws Fig. 1a as an SVG: on the left the input space with the network's decision regions, a regular grid and the two
/// curves; on the right the hidden layer's space, where the same grid and curves arrive distorted by the tanh units and
/// the output unit's decision boundary is a straight line.
/// </summary>
public static class Fig1aSvg
{
    private const int Panel = 400, Margin = 20;
    private const double InputExtent = 1.25; // the input panel shows [−1.25, 1.25]²
    private const double HiddenExtent = 1.0; // tanh's range
    private const int Cells = 100;           // decision-region raster per side
    private const int GridLines = 11;        // per direction
    private const int LineSteps = 120;       // segments per grid line
    private const string Upper = "#d62728", Lower = "#1f77b4", UpperTint = "#f9e0e0", LowerTint = "#dfeaf5", GridColour = "#999999";

    /// <summary>The parameters of a trained <see cref="CurveNet"/>, in the canonical order.</summary>
    private readonly record struct Weights(float[] P)
    {
        // Layer 1: weight [2, 2] row-major at 0, bias [2] at 4; layer 2: weight [1, 2] at 6, bias [1] at 8.
        public (double H0, double H1) Hidden(double x, double y)
            => (Math.Tanh(P[0] * x + P[1] * y + P[4]), Math.Tanh(P[2] * x + P[3] * y + P[5]));

        public double OutputFromHidden(double h0, double h1) => 1 / (1 + Math.Exp(-(P[6] * h0 + P[7] * h1 + P[8])));
    }

    /// <summary>The SVG document for <paramref name="net"/> and the curves in <paramref name="data"/>.</summary>
    public static string Draw(CurveNet net, Dataset data)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(data);
        var p = new float[CurveNet.ParameterCount];
        net.CopyParametersTo(p);
        var w = new Weights(p);
        int width = 2 * Panel + 3 * Margin, height = Panel + 2 * Margin + 24;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"13\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));

        // Left: input space.
        var input = new Frame(Margin, Margin, InputExtent);
        svg.Append(Invariant($"<text x=\"{Margin}\" y=\"{height - 10}\">input space: the network's decision regions</text>\n"));
        Regions(svg, input, (x, y) => { var (h0, h1) = w.Hidden(x, y); return w.OutputFromHidden(h0, h1); });
        Grid(svg, input, (x, y) => (x, y));
        Points(svg, input, data, (x, y) => (x, y));
        svg.Append(input.Border());

        // Right: hidden space, where the boundary output = ½ is the line w₆h₀ + w₇h₁ + b = 0.
        var hidden = new Frame(2 * Margin + Panel, Margin, HiddenExtent);
        svg.Append(Invariant($"<text x=\"{2 * Margin + Panel}\" y=\"{height - 10}\">hidden units' space: a straight boundary</text>\n"));
        Regions(svg, hidden, w.OutputFromHidden);
        Grid(svg, hidden, w.Hidden);
        Points(svg, hidden, data, w.Hidden);
        BoundaryLine(svg, hidden, p[6], p[7], p[8]);
        svg.Append(hidden.Border());

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>A square panel showing [−extent, extent]² with y up.</summary>
    private readonly record struct Frame(double Left, double Top, double Extent)
    {
        public double X(double x) => Left + (x + Extent) / (2 * Extent) * Panel;
        public double Y(double y) => Top + (Extent - y) / (2 * Extent) * Panel;
        public string Border() => Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Panel}\" height=\"{Panel}\" fill=\"none\" stroke=\"black\"/>\n");
    }

    /// <summary>Tints each cell of a raster by the class the network gives its centre; runs of one class in a row become one rectangle.</summary>
    private static void Regions(StringBuilder svg, Frame f, Func<double, double, double> output)
    {
        double cell = (double)Panel / Cells;
        svg.Append("<g stroke=\"none\">\n");
        for (int j = 0; j < Cells; j++)
        {
            double y = f.Extent - (j + 0.5) * 2 * f.Extent / Cells;
            int start = 0;
            bool startClass = false;
            for (int i = 0; i <= Cells; i++)
            {
                bool upper = i < Cells && output(-f.Extent + (i + 0.5) * 2 * f.Extent / Cells, y) > 0.5;
                if (i > 0 && (i == Cells || upper != startClass))
                {
                    svg.Append(Invariant($"<rect x=\"{f.Left + start * cell:F1}\" y=\"{f.Top + j * cell:F1}\" width=\"{(i - start) * cell + 0.3:F1}\" height=\"{cell + 0.3:F1}\" fill=\"{(startClass ? UpperTint : LowerTint)}\"/>\n"));
                    start = i;
                }
                if (i == start) startClass = upper;
            }
        }
        svg.Append("</g>\n");
    }

    /// <summary>The regular grid of the input panel, sent through <paramref name="map"/>.</summary>
    private static void Grid(StringBuilder svg, Frame f, Func<double, double, (double, double)> map)
    {
        svg.Append(Invariant($"<g fill=\"none\" stroke=\"{GridColour}\" stroke-width=\"0.8\">\n"));
        for (int k = 0; k < GridLines; k++)
        {
            double c = -InputExtent + k * 2 * InputExtent / (GridLines - 1);
            Polyline(svg, f, t => map(c, t));
            Polyline(svg, f, t => map(t, c));
        }
        svg.Append("</g>\n");
    }

    private static void Polyline(StringBuilder svg, Frame f, Func<double, (double, double)> along)
    {
        svg.Append("<polyline points=\"");
        for (int s = 0; s <= LineSteps; s++)
        {
            double t = -InputExtent + s * 2 * InputExtent / LineSteps;
            var (x, y) = along(t);
            svg.Append(Invariant($"{f.X(x):F1},{f.Y(y):F1} "));
        }
        svg.Append("\"/>\n");
    }

    private static void Points(StringBuilder svg, Frame f, Dataset data, Func<double, double, (double, double)> map)
    {
        for (int i = 0; i < data.Count; i++)
        {
            ReadOnlySpan<float> xy = data.GetFeatures(i);
            var (x, y) = map(xy[0], xy[1]);
            string colour = data.Labels![i] == 1 ? Upper : Lower;
            svg.Append(Invariant($"<circle cx=\"{f.X(x):F1}\" cy=\"{f.Y(y):F1}\" r=\"3\" fill=\"{colour}\"/>\n"));
        }
    }

    /// <summary>The line a·h₀ + b·h₁ + c = 0, clipped to the panel.</summary>
    private static void BoundaryLine(StringBuilder svg, Frame f, double a, double b, double c)
    {
        double e = f.Extent;
        Span<(double X, double Y)> ends = stackalloc (double, double)[4];
        int n = 0;
        if (b != 0)
        {
            foreach (double x in (ReadOnlySpan<double>)[-e, e])
            {
                double y = -(a * x + c) / b;
                if (Math.Abs(y) <= e && n < 2) ends[n++] = (x, y);
            }
        }
        if (a != 0)
        {
            foreach (double y in (ReadOnlySpan<double>)[-e, e])
            {
                double x = -(b * y + c) / a;
                if (Math.Abs(x) <= e && n < 2) ends[n++] = (x, y);
            }
        }
        if (n < 2) return;
        svg.Append(Invariant($"<line x1=\"{f.X(ends[0].X):F1}\" y1=\"{f.Y(ends[0].Y):F1}\" x2=\"{f.X(ends[1].X):F1}\" y2=\"{f.Y(ends[1].Y):F1}\" stroke=\"black\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
