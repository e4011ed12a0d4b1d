using System;
using System.IO;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>
/// Lines a test wants seen in CI's log even when it passes (how many random cases it tried, for example). The test
/// host keeps a passing test's output to itself, so each line also goes to the file named by the environment variable
/// <c>NETCOMPILER_TEST_REPORT</c> when it is set; <c>.ci/run</c> sets it for each test pass and prints the file.
/// </summary>
public static class TestReport
{
    private static readonly object Gate = new();

    /// <summary>Writes <paramref name="line"/> to the console and, when CI asks for it, to its report file.</summary>
    public static void Line(string line)
    {
        Console.WriteLine(line);
        string? path = Environment.GetEnvironmentVariable("NETCOMPILER_TEST_REPORT");
        if (string.IsNullOrEmpty(path)) return;
        lock (Gate) File.AppendAllText(path, line + Environment.NewLine);
    }
}
