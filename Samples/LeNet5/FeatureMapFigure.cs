using System;
using System.Globalization;
using System.IO;
using SkiaSharp;

namespace NetCompiler.Samples.LeNet5;

/// <summary>
/// Draws <see cref="FeatureMaps"/> as a PNG in the manner of LeNet-5's architecture figure: the input image, then one row
/// per layer (C1, S2, C3, S4 as grids of feature maps, F5 and F6 as bar strips), then the 10 class probabilities with
/// the class names, the true label marked.
/// </summary>
public static class FeatureMapFigure
{
    /// <summary>Width of the figure in pixels.</summary>
    public const int Width = 1200;

    /// <summary>Height of the figure in pixels.</summary>
    public const int Height = 1090;

    private const float Left = 250;  // where the maps start; the row labels are to its left
    private const float Margin = 24;

    private static readonly SKColor Background = SKColors.White;
    private static readonly SKColor Ink = new(0x22, 0x22, 0x22);
    private static readonly SKColor Faint = new(0x70, 0x70, 0x70);
    private static readonly SKColor Frame = new(0xB0, 0xB0, 0xB0);
    private static readonly SKColor BarColor = new(0x3B, 0x52, 0x8B);
    private static readonly SKColor TrueColor = new(0x1A, 0x8F, 0x3C);
    private static readonly SKColor WrongColor = new(0xC0, 0x39, 0x2B);

    /// <summary>
    /// Whether SkiaSharp finds a font for the labels (through fontconfig, e.g. Debian's <c>fonts-dejavu-core</c>);
    /// without one the figure is drawn without text.
    /// </summary>
    public static bool HasFont
    {
        get
        {
            using SKTypeface? typeface = SKTypeface.FromFamilyName(null, SKFontStyle.Normal);
            return typeface is { GlyphCount: > 0 };
        }
    }

    /// <summary>Writes the figure to <paramref name="path"/> as a PNG.</summary>
    /// <param name="path">The file to write; its directory is created if needed.</param>
    /// <param name="maps">The layer outputs of one image.</param>
    /// <param name="label">The image's true class.</param>
    /// <param name="index">The image's index in the test set, for the title.</param>
    /// <param name="caption">A note for the right of the second line, e.g. how the network was trained; null for none.</param>
    public static void Write(string path, FeatureMaps maps, int label, int index, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using FileStream stream = File.Create(path);
        Write(stream, maps, label, index, caption);
    }

    /// <summary>Writes the figure to <paramref name="stream"/> as a PNG.</summary>
    public static void Write(Stream stream, FeatureMaps maps, int label, int index, string? caption = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentOutOfRangeException.ThrowIfNegative(label);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(label, FeatureMaps.ClassNames.Length);

        using SKSurface surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        Draw(surface.Canvas, maps, label, index, caption);
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the figure as PNG.");
        png.SaveTo(stream);
    }

