using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Parameters;
using NetCompiler.Generator.Parsing;
using NetCompiler.Generator.Planning;

namespace NetCompiler.Generator;

/// <summary>
/// Compiles every class marked <c>[Network]</c> into a specialised network at build time. The pipeline reads top to
/// bottom: find the classes, parse each into a value-equal model (or diagnostics), plan each model's kernels (every
/// decision, taken once: docs/design/generator.md), emit one source file per plan.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps, for incrementality tests.</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string Models = nameof(Models);
        public const string Plans = nameof(Plans);
        public const string Orphans = nameof(Orphans);
        public const string Optimization = nameof(Optimization);
        public const string Unoptimized = nameof(Unoptimized);
        public const string ModelFiles = nameof(ModelFiles);
        public const string CompiledParameters = nameof(CompiledParameters);
        public const string ParameterData = nameof(ParameterData);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // 1. Parse: the compiler hands us only classes carrying [Network]; each becomes a model or diagnostics.
        //    The result holds no symbol or syntax, so an edit elsewhere compares equal and stops here.
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                NetworkParser.NetworkAttributeName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => NetworkParser.Parse(ctx, ct))
            .WithTrackingName(Steps.Parse);

        // 2. Diagnostics travel on their own output, so reporting them never re-emits code.
        context.RegisterSourceOutput(
            parsed.Select(static (r, _) => r.Diagnostics).Where(static d => d.Count > 0),
            static (spc, diagnostics) =>
            {
                foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            });

        // 3. Plan, then emit: one file per valid model, re-run only when that model (and so its plan) changes.
        var models = parsed
            .Select(static (r, _) => r.Spec)
            .Where(static s => s is not null)
            .Select(static (s, _) => s!)
            .WithTrackingName(Steps.Models);
        var plans = models
            .Select(static (spec, _) => NetworkPlanner.Plan(spec))
            .WithTrackingName(Steps.Plans);
        context.RegisterSourceOutput(plans, static (spc, plan) => spc.AddSource(plan.Spec.HintName, NetworkEmitter.Emit(plan)));

        // 4. A network compiled without optimisation (a Debug build) runs many times slower: say so, at its [Network].
        //    Only the optimisation level is taken from the compilation (a value that compares equal across edits),
        //    never the compilation itself, so no other edit re-runs this step.
        var optimization = context.CompilationProvider
            .Select(static (c, _) => c.Options.OptimizationLevel)
            .WithTrackingName(Steps.Optimization);
        var unoptimized = parsed
            .Select(static (r, _) => r.Site)
            .Where(static s => s is not null)
            .Combine(optimization)
            .Where(static p => p.Right == OptimizationLevel.Debug)
            .Select(static (p, _) => p.Left!)
            .WithTrackingName(Steps.Unoptimized);
        context.RegisterSourceOutput(unoptimized, static (spc, site) =>
            spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.Unoptimized, site.Location?.ToLocation(), site.Name)));
        // 5. Compiled-in parameters. Each .ncmf AdditionalFiles item is read and checked once, on its own; each network
        //    that names a model file picks its own by path from those. The data goes into a source file of its own, so
        //    editing one model file re-emits that network's data and nothing else (the kernels' source is untouched).
        var modelFiles = context.AdditionalTextsProvider
            .Where(static t => t.Path.EndsWith(".ncmf", System.StringComparison.OrdinalIgnoreCase))
            .Select(static (t, ct) => ModelFileReader.Read(t, ct))
            .WithTrackingName(Steps.ModelFiles);
        var compiled = parsed
            .Where(static r => r.Spec?.ParametersFile is not null)
            .Select(static (r, _) => new ParametersRequest(r.Spec!, r.ParametersLocation))
            .Combine(modelFiles.Collect())
            .Select(static (pair, ct) => CompiledParameters.Resolve(pair.Left, pair.Right, ct))
            .WithTrackingName(Steps.CompiledParameters);
        context.RegisterSourceOutput(
            compiled.Select(static (c, _) => c.Diagnostics).Where(static d => d.Count > 0),
            static (spc, diagnostics) =>
            {
                foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            });
        context.RegisterSourceOutput(
            compiled.Select(static (c, _) => c with { Diagnostics = EquatableArray<DiagnosticInfo>.Empty, Failed = c.Diagnostics.Count > 0 })
                .WithTrackingName(Steps.ParameterData),
            static (spc, data) => spc.AddSource(data.HintName, data.Emit()));

        // 6. [Input] or a layer attribute on a class without [Network] does nothing: say so.
        foreach (var name in new[] { NetworkParser.InputAttributeName }.Concat(NetworkParser.LayerAttributeNames))
        {
            var orphans = context.SyntaxProvider
                .ForAttributeWithMetadataName(name,
                    static (node, _) => node is ClassDeclarationSyntax,
                    static (ctx, ct) => NetworkParser.CheckOrphanLayers(ctx, ct))
                .Where(static d => d.Count > 0)
                .WithTrackingName(Steps.Orphans);
            context.RegisterSourceOutput(orphans, static (spc, diagnostics) =>
            {
                foreach (var d in diagnostics) spc.ReportDiagnostic(d.ToDiagnostic());
            });
        }
    }
}
