using System;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>The registry of layer units: the one line a new kind of layer adds outside its own folder.</summary>
internal static class LayerUnits
{
    public static readonly ILayerUnit[] All =
    {
        new DenseUnit(),
        new Conv2DUnit(),
        new Pool2DUnit(),
        new BatchNorm.BatchNormUnit(),
        new Dropout.DropoutUnit(),
    };

    /// <summary>The unit of <paramref name="layer"/>'s kind.</summary>
    public static ILayerUnit For(LayerSpec layer)
    {
        foreach (var unit in All)
            if (unit.Handles(layer)) return unit;
        throw new InvalidOperationException($"No layer unit handles {layer.GetType().Name}: register one in LayerUnits.All.");
    }
}