    private static void Draw(SKCanvas canvas, FeatureMaps maps, int label, int index, string? caption)
    {
        canvas.Clear(Background);
        using var regular = new SKFont(SKTypeface.FromFamilyName(null, SKFontStyle.Normal) ?? SKTypeface.Default, 15);
        using var small = new SKFont(regular.Typeface, 12.5f);
        using var bold = new SKFont(SKTypeface.FromFamilyName(null, SKFontStyle.Bold) ?? SKTypeface.Default, 15);
        using var title = new SKFont(bold.Typeface, 21);
        foreach (SKFont font in new[] { regular, small, bold, title })
        {
            font.Edging = SKFontEdging.Antialias;
            font.Subpixel = true;
        }
        using var ink = new SKPaint { Color = Ink, IsAntialias = true };
        using var faint = new SKPaint { Color = Faint, IsAntialias = true };

        int predicted = maps.PredictedClass;
        string name = FeatureMaps.ClassNames[label];
        Text(canvas, Invariant($"LeNet-5 on Fashion-MNIST: the feature maps of test image #{index}"), Margin, 36, title, ink);
        if (caption is not null) Text(canvas, caption, Width - Margin - regular.MeasureText(caption), 62, regular, faint);
        Text(canvas, Invariant($"true label: {name}    predicted: {FeatureMaps.ClassNames[predicted]} (p = {maps.Probabilities[predicted]:F3})"),
            Margin, 62, regular, ink);

        float y = 88;
        // Input: 28×28 at 4× in grey (0 black, 1 white), the same 112-pixel cell as the C1 maps.
        RowLabel(canvas, y, "input", "the image, pixels 0…1", "1 @ 28×28", bold, small, ink, faint);
        DrawMaps(canvas, maps.Input, channels: 1, size: 28, scale: 4, pitch: 124, Left, y, Grey);
        Text(canvas, "feature-map colours:", Left + 150, y + 60, small, faint);
        DrawColorBar(canvas, Left + 290, y + 50, 200, 12, small, faint);
        y += 112 + 34;

        RowLabel(canvas, y, "C1  convolution", "5×5, padding 2, ReLU", "6 @ 28×28", bold, small, ink, faint);
        DrawMaps(canvas, maps.Conv1, channels: 6, size: 28, scale: 4, pitch: 124, Left, y, Viridis);
        y += 112 + 34;

        // S2 under C1, each map centred below the map it pools.
        RowLabel(canvas, y, "S2  subsampling", "max pool 2×2", "6 @ 14×14", bold, small, ink, faint);
        DrawMaps(canvas, maps.Pool1, channels: 6, size: 14, scale: 4, pitch: 124, Left + 28, y, Viridis);
        y += 56 + 34;

        RowLabel(canvas, y, "C3  convolution", "5×5, ReLU", "16 @ 10×10", bold, small, ink, faint);
        DrawMaps(canvas, maps.Conv2, channels: 16, size: 10, scale: 5, pitch: 58, Left, y, Viridis);
        y += 50 + 34;

        RowLabel(canvas, y, "S4  subsampling", "max pool 2×2", "16 @ 5×5", bold, small, ink, faint);
        DrawMaps(canvas, maps.Pool2, channels: 16, size: 5, scale: 5, pitch: 58, Left + 12.5f, y, Viridis);
        y += 66;

        RowLabel(canvas, y, "F5  full connection", "400 → 120, ReLU", "120 units", bold, small, ink, faint);
        DrawBars(canvas, maps.Dense1, barWidth: 6, height: 56, Left, y, small, faint);
        y += 56 + 34;

        RowLabel(canvas, y, "F6  full connection", "120 → 84, ReLU", "84 units", bold, small, ink, faint);
        DrawBars(canvas, maps.Dense2, barWidth: 8, height: 56, Left, y, small, faint);
        y += 56 + 34;

        RowLabel(canvas, y, "output", "84 → 10, softmax", "class probabilities", bold, small, ink, faint);
        DrawClasses(canvas, maps.Probabilities, label, predicted, Left, y, regular, bold, small, ink, faint);
        y += 10 * 24 + 14;

        Text(canvas, "Feature maps: each scaled from 0 (dark) to its own maximum (yellow); an all-dark map is zero for this image. "
            + "Dense layers: bar height relative to the layer's largest activation.", Margin, y, small, faint);
        Text(canvas, "Computed by running the trained network's prefixes (LeNet5Conv1 … LeNet5Dense2), each loaded with the matching prefix of its parameters.",
            Margin, y + 18, small, faint);
    }

    private static void RowLabel(SKCanvas canvas, float y, string name, string detail, string shape, SKFont bold, SKFont small, SKPaint ink, SKPaint faint)
    {
        Text(canvas, name, Margin, y + 14, bold, ink);
        Text(canvas, detail, Margin, y + 32, small, faint);
        Text(canvas, shape, Margin, y + 48, small, faint);
    }

