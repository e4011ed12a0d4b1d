using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// Sizes are computed in 64-bit arithmetic and checked by the parser: a model past what .NET can allocate is NC0009 at
/// the attribute that makes it so, stating the limit and the size; a large model inside the limits builds through
/// loops, never through unrolling, in bounded time and memory. Each model here once wrapped an int in the generator.
/// </summary>
public class SizeLimitTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    /// <summary>Generator and compiler together stay under this much allocation for any one model here.</summary>
    private const long MemoryBound = 2L << 30;

    public static TheoryData<string, string, string> TooLarge => new()
    {
        // model, the attribute the diagnostic points at, a size the message must state
        { "[Network] [Input(50000)] [Dense(50000)] public partial class M { }", "Dense(50000)", "2,500,000,000" },
        { "[Network] [Input(1)] [Dense(46341)] [Dense(46341)] public partial class M { }", "Dense(46341)] public", "2,147,488,281" },
        { "[Network] [Input(6)] [Dense(105, Activation.Tanh)] [Dense(2147483646)] public partial class M { }", "Dense(2147483646)", "225,485,782,830" },
        { "[Network] [Input(1)] [Dense(1 << 30)] public partial class M { }", "Dense(1 << 30)", "1,073,741,824 biases" },
        { "[Network] [Input(2097152)] [Dense(2049)] public partial class M { }", "Dense(2049)", "4,297,064,448" },
        { "[Network] [Input(1)] [Dense(154696179, Activation.ReLU)] public partial class M { }", "Dense(154696179, Activation.ReLU)", "more than 2,147,483,647" },
        { "[Network] [Input(1, 4, 4)] [Conv2D(1, 1, Stride = int.MaxValue, Padding = 1 << 30)] [Dense(2)] public partial class M { }",
            "Conv2D(1, 1, Stride = int.MaxValue, Padding = 1 << 30)", "2,147,483,652" },
        { "[Network] [Input(3, 8, 8)] [Conv2D(4, 3, Padding = 20000)] [Dense(2)] public partial class M { }", "Conv2D(4, 3, Padding = 20000)", "floats" },
        { "[Network] [Input(1, 200000, 200000)] [Dense(2)] public partial class M { }", "Input(1, 200000, 200000)", "40,000,000,000" },
        { "[Network] [Input(1, 4, 100)] [Conv2D(1, 1, 100)] [Dense(2)] public partial class M { }", "Conv2D(1, 1, 100)", "kernel width" },
    };

    [Theory]
    [MemberData(nameof(TooLarge))]
    public void Model_past_a_limit_is_NC0009_stating_limit_and_size(string model, string locationText, string size)
    {
        string source = Usings + model;
        var (run, allocated) = Measure(() => GeneratorHarness.Run(source));

        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NC0009", diagnostic.Id);
        int start = source.IndexOf(locationText, StringComparison.Ordinal);
        Assert.Equal(start, diagnostic.Location.SourceSpan.Start);
        string message = diagnostic.GetMessage();
        Assert.Contains(size, message);
        Assert.Contains("exceeds", message);
        Assert.Empty(run.GeneratedSources);
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    /// <summary>Large models inside the limits compile with no error, their large layers as loops.</summary>
    [Theory]
    [InlineData("[Network] [Input(20000)] [Dense(20000)] public partial class M { }")]
    [InlineData("[Network] [Input(1)] [Dense(46000)] [Dense(46000)] public partial class M { }")]
    [InlineData("[Network] [Input(1, 4, 4)] [Conv2D(1, 1, Stride = 1000, Padding = 1000)] [Dense(2)] public partial class M { }")]
    [InlineData("[Network] [Input(1, 4, 64)] [Conv2D(2, 1, 64)] [Dense(2)] public partial class M { }")]
    public void Large_model_inside_the_limits_builds_through_loops(string model)
    {
        var (run, allocated) = Measure(() =>
        {
            var r = GeneratorHarness.Run(Usings + model);
            _ = r.CompilationErrors;
            return r;
        });
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        string text = Assert.Single(run.GeneratedSources).Value;
        Assert.True(text.Length < 1_000_000, $"{text.Length:N0} characters of generated source");
        Assert.True(allocated < MemoryBound, $"allocated {allocated:N0} bytes");
    }

    /// <summary>A stride past the padded input would apply the kernel once, and its products overflowed the generated code.</summary>
    [Theory]
    [InlineData("[Network] [Input(1, 4, 4)] [Conv2D(1, 1, Stride = int.MaxValue, Padding = 1000)] [Dense(2)] public partial class M { }", "Conv2D(1, 1, Stride = int.MaxValue, Padding = 1000)")]
    [InlineData("[Network] [Input(1, 4, 4)] [MaxPool2D(2, Stride = int.MaxValue)] [Dense(2)] public partial class M { }", "MaxPool2D(2, Stride = int.MaxValue)")]
    public void Stride_past_the_input_is_NC0012(string model, string locationText)
    {
        string source = Usings + model;
        var run = GeneratorHarness.Run(source);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NC0012", diagnostic.Id);
        Assert.Equal(source.IndexOf(locationText, StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Contains("stride 2147483647", diagnostic.GetMessage());
    }

    /// <summary>The largest layer a model may have builds, and a network of small layers gets to the JIT's limits
    /// only through its layer count, which is checked.</summary>
    [Fact]
    public void Too_many_layers_is_NC0009_at_the_first_layer_past_the_limit()
    {
        string layers = string.Concat(Enumerable.Repeat("[Dense(2)] ", 300));
        var run = GeneratorHarness.Run(Usings + $"[Network] [Input(2)] {layers}public partial class M {{ }}");
        var diagnostic = Assert.Single(run.GeneratorDiagnostics);
        Assert.Equal("NC0009", diagnostic.Id);
        Assert.Contains("300 layers", diagnostic.GetMessage());
        Assert.Contains("256 layers", diagnostic.GetMessage());
    }

    /// <summary>
    /// What <paramref name="action"/> allocates on the calling thread, where the generator runs. The process-wide count
    /// would also take in whatever the tests running in parallel allocate meanwhile.
    /// </summary>
    private static (T Result, long Allocated) Measure<T>(Func<T> action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = action();
        return (result, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
