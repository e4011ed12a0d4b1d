using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The planning rules of a pooling layer, each with the reason it is what it is.</summary>
internal static class Pool2DRules
{
    /// <summary>Windows up to this size are unrolled whole (every offset a constant); larger ones keep a loop per window row.</summary>
    public const int UnrolledWindow = 4;

    /// <summary>
    /// The single-sample kernel: padded windows are clipped; max pooling over 2×2 windows with stride 2 goes in steps of
    /// pairs of neighbours, in vectors; anything else is a scalar loop nest.
    /// </summary>
    public static PoolSampleForm SampleForm(Pool2DLayerSpec l)
        => l.Padding > 0 ? PoolSampleForm.Padded
            : l.Kind == PoolKind.Max && l.Size == 2 && l.Stride == 2 && l.Output.Width >= 2 ? PoolSampleForm.Pairs
            : PoolSampleForm.Windows;

    /// <summary>
    /// Whether the pairs form has a 256-bit path: 256-bit vectors (four outputs) where those are accelerated and a row
    /// has at least four outputs, else 128-bit vectors (two outputs) on every machine.
    /// </summary>
    public static bool WidePairs(Pool2DLayerSpec l) => l.Output.Width >= Isa.Avx2.Width / 2;

    /// <summary>The plan of <paramref name="l"/>: its forms and its scratch, an input block and an output (or ∂E/∂z) block of the widest lanes.</summary>
    public static Pool2DPlan Plan(Pool2DLayerSpec l, LayerPlanContext context)
    {
        int blocks = Conv2DRules.MaxLanes * (l.InputSize + l.OutputSize);
        return new Pool2DPlan(
            l,
            context.BelowActivation,
            new LayerScratch(0, blocks, blocks),
            BlockedInput: l.Index > 0,
            BlockedOutput: context.AboveRunsOnBlocks,
            SampleForm: SampleForm(l),
            WidePairs: WidePairs(l),
            WindowUnrolled: l.Size <= UnrolledWindow);
    }
}