    private static void DrawMaps(SKCanvas canvas, float[] values, int channels, int size, int scale, float pitch, float x0, float y0,
        Func<float, SKColor> colormap)
    {
        int area = size * size;
        using var cell = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var frame = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = Frame };
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> map = values.AsSpan(c * area, area);
            float max = 0;
            foreach (float v in map) max = Math.Max(max, v);
            float x = x0 + c * pitch;
            for (int r = 0; r < size; r++)
            {
                for (int col = 0; col < size; col++)
                {
                    float v = map[r * size + col];
                    cell.Color = colormap(max > 0 ? Math.Clamp(v / max, 0f, 1f) : 0f);
                    canvas.DrawRect(x + col * scale, y0 + r * scale, scale, scale, cell);
                }
            }
            canvas.DrawRect(x - 0.5f, y0 - 0.5f, size * scale + 1, size * scale + 1, frame);
        }
    }

    private static void DrawBars(SKCanvas canvas, float[] values, float barWidth, float height, float x0, float y0, SKFont small, SKPaint faint)
    {
        float max = 0;
        int active = 0;
        foreach (float v in values)
        {
            max = Math.Max(max, v);
            if (v > 0) active++;
        }
        using var bar = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var axis = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Stroke, StrokeWidth = 1, Color = Frame };
        float width = values.Length * barWidth;
        canvas.DrawRect(x0 - 0.5f, y0 - 0.5f, width + 1, height + 1, axis);
        for (int i = 0; i < values.Length; i++)
        {
            float t = max > 0 ? Math.Clamp(values[i] / max, 0f, 1f) : 0f;
            if (t <= 0) continue;
            bar.Color = Viridis(t);
            float h = t * height;
            canvas.DrawRect(x0 + i * barWidth + 1, y0 + height - h, barWidth - 1, h, bar);
        }
        Text(canvas, Invariant($"max {max:F2}, {active} of {values.Length} active"), x0 + width + 12, y0 + height - 2, small, faint);
    }

    private static void DrawClasses(SKCanvas canvas, float[] probabilities, int label, int predicted, float x0, float y0,
        SKFont regular, SKFont bold, SKFont small, SKPaint ink, SKPaint faint)
    {
        const float rowHeight = 24, nameWidth = 110, barLength = 520;
        using var bar = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        using var track = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill, Color = new SKColor(0xEE, 0xEE, 0xEE) };
        using var trueInk = new SKPaint { Color = TrueColor, IsAntialias = true };
        for (int k = 0; k < probabilities.Length; k++)
        {
            float y = y0 + k * rowHeight;
            bool isTrue = k == label;
            canvas.DrawText(FeatureMaps.ClassNames[k], x0 + nameWidth, y + 16, SKTextAlign.Right, isTrue ? bold : regular, isTrue ? trueInk : ink);
            float barX = x0 + nameWidth + 12;
            canvas.DrawRect(barX, y + 4, barLength, rowHeight - 8, track);
            bar.Color = k == predicted ? (isTrue ? TrueColor : WrongColor) : BarColor;
            float p = Math.Clamp(probabilities[k], 0f, 1f);
            canvas.DrawRect(barX, y + 4, p * barLength, rowHeight - 8, bar);
            string text = Invariant($"{p:F3}");
            if (isTrue) text += "   ← true label";
            if (k == predicted && !isTrue) text += "   ← predicted";
            Text(canvas, text, barX + barLength + 10, y + 16, isTrue ? bold : small, isTrue ? trueInk : faint);
        }
    }

    private static void DrawColorBar(SKCanvas canvas, float x, float y, float width, float height, SKFont small, SKPaint faint)
    {
        using var cell = new SKPaint { IsAntialias = false, Style = SKPaintStyle.Fill };
        for (int i = 0; i < width; i++)
        {
            cell.Color = Viridis(i / (width - 1));
            canvas.DrawRect(x + i, y, 1, height, cell);
        }
        canvas.DrawText("0", x, y + height + 15, SKTextAlign.Left, small, faint);
        canvas.DrawText("the map's maximum", x + width, y + height + 15, SKTextAlign.Right, small, faint);
    }

    private static void Text(SKCanvas canvas, string text, float x, float y, SKFont font, SKPaint paint)
        => canvas.DrawText(text, x, y, SKTextAlign.Left, font, paint);

    private static SKColor Grey(float t)
    {
        byte v = (byte)Math.Round(Math.Clamp(t, 0f, 1f) * 255);
        return new SKColor(v, v, v);
    }

    // Matplotlib's viridis at nine evenly spaced stops, linearly interpolated.
    private static readonly (byte R, byte G, byte B)[] ViridisStops =
    [
        (68, 1, 84), (71, 45, 123), (59, 82, 139), (44, 114, 142), (33, 145, 140),
        (40, 174, 128), (94, 201, 98), (173, 220, 48), (253, 231, 37),
    ];

    private static SKColor Viridis(float t)
    {
        float x = Math.Clamp(t, 0f, 1f) * (ViridisStops.Length - 1);
        int i = Math.Min((int)x, ViridisStops.Length - 2);
        float f = x - i;
        (byte R, byte G, byte B) a = ViridisStops[i], b = ViridisStops[i + 1];
        return new SKColor(Lerp(a.R, b.R, f), Lerp(a.G, b.G, f), Lerp(a.B, b.B, f));
    }

    private static byte Lerp(byte a, byte b, float f) => (byte)Math.Round(a + (b - a) * f);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
