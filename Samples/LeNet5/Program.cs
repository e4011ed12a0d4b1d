using System;
using System.IO;

namespace NetCompiler.Samples.LeNet5;

/// <summary>The command line of the LeNet-5 sample; the work is in <see cref="LeNet5Sample.Run"/>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        LeNet5Options options;
        try
        {
            options = LeNet5Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine(LeNet5Options.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(LeNet5Options.Usage);
            return 0;
        }
        try
        {
            LeNet5Sample.Run(options, Console.Out);
            return 0;
        }
        catch (ArgumentOutOfRangeException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
