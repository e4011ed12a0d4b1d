using System;
using System.Linq;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Emit.Layers;

/// <summary>
/// The registry of layer units: the one line a new kind of layer adds outside its own folder. The parser, the planner
/// and the emitters find a layer's unit here, by its attribute or by its spec.
/// </summary>
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

    /// <summary>Every attribute that declares a layer, unit by unit.</summary>
    public static readonly string[] AttributeNames = All.SelectMany(u => u.AttributeNames).ToArray();

    /// <summary>The unit whose attribute is <paramref name="attributeName"/> (a full name), or null.</summary>
    public static ILayerUnit? ForAttribute(string? attributeName)
        => All.FirstOrDefault(u => Array.IndexOf(u.AttributeNames, attributeName) >= 0);

    /// <summary>The unit of <paramref name="layer"/>'s kind.</summary>
    public static ILayerUnit For(LayerSpec layer)
    {
        foreach (var unit in All)
            if (unit.Handles(layer)) return unit;
        throw new InvalidOperationException($"No layer unit handles {layer.GetType().Name}: register one in LayerUnits.All.");
    }
}
