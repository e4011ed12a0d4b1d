using Microsoft.CodeAnalysis;

namespace NetCompiler.Generator.Diagnostics;

/// <summary>
/// Every diagnostic the generator reports. An invalid model is always one of these, at the attribute that breaks it,
/// never a generator exception. IDs are stable: never reuse or renumber one. The diagnostics of one kind of layer are
/// declared in its unit's folder, in a part of this class (<c>Generator/Emit/Layers/&lt;Kind&gt;/&lt;Kind&gt;Diagnostics.cs</c>);
/// these are the network-wide ones and those every layer shares.
/// </summary>
internal static partial class DiagnosticDescriptors
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

    // NC0030–NC0039: the model file named by [Network(Parameters = ...)], checked at build time.

    /// <summary>NC0030: "The model file '{1}' named by Parameters of '{0}' cannot be found ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileNotFound = new(
        "NC0030",
        "Model file not found",
        "The model file '{1}' named by Parameters of '{0}' cannot be used: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "The generator reads a model file only if the project lists it as an AdditionalFiles item; the name in Parameters is matched against the end of each item's path.");

    /// <summary>NC0031: "'{1}' ... is not a NetCompiler model file ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileBadMagic = new(
        "NC0031",
        "Not a model file",
        "The file '{1}' named by Parameters of '{0}' is not a NetCompiler model file: it starts with {2}, not \"NCMF\"; name a file written by ModelFile.Save",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0032: "The model file '{1}' ... has format version {2} ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileVersion = new(
        "NC0032",
        "Unsupported model file version",
        "The model file '{1}' named by Parameters of '{0}' has format version {2}, but this NetCompiler reads version {3}: save the model again with this version's ModelFile.Save",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0074: "The model file '{1}' named by Parameters of '{0}' has no state ...".</summary>
    public static readonly DiagnosticDescriptor CompiledInState = new(
        "NC0074",
        "Model file without the network's state",
        "The model file '{1}' named by Parameters of '{0}' {2}: save the trained network with ModelFile.Save, which writes its running statistics too",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "A network with batch normalisation starts trained only with its running statistics as well as its parameters; a compiled-in model file must carry them (format version 2, which ModelFile.Save writes for such a network).");

    /// <summary>NC0033: "The model file '{1}' ... is truncated ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileTruncated = new(
        "NC0033",
        "Model file truncated",
        "The model file '{1}' named by Parameters of '{0}' is damaged: {2}; save the model again with ModelFile.Save",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "The file's length does not match the sizes its header gives: it was cut short, has bytes appended, or its header is corrupt.");

    /// <summary>NC0034: "The model file '{1}' ... is corrupt: its checksum ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileChecksum = new(
        "NC0034",
        "Model file checksum mismatch",
        "The model file '{1}' named by Parameters of '{0}' is corrupt: it records CRC-32 0x{2} but its contents hash to 0x{3}; save the model again with ModelFile.Save (check that version control does not treat .ncmf files as text)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0035: "The model file '{1}' was saved from architecture ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileArchitecture = new(
        "NC0035",
        "Model file of another architecture",
        "The model file '{1}' named by Parameters of '{0}' was saved from architecture \"{2}\" (hash 0x{3}), but '{0}' is \"{4}\" (hash 0x{5}): train this network and save it with ModelFile.Save, or name the file saved from this architecture",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0036: "The model file '{1}' holds {2} parameters ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileParameterCount = new(
        "NC0036",
        "Model file has the wrong parameter count",
        "The model file '{1}' named by Parameters of '{0}' holds {2} parameters, but '{0}' has {3}: save the model again with ModelFile.Save from this network",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0037: "Several AdditionalFiles match '{1}' ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileAmbiguous = new(
        "NC0037",
        "Model file name is ambiguous",
        "Several AdditionalFiles items match the model file '{1}' named by Parameters of '{0}' ({2}): name it by a longer path, such as '{3}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0038: "The model file '{1}' ... cannot be read ...".</summary>
    public static readonly DiagnosticDescriptor ModelFileUnreadable = new(
        "NC0038",
        "Model file cannot be read",
        "The model file '{1}' named by Parameters of '{0}' cannot be read: {2}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    /// <summary>NC0014: "NetCompiler cannot generate the network '{0}' ...": the emitter failed on a model the parser accepted.</summary>
    public static readonly DiagnosticDescriptor CannotGenerate = new(
        "NC0014",
        "Network cannot be generated",
        "NetCompiler cannot generate the network '{0}' ({1}): please report this model to NetCompiler's issue tracker, and meanwhile change its layers",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "The generator checks every model before it emits code; this error means a model passed those checks and still could not be emitted. It is reported instead of an exception, so the other networks of the project still build.");
}
