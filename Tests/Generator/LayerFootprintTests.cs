using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetCompiler.Tests.Docs;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// A kind of layer lives in its unit (docs/design/generator.md, "Adding a kind of layer"): in the generator and the
/// runtime, its name appears only in its unit folder <c>Generator/Emit/Layers/&lt;Kind&gt;/</c>, its attribute file
/// <c>Runtime/Layers/&lt;Kind&gt;Attribute.cs</c>, and the shared files that list every kind. The parser, the planner
/// and the network's passes ask the units instead of naming kinds, so a new kind of layer touches nothing else there.
/// </summary>
public sealed class LayerFootprintTests
{
    /// <summary>
    /// The shared files of the generator and the runtime a kind of layer adds an entry to (a release moves the entries of
    /// the two "Unshipped" lists to their "Shipped" counterparts, which then take their place here).
    /// </summary>
    public static readonly string[] SharedFiles =
    {
        "Generator/Emit/Layers/LayerUnits.cs",     // its unit, one line in LayerUnits.All
        "Generator/AnalyzerReleases.Unshipped.md", // its diagnostics, one row each (the release-tracking analyzer's list)
        "Runtime/PublicAPI.Unshipped.txt",         // its attribute's public members (the public-API analyzer's list)
    };

    /// <summary>Files that may name a kind in documentation comments (<c>///</c> lines) only, as an example.</summary>
    public static readonly string[] DocCommentOnly =
    {
        "Runtime/TrainingMode.cs", // ITrainingModeNetwork's summary names the attributes of such layers
    };

    [Theory]
    [InlineData("BatchNorm")]
    [InlineData("Dropout")]
    public void KindIsNamedOnlyInItsUnitAndTheSharedFiles(string kind)
    {
        string root = Path.GetDirectoryName(ReadmeTests.ReadmePath())!;
        string unitFolder = $"Generator/Emit/Layers/{kind}/";
        string attributeFile = $"Runtime/Layers/{kind}Attribute.cs";
        var offenders = new List<string>();
        var ownFiles = new List<string>();
        foreach (string relative in SourceFiles(root, "Generator").Concat(SourceFiles(root, "Runtime")))
        {
            var lines = File.ReadAllLines(Path.Combine(root, relative));
            bool names = lines.Any(line => line.Contains(kind, StringComparison.Ordinal));
            if (relative.StartsWith(unitFolder, StringComparison.Ordinal) || relative == attributeFile)
            {
                if (names) ownFiles.Add(relative);
                continue;
            }
            if (SharedFiles.Contains(relative)) continue;
            for (int i = 0; i < lines.Length; i++)
            {
                if (!lines[i].Contains(kind, StringComparison.Ordinal)) continue;
                if (DocCommentOnly.Contains(relative) && lines[i].TrimStart().StartsWith("///", StringComparison.Ordinal)) continue;
                offenders.Add($"{relative}:{i + 1}: {lines[i].Trim()}");
            }
        }
        // The scan must see the kind's own files, or it proves nothing (a wrong root, a renamed folder).
        Assert.Contains(attributeFile, ownFiles);
        Assert.Contains(ownFiles, f => f.StartsWith(unitFolder, StringComparison.Ordinal));
        Assert.True(offenders.Count == 0,
            $"{kind} is named outside {unitFolder}, {attributeFile} and the shared files ({string.Join(", ", SharedFiles)}): " +
            "ask the layer units (ILayerUnit, ITrainingModeUnit) instead, or move the code into the unit.\n" + string.Join("\n", offenders));
    }

    /// <summary>Every file under <paramref name="folder"/> but the build output, as paths from the root with '/'.</summary>
    private static IEnumerable<string> SourceFiles(string root, string folder)
        => Directory.EnumerateFiles(Path.Combine(root, folder), "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj"))
            .OrderBy(path => path, StringComparer.Ordinal);
}
