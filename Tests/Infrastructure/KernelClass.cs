using System;
using System.Linq;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>
/// Finds a network's kernel class: the file-local <c>NetCompiler.Generated.GeneratedKernels</c> of the network's generated
/// file. The compiler names a file-local type after its file (<c>&lt;Models_Net_g&gt;F…__GeneratedKernels</c> for
/// Models.Net.g.cs), which is how a network's own is told from the others.
/// </summary>
public static class KernelClass
{
    public static Type Of(Type network)
    {
        string file = "<" + network.FullName!.Replace('.', '_').Replace('+', '_') + "_g>";
        return network.Assembly.GetTypes().Single(t =>
            t.Namespace == "NetCompiler.Generated" && t.Name.StartsWith(file, StringComparison.Ordinal) && t.Name.EndsWith("__GeneratedKernels", StringComparison.Ordinal));
    }
}
