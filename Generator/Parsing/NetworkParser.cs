using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parsing;

/// <summary>The parser's answer: a valid model, or null and the diagnostics that say why.</summary>
/// <param name="Spec">The valid model, or null when <paramref name="Diagnostics"/> holds errors.</param>
/// <param name="Diagnostics">What is wrong with the declaration.</param>
/// <param name="Site">The network's name and its [Network] attribute, for diagnostics about a valid network (NC0040);
/// kept out of <see cref="NetworkSpec"/> so that moving the class never re-emits its code.</param>
internal sealed record ParseResult(NetworkSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics, NetworkSite? Site = null)
{
    /// <summary>Where the [Network] attribute is, for the model-file diagnostics; null when no model file is named.</summary>
    public LocationInfo? ParametersLocation { get; init; }
}

/// <summary>Where a network is declared: its name and the location of its [Network] attribute.</summary>
internal sealed record NetworkSite(string Name, LocationInfo? Location);

/// <summary>
/// Turns the attributes on a [Network] class into a <see cref="NetworkSpec"/>. All validation lives here: every
/// problem becomes a <see cref="DiagnosticInfo"/> at the attribute that causes it, and the emitters only ever see a
/// model whose every shape has been checked.
/// </summary>
internal static class NetworkParser
{
    public const string NetworkAttributeName = "NetCompiler.NetworkAttribute";
    public const string InputAttributeName = "NetCompiler.InputAttribute";

    /// <summary>Every attribute that adds a layer: those of the layer units (<see cref="LayerUnits"/>), which also parse them.</summary>
    public static readonly string[] LayerAttributeNames = LayerUnits.AttributeNames;

