using System;

namespace NetCompiler.Tests;

/// <summary>
/// The test assembly's entry point. The test host does not use it; tests start it as a child process
/// (<c>dotnet NetCompiler.Tests.dll &lt;command&gt; …</c>) when they need a process of their own to kill.
/// </summary>
public static class TestProgram
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == Runtime.CheckpointTests.ChildCommand) return Runtime.CheckpointTests.RunChild(args[1..]);
        if (args.Length > 0 && args[0] == Reliability.SaveKillTests.ChildCommand) return Reliability.SaveKillTests.RunChild(args[1..]);
        Console.Error.WriteLine($"usage: NetCompiler.Tests {Runtime.CheckpointTests.ChildCommand} <checkpoint path>");
        Console.Error.WriteLine($"       NetCompiler.Tests {Reliability.SaveKillTests.ChildCommand} <model path>");
        return 2;
    }
}
