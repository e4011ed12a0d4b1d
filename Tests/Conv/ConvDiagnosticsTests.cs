using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Conv;

/// <summary>
/// Every shape error of a convolution or pooling layer is one compile-time error, NC0012 ("does not fit") or NC0004
/// (a size or stride that is not positive), on the attribute that causes it; the layers after it stay silent, the
/// generator never throws, and nothing is generated.
/// </summary>
public class ConvDiagnosticsTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    public static TheoryData<string, string, string> InvalidModels => new()
    {
        // id, layers, the text the diagnostic must point at (its last occurrence in the source)
        // A kernel larger than its (padded) input.
        { "NC0012", "[Input(1, 4, 4)] [Conv2D(2, 5)] [Dense(3)]", "Conv2D(2, 5)" },
        { "NC0012", "[Input(1, 8, 8)] [Conv2D(2, 3, 11, Padding = 1)]", "Conv2D(2, 3, 11, Padding = 1)" },
        { "NC0012", "[Input(3, 9, 30)] [Conv2D(2, 12, 3, Activation.ReLU, Padding = 1)]", "Conv2D(2, 12, 3, Activation.ReLU, Padding = 1)" },
        { "NC0012", "[Input(1, 8, 8)] [MaxPool2D(2)] [Conv2D(2, 5)] [Dense(3)]", "Conv2D(2, 5)" },
        { "NC0012", "[Input(1, 8, 8)] [Conv2D(4, 3, Stride = 2)] [Conv2D(2, 4)]", "Conv2D(2, 4)" },
        // A pooling window that does not fit.
        { "NC0012", "[Input(1, 3, 8)] [MaxPool2D(4)]", "MaxPool2D(4)" },
        { "NC0012", "[Input(2, 6, 6)] [Conv2D(1, 3)] [AvgPool2D(5)] [Dense(2)]", "AvgPool2D(5)" },
        { "NC0012", "[Input(1, 28, 28)] [MaxPool2D(2)] [MaxPool2D(2)] [MaxPool2D(2)] [MaxPool2D(4)]", "MaxPool2D(4)" },
        // Negative padding.
        { "NC0012", "[Input(1, 8, 8)] [Conv2D(2, 3, Padding = -1)] [Dense(2)]", "Conv2D(2, 3, Padding = -1)" },
        // A spatial layer on a flat input: after a Dense, or on a 1-D [Input].
        { "NC0012", "[Input(1, 8, 8)] [Dense(10)] [Conv2D(2, 3)]", "Conv2D(2, 3)" },
        { "NC0012", "[Input(1, 8, 8)] [Dense(16)] [MaxPool2D(2)]", "MaxPool2D(2)" },
        { "NC0012", "[Input(1, 8, 8)] [Conv2D(2, 3)] [Dense(16)] [AvgPool2D(2)] [Dense(2)]", "AvgPool2D(2)" },
        { "NC0012", "[Input(784)] [Conv2D(6, 5)] [Dense(10)]", "Conv2D(6, 5)" },
        { "NC0012", "[Input(784)] [AvgPool2D(2)]", "AvgPool2D(2)" },
        // An output too large for the training workspace.
        { "NC0009", "[Input(1, 100, 100)] [Conv2D(200000, 1)]", "Conv2D(200000, 1)" }, // its training workspace: 64 samples of 2·10⁹ outputs
        // Sizes and strides that are not positive.
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 3, Stride = 0)] [Dense(2)]", "Conv2D(2, 3, Stride = 0)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 3, Stride = -2)]", "Conv2D(2, 3, Stride = -2)" },
        { "NC0004", "[Input(1, 8, 8)] [MaxPool2D(2, Stride = -1)] [Dense(2)]", "MaxPool2D(2, Stride = -1)" },
        { "NC0004", "[Input(1, 8, 8)] [AvgPool2D(2, Stride = -3)]", "AvgPool2D(2, Stride = -3)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(0, 3)]", "Conv2D(0, 3)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 0, 3)]", "Conv2D(2, 0, 3)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 3, -1)]", "Conv2D(2, 3, -1)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 3, 0)]", "Conv2D(2, 3, 0)" }, // (int, int, int) beats (int, int, Activation) for a literal 0
        { "NC0004", "[Input(1, 8, 8)] [MaxPool2D(0)]", "MaxPool2D(0)" },
        { "NC0004", "[Input(1, 8, 8)] [Conv2D(2, 3)] [AvgPool2D(-2)] [Dense(2)]", "AvgPool2D(-2)" },
        // An activation that does not exist.
        { "NC0007", "[Input(1, 8, 8)] [Conv2D(2, 3, (Activation)9)]", "Conv2D(2, 3, (Activation)9)" },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Invalid_layer_reports_one_error_at_its_attribute(string id, string layers, string locationText)
    {
        string source = Usings + $"[Network] {layers} public partial class Net {{ }}";
        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Exception);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Id == "CS8785"); // "generator failed"
        var errors = run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var diagnostic = Assert.Single(errors); // one mistake, one error: the layers after it do not add more
        Assert.Equal(id, diagnostic.Id);
        int start = source.LastIndexOf(locationText, System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{locationText}' is not in the source");
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(start, locationText.Length), diagnostic.Location.SourceSpan);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()));
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Zero_square_kernel_is_reported_at_its_attribute()
    {
        // Conv2D(filters, kernel) with kernel 0: today both "kernel height" and "kernel width" are reported; either way
        // every error must be NC0004 on that attribute.
        string source = Usings + "[Network] [Input(1, 8, 8)] [Conv2D(2, 0)] [Dense(2)] public partial class Net { }";
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        int start = source.IndexOf("Conv2D(2, 0)", System.StringComparison.Ordinal);
        Assert.NotEmpty(run.GeneratorDiagnostics);
        Assert.All(run.GeneratorDiagnostics, d =>
        {
            Assert.Equal("NC0004", d.Id);
            Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(start, "Conv2D(2, 0)".Length), d.Location.SourceSpan);
        });
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Several_bad_layers_are_each_reported_where_they_are()
    {
        // Layer sizes that do not depend on the shape (stride, window) are checked even after an invalid layer.
        string source = Usings + "[Network] [Input(1, 4, 4)] [Conv2D(2, 5)] [MaxPool2D(2, Stride = -1)] [Dense(0)] public partial class Net { }";
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        Assert.Equal(new[] { ("NC0012", "Conv2D(2, 5)"), ("NC0004", "MaxPool2D(2, Stride = -1)"), ("NC0004", "Dense(0)") },
            run.GeneratorDiagnostics.OrderBy(d => d.Location.SourceSpan.Start)
                .Select(d => (d.Id, source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length))));
    }

    [Theory]
    // A kernel exactly as large as the padded input, a window exactly as large as its input, Stride = 0 (= the size).
    [InlineData("[Input(1, 4, 4)] [Conv2D(2, 6, Padding = 1)] [Dense(2)]")]
    [InlineData("[Input(1, 4, 6)] [Conv2D(2, 1, Padding = 1)] [MaxPool2D(6)]")]
    [InlineData("[Input(3, 5, 7)] [Conv2D(2, 7, 9, Activation.Tanh, Stride = 3, Padding = 1)] [AvgPool2D(1, Stride = 0)] [Dense(2)]")]
    [InlineData("[Input(5, 5)] [Conv2D(1, 3, Padding = 1)] [MaxPool2D(2, Stride = 0)] [AvgPool2D(2, Stride = 1)]")]
    public void Boundary_shapes_are_valid_and_compile(string layers)
    {
        var run = GeneratorHarness.Run(Usings + $"[Network] {layers} public partial class Net {{ }}");
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Single(run.GeneratedSources);
    }

    [Theory]
    [InlineData("[Input(1, 8, 8)] [Conv2D] [Dense(2)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(\"a\", 3)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 3, Stride = 1.5)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 3, Padding = \"x\")]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 3, Bias = 1)]")]
    [InlineData("[Input(1, 8, 8)] [MaxPool2D]")]
    [InlineData("[Input(1, 8, 8)] [AvgPool2D(2, 3)]")]
    [InlineData("[Input(1, 8, 8)] [MaxPool2D(2, Stride = null)]")]
    [InlineData("[Input(1, 8, 8)] [Conv2D(2, 3, 4, 5, 6)]")]
    public void Malformed_conv_and_pool_attributes_never_make_the_generator_throw(string layers)
    {
        var run = GeneratorHarness.Run(Usings + $"[Network] {layers} public partial class Net {{ }}");
        Assert.Null(run.Exception);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Id == "CS8785");
        Assert.NotEmpty(run.CompilationErrors); // the compiler's own error says what is wrong
    }
}
