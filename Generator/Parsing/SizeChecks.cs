using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator.Parsing;

/// <summary>
/// The parser's last check of a model whose layers are each valid: every buffer the generated code would allocate, and
/// the generated source itself, against <see cref="NetworkLimits"/>. A model past a limit is NC0009 at the layer that
/// makes it so; a model the emitter still cannot generate (a bug) is NC0014 at [Network], never an exception that
/// would take every other network of the project down with it.
/// </summary>
internal static class SizeChecks
{
    public static readonly string ArrayLimit =
        $"the largest .NET array ({NetworkLimits.Format(NetworkLimits.MaxArrayLength)} floats)";

    public static readonly string ParameterLimit =
        $"the largest .NET array less 15 floats of alignment slack ({NetworkLimits.Format(NetworkLimits.MaxParameters)} floats)";

    public static readonly string WorkspaceLimit =
        $"the largest .NET array less 16 floats of alignment slack ({NetworkLimits.Format(NetworkLimits.MaxWorkspace)} floats)";

    public static void CheckPlan(NetworkSpec spec, Location networkLocation, IReadOnlyList<Location> layerLocations,
        List<DiagnosticInfo> diagnostics, CancellationToken cancellationToken)
    {
        foreach (var (what, size) in NetworkPlanner.Workspaces)
        {
            long value;
            try { value = size(spec); }
            catch (OverflowException) { value = -1; }
            if (value >= 0 && value <= NetworkLimits.MaxWorkspace) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layerLocations[Widest(spec)], spec.TypeName,
                $"{what} ({(value < 0 ? "more than " + NetworkLimits.Format(int.MaxValue) : NetworkLimits.Format(value))} floats, sized by its widest layer)",
                WorkspaceLimit));
            return; // one error per mistake: the other workspaces grow with the same layer
        }

        // The generated source itself: emitted here once to measure it (deterministic, so the emit step gives the same
        // text), which also proves that the emitter accepts the model.
        string source;
        try { source = NetworkEmitter.Emit(spec); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CannotGenerate, networkLocation, spec.TypeName,
                $"{e.GetType().Name}: {e.Message}"));
            return;
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (source.Length > NetworkLimits.MaxSourceLength)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, networkLocation, spec.TypeName,
                $"its generated source ({NetworkLimits.Format(source.Length)} characters)",
                $"{NetworkLimits.Format(NetworkLimits.MaxSourceLength)} characters, past which the compiler and the JIT slow to a crawl"));
    }

    /// <summary>The layer whose outputs and scratch weigh most in the workspaces: where a workspace too large is reported.</summary>
    private static int Widest(NetworkSpec spec)
    {
        long Weight(LayerSpec layer)
        {
            long scratch;
            try
            {
                var plan = LayerUnits.For(layer).Plan(new LayerPlanContext(spec, layer, AboveRunsOnBlocks: false));
                scratch = Math.Max(plan.Scratch.Batch, plan.Scratch.Sample);
            }
            catch (OverflowException) { scratch = long.MaxValue / 2; }
            return (long)NetworkPlan.BatchChunk * layer.OutputSize + scratch;
        }
        return spec.Layers.Select((l, i) => (Weight: Weight(l), Index: i)).OrderByDescending(x => x.Weight).ThenBy(x => x.Index).First().Index;
    }
}
