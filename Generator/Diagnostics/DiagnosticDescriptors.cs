using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. An invalid model is always one of these, at the attribute that breaks it,
/// never a generator exception. IDs are stable: never reuse or renumber one.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "NetCompiler";

    /// <summary>NC0001: "The network class '{0}' must be declared partial ...".</summary>
    public static readonly DiagnosticDescriptor NotPartial = new(
        "NC0001",
        "Network class must be partial",
        "The network class '{0}' must be declared partial so that NetCompiler can add the generated network to it: write 'partial class {0}'{1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "The generator adds members to the annotated class in a second partial declaration; the class and every type around it must be partial.");

    /// <summary>NC0002: "The network '{0}' has no [Input] ...".</summary>
    public static readonly DiagnosticDescriptor MissingInput = new(
        "NC0002",
        "Network has no input",
        "The network '{0}' has no [Input] attribute: add one that gives the shape of a sample, for example [Input(784)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0003: "The network '{0}' has no layers ...".</summary>
    public static readonly DiagnosticDescriptor NoLayers = new(
        "NC0003",
        "Network has no layers",
        "The network '{0}' has no layers: add at least one layer attribute after [Input], for example [Dense(10)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0004: "{0} must be positive, but is {1} ...".</summary>
    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        "NC0004",
        "Size must be positive",
        "{0} must be positive, but is {1}: give a size of at least 1",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0005: "The layer attributes of '{0}' are split across partial declarations ...".</summary>
    public static readonly DiagnosticDescriptor SplitAcrossPartials = new(
        "NC0005",
        "Network attributes split across partial declarations",
        "The attribute [{1}] of network '{0}' is on another partial declaration than [Network]: layer order would depend on file order, so put [Network], [Input] and every layer attribute on the same declaration",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0006: "Loss {0} does not fit the last layer ...".</summary>
    public static readonly DiagnosticDescriptor LossDoesNotFit = new(
        "NC0006",
        "Loss does not fit the last layer",
        "Loss {0} does not fit the last layer of '{1}': {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0007: "{0} is not a known {1} ...".</summary>
    public static readonly DiagnosticDescriptor UnknownEnumValue = new(
        "NC0007",
        "Unknown enum value",
        "{0} is not a known {1}: use one of {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0008: "The network class '{0}' cannot be {1} ...".</summary>
    public static readonly DiagnosticDescriptor UnsupportedClass = new(
        "NC0008",
        "Unsupported network class",
        "The network class '{0}' cannot be {1}: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0009: "The network '{0}' is too large ...".</summary>
    public static readonly DiagnosticDescriptor TooLarge = new(
        "NC0009",
        "Network too large",
        "The network '{0}' is too large: {1} exceeds {2}; make the layers smaller",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0010: "The [Input] of '{0}' needs at least one dimension ...".</summary>
    public static readonly DiagnosticDescriptor EmptyInputShape = new(
        "NC0010",
        "Input has no dimensions",
        "The [Input] of '{0}' has no dimensions: give the shape of one sample, for example [Input(784)] or [Input(1, 28, 28)]",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0011: "[{0}] on '{1}' has no effect without [Network] ...".</summary>
    public static readonly DiagnosticDescriptor LayerWithoutNetwork = new(
        "NC0011",
        "Layer attribute without [Network]",
        "[{0}] on '{1}' has no effect without [Network]: add [Network(Loss = ...)] to the class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0012: "{0}: {1}" — a layer whose shape does not fit what it receives.</summary>
    public static readonly DiagnosticDescriptor ShapeMismatch = new(
        "NC0012",
        "Layer does not fit its input",
        "{0} does not fit: {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0013: "The network class '{0}' declares '{1}' ...".</summary>
    public static readonly DiagnosticDescriptor MemberConflict = new(
        "NC0013",
        "Member conflicts with a generated member",
        "The network class '{0}' declares '{1}': {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0040: "The network '{0}' is compiled without optimisation ...".</summary>
    public static readonly DiagnosticDescriptor Unoptimized = new(
        "NC0040",
        "Network compiled without optimisation",
        "The network '{0}' is compiled without optimisation (a Debug build), so its generated kernels run 10 to 50 times slower: build in Release (dotnet build -c Release) or set <Optimize>true</Optimize> in the project",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true,
        description: "Without optimisation the compiler emits unoptimised IL and the JIT compiles the generated kernels without inlining or register allocation of their vectors, "
                   + "even where they are marked AggressiveOptimization; Benchmarks --first-calls measures the factor per workload (tens of times for convolutional training). "
                   + "The NetCompiler package keeps NC0040 a warning even under TreatWarningsAsErrors (build/NetCompiler.targets adds it to WarningsNotAsErrors), "
                   + "so a Debug build still builds; add NC0040 to NoWarn to silence it.");
}
