using System;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parsing;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>[MaxPool2D(size) { Stride, Padding }] and [AvgPool2D(size) { Stride, Padding, CountIncludePad }]: checks the arguments against the incoming shape and makes the spec.</summary>
internal static class Pool2DParser
{
    public static Pool2DLayerSpec? Parse(LayerContext c, PoolKind kind, ref bool malformed)
    {
        int size = c.Argument(0, ref malformed);
        if (malformed) return null;
        int? explicitStride = c.Named("Stride");
        bool ok = c.Positive("window size", size);
        // Stride = 0 is the attribute's default and means "the window size"; a negative one is an error.
        int stride = explicitStride is null or 0 ? size : explicitStride.Value;
        if (explicitStride is < 0) ok &= c.Positive("stride", explicitStride.Value);
        int padding = c.Named("Padding") ?? 0;
        if (padding < 0)
        {
            c.Report(DiagnosticDescriptors.NegativePoolPadding, c.Name, padding);
            ok = false;
        }
        else if (size > 0 && 2L * padding > size)
        {
            c.Report(DiagnosticDescriptors.PoolPaddingTooLarge, c.Name, padding, size, size / 2, 2L * padding);
            ok = false;
        }
        ok &= c.SpatialInput();
        if (!ok || c.Input is null) return null;
        long paddedHeight = c.Input.Height + 2L * padding, paddedWidth = c.Input.Width + 2L * padding;
        if (padding == 0 && (size > c.Input.Height || size > c.Input.Width))
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its {size}×{size} window does not fit its input {c.Input}: use a smaller window or remove a pooling layer before it");
            return null;
        }
        if (size > paddedHeight || size > paddedWidth)
        {
            c.Report(DiagnosticDescriptors.PoolOutputEmpty, c.Capitalised, size, c.Input, paddedHeight, paddedWidth);
            return null;
        }
        if (stride > Math.Max(paddedHeight, paddedWidth))
        {
            c.Report(DiagnosticDescriptors.ShapeMismatch, c.Capitalised,
                $"its stride {stride} is larger than its input {c.Input}{(padding > 0 ? $" padded to {paddedHeight}×{paddedWidth}" : "")}, so the window is applied once: use a stride of at most {Math.Max(paddedHeight, paddedWidth)}");
            return null;
        }
        // Without padding every window covers size² inputs: CountIncludePad makes no difference, and the spec keeps its default.
        bool countIncludePad = padding == 0 || c.NamedBool("CountIncludePad", true);
        return new Pool2DLayerSpec(c.Index, c.Input, kind, size, stride, c.Offset, padding, countIncludePad);
    }
}
