using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace NetCompiler.Generator.Model;

/// <summary>
/// A location as plain data: <see cref="Location"/> holds a syntax tree, which would keep the compilation alive
/// and defeat caching.
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null) return null;
        return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
    }
}

/// <summary>A diagnostic as plain data with value equality (<see cref="Diagnostic"/> has none).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, Location? location, params object[] args)
        => new(descriptor, LocationInfo.From(location), new EquatableArray<string>(System.Linq.Enumerable.Select(args, a => a?.ToString() ?? "")));

    public Diagnostic ToDiagnostic()
        => Diagnostic.Create(Descriptor, Location?.ToLocation(), System.Linq.Enumerable.ToArray<object>(Arguments));
}
