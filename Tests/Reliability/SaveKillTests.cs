using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// A save that survives a kill: a child process saves a large model over a file again and again and is killed (a real
/// kill, not a flag) while its temporary file is being written. The target file is then still a complete, loadable
/// model: the one saved before, or one of the child's completed saves, never a partial file.
/// </summary>
public class SaveKillTests
{
    public const string ChildCommand = "save-loop-child";

    /// <summary>16 M floats (64 MB): each save takes long enough that a kill lands while the temporary file is written.</summary>
    private const int Count = 1 << 24;
    private const ulong Hash = 0x5AFE_5AFE_0000_0001;
    private const string Architecture = "SaveKill(Input(16777216))";
    private const int Kills = 3;

    private readonly ITestOutputHelper _output;

    public SaveKillTests(ITestOutputHelper output) => _output = output;

    /// <summary>Parameter <paramref name="i"/> of generation <paramref name="generation"/>: every save differs from the last in every float.</summary>
    private static float Value(int generation, int i) => generation * 1e6f + (i & 0xFFFF);

    private static float[] Generation(int generation)
    {
        var p = new float[Count];
        for (int i = 0; i < p.Length; i++) p[i] = Value(generation, i);
        return p;
    }

    /// <summary>The child: saves generation 1, 2, 3, … to the path until it is killed.</summary>
    public static int RunChild(string[] args)
    {
        string path = args[0];
        for (int generation = 1; ; generation++)
        {
            ModelFile.Write(path, Hash, Architecture, Generation(generation));
            Console.Out.WriteLine(generation);
            Console.Out.Flush();
        }
    }

    private static long Length(string file)
    {
        try { return new FileInfo(file).Length; }
        catch (IOException) { return -1; }
    }

    [Fact]
    public void Killed_save_leaves_the_previous_file_intact_and_loadable()
    {
        string dir = Directory.CreateTempSubdirectory("ncsave").FullName;
        try
        {
            string path = Path.Combine(dir, "model.ncmf");
            long fullLength = 24 + Architecture.Length + 4L * Count + 4;
            ModelFile.Write(path, Hash, Architecture, Generation(0));
            int midWrite = 0;
            for (int attempt = 0; attempt < 10 && midWrite < Kills; attempt++)
            {
                var child = Process.Start(new ProcessStartInfo("dotnet", [typeof(SaveKillTests).Assembly.Location, ChildCommand, path])
                {
                    UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true,
                })!;
                string? temp = null;
                try
                {
                    var clock = Stopwatch.StartNew();
                    while (temp is null)
                    {
                        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), "no temporary file appeared");
                        if (child.HasExited) Assert.Fail($"the child ended before it was killed: {child.StandardError.ReadToEnd()}");
                        // Kill once the temporary file has started to fill.
                        string? candidate = Directory.GetFiles(dir, ".model.ncmf.*.tmp").FirstOrDefault();
                        if (candidate is not null && Length(candidate) > 0) temp = candidate;
                        else Thread.Yield();
                    }
                    child.Kill(entireProcessTree: true);
                    child.WaitForExit();
                }
                finally
                {
                    if (!child.HasExited) child.Kill(entireProcessTree: true);
                }

                // The kill landed mid-write if the temporary file it left is shorter than a whole model.
                long tempLength = Length(temp);
                bool landedMidWrite = tempLength > 0 && tempLength < fullLength;
                if (landedMidWrite) midWrite++;
                string[] completed = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);

                // The target is a whole model: generation 0 (saved before) or a save the child completed.
                ModelFileContents contents = ModelFile.Read(path);
                Assert.Equal(Hash, contents.ArchitectureHash);
                Assert.Equal(Architecture, contents.Architecture);
                Assert.Equal(Count, contents.Parameters.Length);
                int generation = (int)MathF.Round(contents.Parameters[0] / 1e6f);
                Assert.True(generation == 0 || completed.Contains(generation.ToString()),
                    $"the file holds generation {generation}, which no save completed (completed: {string.Join(",", completed)})");
                int differing = Enumerable.Range(0, Count).Count(i => contents.Parameters[i] != Value(generation, i));
                Assert.True(differing == 0, $"{differing} parameters of generation {generation} differ");
                _output.WriteLine($"kill {attempt + 1}: temporary file {tempLength} of {fullLength} bytes, {completed.Length} saves completed, file holds generation {generation}");

                foreach (string leftover in Directory.GetFiles(dir, "*.tmp")) File.Delete(leftover);
                ModelFile.Write(path, Hash, Architecture, Generation(0));
            }
            Assert.True(midWrite >= Kills, $"only {midWrite} of the kills landed while the temporary file was being written");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