    /// <summary>
    /// Parses one [Network] class. Every check is meant to turn a bad declaration into its own NC diagnostic; should a
    /// declaration still get past them and make the parser throw (a bug), it becomes NC0014 at the attribute instead of
    /// an exception, which would stop the generator for every network in the project.
    /// </summary>
    public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        try
        {
            return ParseCore(context, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var at = context.Attributes.Length > 0 ? LocationOf(context.Attributes[0]) : null;
            var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.CannotGenerate,
                at ?? context.TargetNode.GetLocation(), context.TargetSymbol.Name, e.GetType().Name + ": " + e.Message);
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
        }
    }

    private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = new List<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (TypeDeclarationSyntax)context.TargetNode;
        var networkAttribute = context.Attributes[0];
        var networkLocation = LocationOf(networkAttribute) ?? declaration.Identifier.GetLocation();

        CheckClassShape(type, declaration, networkLocation, diagnostics);

        // The loss, from [Network(Loss = ...)], and the model file, from [Network(Parameters = ...)].
        var loss = LossKind.HalfSquaredError;
        string? parametersFile = null;
        foreach (var named in networkAttribute.NamedArguments)
        {
            if (named.Key == "Parameters" && named.Value.Value is string file)
            {
                if (file.Trim().Length == 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ModelFileNotFound, networkLocation, type.Name, file,
                        "the name is empty"));
                else parametersFile = file.Trim();
            }
            if (named.Key == "Loss" && named.Value.Value is int lossValue)
            {
                if (Enum.IsDefined(typeof(LossKind), lossValue)) loss = (LossKind)lossValue;
                else diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnknownEnumValue, networkLocation,
                    lossValue, "Loss", string.Join(", ", Enum.GetNames(typeof(LossKind)).Select(n => "Loss." + n))));
            }
        }

        // Every NetCompiler attribute on the class, in source order. Those on other partial declarations are errors:
        // their order relative to ours would depend on the order the compiler sees the files in.
        var attributes = new List<(AttributeData Data, Location Location)>();
        foreach (var attribute in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = attribute.AttributeClass?.ToDisplayString();
            if (name != InputAttributeName && !LayerAttributeNames.Contains(name)) continue;
            var reference = attribute.ApplicationSyntaxReference;
            if (reference is null) continue;
            var location = reference.GetSyntax(cancellationToken).GetLocation();
            if (reference.SyntaxTree != declaration.SyntaxTree || !declaration.Span.Contains(reference.Span))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SplitAcrossPartials, location,
                    type.Name, ShortName(name!)));
                continue;
            }
            attributes.Add((attribute, location));
        }
        attributes.Sort((a, b) => a.Location.SourceSpan.Start.CompareTo(b.Location.SourceSpan.Start));

        // [Input(params int[] shape)]
        var input = attributes.FirstOrDefault(a => a.Data.AttributeClass?.ToDisplayString() == InputAttributeName);
        int[]? inputShape = null;
        if (input.Data is null)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingInput, networkLocation, type.Name));
        }
        else if (TryReadInputShape(input.Data, out var shape))
        {
            if (shape.Length == 0)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.EmptyInputShape, input.Location, type.Name));
            for (int i = 0; i < shape.Length; i++)
                if (shape[i] <= 0)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NonPositiveSize, input.Location,
                        $"Dimension {i} of the input shape", shape[i]));
            inputShape = shape;
        }

        // The layers, in source order; each one's input is the previous one's output.
        var layerAttributes = attributes.Where(a => a.Data.AttributeClass?.ToDisplayString() != InputAttributeName).ToList();
        if (layerAttributes.Count == 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoLayers, networkLocation, type.Name));

        long inputSize = 1;
        foreach (var d in inputShape ?? Array.Empty<int>()) inputSize = NetworkLimits.Product(inputSize, Math.Max(d, 1));
        bool inputValid = inputShape is { Length: > 0 } && inputShape.All(d => d > 0);
        if (inputSize > NetworkLimits.MaxArrayLength)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, input.Location, type.Name,
                $"its input of {NetworkLimits.Format(inputSize)} floats", SizeChecks.ArrayLimit));
            inputValid = false;
        }

        // Each layer's input is the previous one's output; once a layer is invalid, the shapes after it are unknown
        // (null) and only the checks that do not depend on them run, so one mistake gives one error.
        var layers = new List<LayerSpec>();
        bool malformed = false; // an attribute the compiler itself rejects: its error says enough
        Shape? current = inputValid ? InputShapeOf(inputShape!) : null;
        string currentSource = $"[Input({string.Join(", ", inputShape ?? Array.Empty<int>())})]";
        long offset = 0;
        int stateOffset = 0;
        for (int index = 0; index < layerAttributes.Count; index++)
        {
            var (data, location) = layerAttributes[index];
            var layerContext = new LayerContext(index, data, location, current, currentSource, (int)offset, stateOffset, diagnostics, type.Name);
            var name = data.AttributeClass?.ToDisplayString();
            LayerSpec? layer = LayerUnits.ForAttribute(name)?.Parse(layerContext, ref malformed);
            if (layer is null)
            {
                current = null;
                continue;
            }
            if (offset + layer.ParameterCount > NetworkLimits.MaxParameters)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, location, type.Name,
                    $"its parameters up to layer {index + 1} ({NetworkLimits.Format(offset + layer.ParameterCount)} floats)", SizeChecks.ParameterLimit));
                current = null;
                continue;
            }
            layers.Add(layer);
            offset += layer.ParameterCount;
            stateOffset += layer.StateCount;
            current = layer.Output;
            currentSource = $"layer {index + 1} ({ShortName(name!)})";
        }

        // The loss must fit the last layer.
        if (layers.Count > 0 && layers.Count == layerAttributes.Count && loss == LossKind.SoftmaxCrossEntropy)
        {
            var last = layers[layers.Count - 1];
            var lastLocation = layerAttributes[layerAttributes.Count - 1].Location;
            if (last.Activation != ActivationKind.Identity)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFit, lastLocation, "SoftmaxCrossEntropy", type.Name,
                    $"softmax is applied to the last layer's weighted sums, so that layer must have no activation of its own; remove Activation.{last.Activation} from it"));
            if (last.OutputSize < 2)
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LossDoesNotFit, lastLocation, "SoftmaxCrossEntropy", type.Name,
                    "a softmax over one output is always 1; give the last layer one unit per class (at least 2), or use Loss.HalfSquaredError with Activation.Sigmoid for a single output"));
        }

        if (layerAttributes.Count > NetworkLimits.MaxLayers)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TooLarge, layerAttributes[NetworkLimits.MaxLayers].Location, type.Name,
                $"its {layerAttributes.Count} layers", $"{NetworkLimits.MaxLayers} layers, past which the generated training and prediction methods are too large for the JIT to optimise"));

        if (diagnostics.Count > 0 || inputShape is null || malformed || layers.Count != layerAttributes.Count)
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));

        var spec = new NetworkSpec(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? string.Join(".", ns.ToDisplayString().Split('.').Select(Escape)) : null,
            new EquatableArray<ContainingTypeSpec>(ContainingTypes(declaration)),
            Escape(type.Name),
            loss,
            new EquatableArray<int>(inputShape),
            new EquatableArray<LayerSpec>(layers.ToArray()))
        {
            ParametersFile = parametersFile,
        };
        SizeChecks.CheckPlan(spec, networkLocation, layerAttributes.Select(a => a.Location).ToList(), diagnostics, cancellationToken);
        if (diagnostics.Count > 0)
            return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToArray()));
        return new ParseResult(spec, EquatableArray<DiagnosticInfo>.Empty, new NetworkSite(type.Name, LocationInfo.From(networkLocation)))
        {
            ParametersLocation = parametersFile is null ? null : LocationInfo.From(networkLocation),
        };
    }

    /// <summary>For [Input]/[Dense] on a class without [Network]: NC0011 at each such attribute.</summary>
    public static EquatableArray<DiagnosticInfo> CheckOrphanLayers(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var type = (INamedTypeSymbol)context.TargetSymbol;
        if (type.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkAttributeName))
            return EquatableArray<DiagnosticInfo>.Empty;
        var list = new List<DiagnosticInfo>();
        foreach (var attribute in context.Attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            list.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerWithoutNetwork, LocationOf(attribute),
                ShortName(attribute.AttributeClass!.ToDisplayString()), type.Name));
        }
        return new EquatableArray<DiagnosticInfo>(list.ToArray());
    }

    private static void CheckClassShape(INamedTypeSymbol type, TypeDeclarationSyntax declaration, Location location, List<DiagnosticInfo> diagnostics)
    {
        if (declaration is RecordDeclarationSyntax)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                "a record", "a network's value is its parameters, which records would compare by reference; declare a partial class"));
        if (declaration is ClassDeclarationSyntax { ParameterList: not null })
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                "declared with a primary constructor", "NetCompiler generates the constructors () and (int seed); remove the parameter list and keep what it held in fields or properties"));
        for (TypeDeclarationSyntax? t = declaration; t is not null; t = t.Parent as TypeDeclarationSyntax)
            if (t.Modifiers.Any(SyntaxKind.FileKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                    t == declaration ? "a 'file' type" : $"nested in the 'file' type '{t.Identifier.Text}'",
                    "a file-local type cannot be completed by the generated source, which is another file; make it internal instead"));
        for (var baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
            if (baseType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == NetworkAttributeName)
                || baseType.AllInterfaces.Any(i => i.ToDisplayString() == "NetCompiler.INetwork"))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                    $"derived from the network class '{baseType.Name}'",
                    "each network holds its own parameters and generated members, which a derived network would hide; declare it without the base class, or share code through a helper instead"));
                break;
            }
        CheckMemberConflicts(type, location, diagnostics);
        if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, type.Name, ""));
        for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
            if (!parent.Modifiers.Any(SyntaxKind.PartialKeyword))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, type.Name,
                    $", and make the enclosing type '{parent.Identifier.Text}' partial too"));
        if (type.IsGenericType) // also true of a type nested in a generic one
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                "generic or nested in a generic type", "every size must be known at build time; remove the type parameters"));
        if (type.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                "static", "a network holds its parameters in an instance; remove 'static'"));
        if (type.IsAbstract && !type.IsStatic)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedClass, location, type.Name,
                "abstract", "the generated code creates instances of it; remove 'abstract'"));
    }

    private static ContainingTypeSpec[] ContainingTypes(TypeDeclarationSyntax declaration)
    {
        var list = new List<ContainingTypeSpec>();
        for (var parent = declaration.Parent as TypeDeclarationSyntax; parent is not null; parent = parent.Parent as TypeDeclarationSyntax)
        {
            var keyword = parent switch
            {
                RecordDeclarationSyntax r => r.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => parent.Keyword.ValueText,
            };
            list.Insert(0, new ContainingTypeSpec(keyword, Escape(parent.Identifier.ValueText)));
        }
        return list.ToArray();
    }

    private static bool TryReadInputShape(AttributeData data, out int[] shape)
    {
        shape = Array.Empty<int>();
        if (data.ConstructorArguments.Length != 1) return false; // the compiler already reports the bad call
        var argument = data.ConstructorArguments[0];
        if (argument.IsNull) return true; // [Input(null)]: reported as an empty shape
        if (argument.Kind != TypedConstantKind.Array) return false;
        shape = argument.Values.Select(v => v.Value is int i ? i : 0).ToArray();
        return true;
    }

    /// <summary>
    /// One dimension: a flat vector. Two: [height, width] of a single channel. Three: [channels, height, width].
    /// More: flattened, for dense layers only.
    /// </summary>
    private static Shape InputShapeOf(int[] shape) => shape.Length switch
    {
        2 => new Shape(1, shape[0], shape[1], true),
        3 => new Shape(shape[0], shape[1], shape[2], true),
        _ => Shape.Flat(checked(shape.Aggregate(1, (a, b) => a * b))), // the caller checked the product against the limits
    };

    /// <summary>A name as C# source must spell it: <c>@class</c> for a type called <c>class</c>.</summary>
    private static string Escape(string name)
        => SyntaxFacts.IsReservedKeyword(SyntaxFacts.GetKeywordKind(name)) ? "@" + name : name;

    /// <summary>
    /// The members the generated partial declaration adds, public and private (NetworkEmitter and the interfaces'
    /// explicit implementations aside); a user member of the same name cannot coexist with one, and a class of the
    /// same name cannot hold one. A test compares this list with the members of generated networks.
    /// </summary>
    internal static readonly string[] GeneratedMembers =
    {
        // public
        "InputSize", "OutputSize", "ParameterCount", "Architecture", "ArchitectureHash", "InitializeParameters",
        "Predict", "PredictBatch", "CopyParametersTo", "LoadParameters", "Parameters", "ComputeGradients",
        // private
        "PredictOne", "ComputeGradientsCore", "GeneratedKernels", "_parameters", "_start", "FirstParameter",
        "PredictWorkspaceSize", "PredictBatchWorkspaceSize", "TrainingWorkspaceSize", "SharedWorkspaceSize",
        "AlignedInput", "PartRows", "t_AlignedInput", "t_PredictWorkspace", "t_PredictBatchWorkspace", "t_TrainingWorkspace",
        // with compiled-in parameters
        "LoadCompiledParameters", "CompiledParameterData", "CompiledStateData", "DecodeCompiledData", "AlignedStart",
        // with layers whose training differs from inference (ITrainingModeNetwork)
        "StateCount", "State", "_state", "TrainingFloatsPerSample", "TrainingFixedSize", "t_TrainingModeWorkspace",
    };

    /// <summary>Whether the generated code declares a member <paramref name="name"/>: one of <see cref="GeneratedMembers"/>,
    /// or a layer's <c>Layer{n}Weights</c> or <c>Layer{n}Bias</c> offset.</summary>
    internal static bool IsGeneratedMember(string name)
    {
        if (Array.IndexOf(GeneratedMembers, name) >= 0) return true;
        foreach (var suffix in new[] { "Weights", "Bias" })
            if (name.Length > "Layer".Length + suffix.Length && name.StartsWith("Layer", StringComparison.Ordinal)
                && name.EndsWith(suffix, StringComparison.Ordinal)
                && name.Substring(5, name.Length - 5 - suffix.Length).All(char.IsDigit))
                return true;
        return false;
    }

    private static void CheckMemberConflicts(INamedTypeSymbol type, Location location, List<DiagnosticInfo> diagnostics)
    {
        if (IsGeneratedMember(type.Name))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberConflict, location, type.Name, "its own name",
                $"NetCompiler generates a member '{type.Name}' in it, and a member cannot be named like its class; rename the class"));
        // Members inherited from a base class would be hidden by the generated ones (CS0108, an error where warnings are).
        for (var baseType = type.BaseType; baseType is not null && baseType.SpecialType != SpecialType.System_Object; baseType = baseType.BaseType)
            foreach (var member in baseType.GetMembers())
                if (!member.IsImplicitlyDeclared && member.DeclaredAccessibility != Accessibility.Private && IsGeneratedMember(member.Name))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberConflict, location, type.Name,
                        $"'{member.Name}' by inheriting it from '{baseType.Name}'",
                        "NetCompiler generates a member of that name, which would hide it; rename it in the base class, or do not derive from it"));
                    break;
                }
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared) continue;
            if (member is IMethodSymbol { MethodKind: MethodKind.Constructor, IsStatic: false } ctor)
            {
                bool clash = ctor.Parameters.Length == 0
                    || (ctor.Parameters.Length == 1 && ctor.Parameters[0].Type.SpecialType == SpecialType.System_Int32);
                if (clash)
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberConflict, location, type.Name,
                        $"{type.Name}({string.Join(", ", ctor.Parameters.Select(p => p.Type.ToDisplayString()))})",
                        $"NetCompiler generates {type.Name}() and {type.Name}(int seed); remove this constructor or give it other parameters"));
                continue;
            }
            if (IsGeneratedMember(member.Name))
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberConflict, location, type.Name, member.Name,
                    "NetCompiler generates a member of that name; rename yours"));
        }
    }

    private static Location? LocationOf(AttributeData attribute)
        => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    internal static string ShortName(string fullName)
    {
        var name = fullName.Substring(fullName.LastIndexOf('.') + 1);
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }
}
