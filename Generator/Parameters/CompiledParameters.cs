using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Emit;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parameters;

/// <summary>A network that names a model file in <c>[Network(Parameters = ...)]</c>, and where its attribute is.</summary>
internal sealed record ParametersRequest(NetworkSpec Spec, LocationInfo? Location);

/// <summary>
/// The parameters to compile into one network: the Base64 of its model file's parameter bytes and, for a network with
/// state, of its state's; or empty (and <see cref="Diagnostics"/> say why) when the file is missing or does not fit the
/// network.
/// </summary>
internal sealed record CompiledParameters(NetworkSpec Spec, string FileName, uint Crc, string Base64,
    EquatableArray<DiagnosticInfo> Diagnostics, string StateBase64 = "")
{
    /// <summary>Whether the file cannot be compiled in (set where <see cref="Diagnostics"/> are dropped before emitting).</summary>
    public bool Failed { get; init; }

    /// <summary>File name of the generated source holding the data.</summary>
    public string HintName => Spec.FullName.Replace("@", "") + ".Parameters.g.cs";

    /// <summary>Finds the network's model file among the checked <paramref name="files"/> by path and checks it fits.</summary>
    public static CompiledParameters Resolve(ParametersRequest request, ImmutableArray<ModelFileData> files, CancellationToken cancellationToken)
    {
        var spec = request.Spec;
        string name = spec.ParametersFile!;
        string wanted = Normalize(name);
        if (wanted.StartsWith("./", StringComparison.Ordinal)) wanted = wanted.Substring(2);
        var matches = files.Where(f => Matches(Normalize(f.Path), wanted)).OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
        cancellationToken.ThrowIfCancellationRequested();

        if (matches.Count == 0)
        {
            string reason = name.EndsWith(".ncmf", StringComparison.OrdinalIgnoreCase)
                ? $"no AdditionalFiles item of the project has that name; add <AdditionalFiles Include=\"{name}\" /> to the project file"
                : "a model file's name must end in .ncmf; save the model with ModelFile.Save to a .ncmf file, name that file, and list it as an AdditionalFiles item";
            return Fail(request, DiagnosticDescriptors.ModelFileNotFound, reason);
        }
        if (matches.Count > 1)
        {
            string all = string.Join(", ", matches.Select(m => "'" + m.Path + "'"));
            string longer = string.Join("/", Enumerable.Reverse(Enumerable.Reverse(Normalize(matches[0].Path).Split('/')).Take(2)));
            return Fail(request, DiagnosticDescriptors.ModelFileAmbiguous, all, longer);
        }

        var file = matches[0];
        if (file.Problem is { } problem)
            return Fail(request, problem.Descriptor, problem.Arguments.ToArray());
        ulong hash = spec.ArchitectureHash;
        if (file.ArchitectureHash != hash || !string.Equals(file.Architecture, spec.Architecture, StringComparison.Ordinal))
            return Fail(request, DiagnosticDescriptors.ModelFileArchitecture,
                file.Architecture, file.ArchitectureHash.ToString("X16"), spec.Architecture, hash.ToString("X16"));
        if (file.Count != spec.ParameterCount)
            return Fail(request, DiagnosticDescriptors.ModelFileParameterCount, file.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), spec.ParameterCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        int state = spec.StateCount;
        if (state > 0 && file.StateCount is null)
            return Fail(request, DiagnosticDescriptors.CompiledInState, $"has no running statistics (format version 1), and the network's batch normalisation needs {state} floats of them");
        if ((file.StateCount ?? 0) != state)
            return Fail(request, DiagnosticDescriptors.CompiledInState, $"holds {file.StateCount} floats of state, and the network has {state}");
        return new CompiledParameters(spec, FileNameOf(name), file.Crc, file.Base64, EquatableArray<DiagnosticInfo>.Empty, file.StateBase64);
    }

    private static string Normalize(string path) => path.Replace('\\', '/');

    /// <summary>A path matches a name if it is the name or ends with it at a directory boundary.</summary>
    private static bool Matches(string path, string name)
        => string.Equals(path, name, StringComparison.OrdinalIgnoreCase)
           || (path.EndsWith(name, StringComparison.OrdinalIgnoreCase) && path[path.Length - name.Length - 1] == '/');

    private static string FileNameOf(string name) => Normalize(name).Split('/').Last();

    private static CompiledParameters Fail(ParametersRequest request, Microsoft.CodeAnalysis.DiagnosticDescriptor descriptor, params string[] arguments)
    {
        var all = new[] { request.Spec.TypeName.TrimStart('@'), request.Spec.ParametersFile! }.Concat(arguments).ToArray();
        var diagnostic = new DiagnosticInfo(descriptor, request.Location, new EquatableArray<string>(all));
        return new CompiledParameters(request.Spec, FileNameOf(request.Spec.ParametersFile!), 0, "", new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
    }

    /// <summary>
    /// The source file holding the data: one UTF-8 literal of the Base64 parameter bytes. The compiler stores a
    /// <c>ReadOnlySpan&lt;byte&gt;</c> over a <c>u8</c> literal as static data in the assembly (no object, no
    /// allocation); the network's <c>LoadCompiledParameters</c> decodes it straight into its parameter array.
    /// </summary>
    public string Emit()
    {
        var w = new SourceWriter();
        w.Line("// <auto-generated/>");
        w.Line($"// Generated by NetCompiler: the trained parameters of {Spec.FullName}, compiled in from {FileName}.");
        w.Line("// Change the model file, not this file: it is written anew on every build.");
        w.Line("#nullable enable");
        w.Line();
        if (Spec.Namespace is not null) w.Open($"namespace {Spec.Namespace}");
        foreach (var outer in Spec.ContainingTypes) w.Open($"partial {outer.Keyword} {outer.Name}");
        w.Open($"partial class {Spec.TypeName}");
        w.Line("/// <summary>");
        if (Failed || Diagnostics.Count > 0)
        {
            w.Line($"/// None: the model file {FileName} cannot be compiled in (the build reports why).");
            w.Line("/// </summary>");
            w.Line("private static global::System.ReadOnlySpan<byte> CompiledParameterData => default;");
            if (Spec.StateCount > 0)
            {
                w.Line();
                w.Line("/// <summary>None, as <see cref=\"CompiledParameterData\"/>.</summary>");
                w.Line("private static global::System.ReadOnlySpan<byte> CompiledStateData => default;");
            }
        }
        else
        {
            w.Line($"/// The {Spec.ParameterCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} parameters saved in {FileName} (CRC-32 0x{Crc:X8}) as little-endian float32 bytes,");
            w.Line("/// in Base64: static data in the assembly, decoded by <see cref=\"LoadCompiledParameters\"/>.");
            w.Line("/// </summary>");
            // One line, however long: the compiler reads a string literal as one token, quickly.
            w.Line($"private static global::System.ReadOnlySpan<byte> CompiledParameterData => \"{Base64}\"u8;");
            if (Spec.StateCount > 0)
            {
                w.Line();
                w.Line($"/// <summary>The {Spec.StateCount.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} floats of state saved in {FileName} (the running statistics), as <see cref=\"CompiledParameterData\"/>.</summary>");
                w.Line($"private static global::System.ReadOnlySpan<byte> CompiledStateData => \"{StateBase64}\"u8;");
            }
        }
        w.Close();
        foreach (var _ in Spec.ContainingTypes) w.Close();
        if (Spec.Namespace is not null) w.Close();
        return w.ToString();
    }
}
