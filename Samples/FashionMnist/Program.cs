using System;
using System.IO;

namespace NetCompiler.Samples.FashionMnist;

/// <summary>The command line of the Fashion-MNIST sample; the work is in <see cref="FashionMnistSample.Run"/>.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        FashionMnistOptions options;
        try
        {
            options = FashionMnistOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine(FashionMnistOptions.Usage);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(FashionMnistOptions.Usage);
            return 0;
        }
        try
        {
            FashionMnistSample.Run(options, Console.Out);
            return 0;
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }
}
