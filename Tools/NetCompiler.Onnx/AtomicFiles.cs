using System;
using System.Collections.Generic;
using System.IO;

namespace NetCompiler.Onnx;

/// <summary>Writes files so that a failure never leaves one half-written: each goes to a temporary file in its own
/// directory first, and only when every one is complete are they renamed over their targets.</summary>
internal static class AtomicFiles
{
    public static void Write(string path, byte[] contents) => Write([(path, contents)]);

    public static void Write(IReadOnlyList<(string Path, byte[] Contents)> files)
    {
        var temps = new List<(string Temp, string Target)>();
        try
        {
            foreach ((string path, byte[] contents) in files)
            {
                string full = Path.GetFullPath(path);
                string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
                temps.Add((temp, full));
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(contents);
                    stream.Flush(flushToDisk: true);
                }
            }
            foreach ((string temp, string target) in temps)
                File.Move(temp, target, overwrite: true);
        }
        finally
        {
            foreach ((string temp, _) in temps)
            {
                try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }
}
