using System;
using System.IO;

namespace NetCompiler.Samples.Fig1a;

/// <summary>The command line of the Fig. 1a sample; the work is in <see cref="Fig1aSample.Run"/>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        Fig1aOptions options;
        try
        {
            options = Fig1aOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine(Fig1aOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(Fig1aOptions.Usage);
            return 0;
        }
        try
        {
            Fig1aSample.Run(options, Console.Out);
            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
