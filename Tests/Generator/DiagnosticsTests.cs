using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// Every invalid model is a compile-time error with its own ID, placed on the attribute that breaks it; no input
/// makes the generator throw, and nothing is generated for an invalid network.
/// </summary>
public class DiagnosticsTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    public static TheoryData<string, string, string> InvalidModels => new()
    {
        // id, source, the text the diagnostic must point at (its first occurrence)
        { "NC0001", "[Network] [Input(2)] [Dense(1)] public class NotPartial { }", "Network" },
        { "NC0001", "public class Outer { [Network] [Input(2)] [Dense(1)] public partial class Inner { } }", "Network" },
        { "NC0002", "[Network] [Dense(1)] public partial class NoInput { }", "Network" },
        { "NC0003", "[Network] [Input(4)] public partial class NoLayers { }", "Network" },
        { "NC0004", "[Network] [Input(4)] [Dense(0)] public partial class ZeroUnits { }", "Dense(0)" },
        { "NC0004", "[Network] [Input(4)] [Dense(3)] [Dense(-2)] public partial class NegativeUnits { }", "Dense(-2)" },
        { "NC0004", "[Network] [Input(0)] [Dense(3)] public partial class ZeroInput { }", "Input(0)" },
        { "NC0004", "[Network] [Input(1, -28, 28)] [Dense(3)] public partial class NegativeInputDim { }", "Input(1, -28, 28)" },
        { "NC0005", "[Network] [Input(2)] [Dense(3)] public partial class Split { }\n[Dense(1)] public partial class Split { }", "Dense(1)" },
        { "NC0006", "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(8)] [Dense(3, Activation.ReLU)] public partial class SoftmaxAfterRelu { }", "Dense(3, Activation.ReLU)" },
        { "NC0006", "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(1)] public partial class SoftmaxOfOne { }", "Dense(1)" },
        { "NC0007", "[Network] [Input(4)] [Dense(3, (Activation)42)] public partial class BadActivation { }", "Dense(3, (Activation)42)" },
        { "NC0007", "[Network(Loss = (Loss)9)] [Input(4)] [Dense(3)] public partial class BadLoss { }", "Network(Loss = (Loss)9)" },
        { "NC0008", "[Network] [Input(4)] [Dense(3)] public partial class Generic<T> { }", "Network" },
        { "NC0008", "[Network] [Input(4)] [Dense(3)] public static partial class Static { }", "Network" },
        { "NC0008", "[Network] [Input(4)] [Dense(3)] public abstract partial class Abstract { }", "Network" },
        { "NC0008", "[Network] [Input(4)] [Dense(3)] public partial record Rec { }", "Network" },
        { "NC0013", "[Network] [Input(4)] [Dense(3)] public partial class WithCtor { public WithCtor(int seed) { } }", "Network" },
        { "NC0013", "[Network] [Input(4)] [Dense(3)] public partial class WithDefaultCtor { public WithDefaultCtor() { } }", "Network" },
        { "NC0013", "[Network] [Input(4)] [Dense(3)] public partial class WithPredict { public void Predict() { } }", "Network" },
        { "NC0009", "[Network] [Input(100000)] [Dense(100000)] public partial class Huge { }", "Dense(100000)" },
        { "NC0010", "[Network] [Input] [Dense(3)] public partial class EmptyShape { }", "Input" },
        { "NC0011", "[Dense(3)] public partial class Forgotten { }", "Dense(3)" },
        { "NC0011", "[Input(4)] public partial class ForgottenInput { }", "Input(4)" },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Invalid_model_reports_its_id_at_the_attribute(string id, string model, string locationText)
    {
        string source = Usings + model;
        var run = GeneratorHarness.Run(source);

        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        int start = source.IndexOf(locationText, System.StringComparison.Ordinal);
        if (id == "NC0005") start = source.LastIndexOf(locationText, System.StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{locationText}' is not in the source");
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(start, locationText.Length), diagnostic.Location.SourceSpan);
        Assert.False(string.IsNullOrWhiteSpace(diagnostic.GetMessage()));
        // An invalid network generates nothing (so no cascade of confusing errors in generated code).
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Messages_say_how_to_fix()
    {
        var run = GeneratorHarness.Run(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(4)] [Dense(3, Activation.Tanh)] public partial class M { }");
        var message = Assert.Single(run.GeneratorDiagnostics).GetMessage();
        Assert.Contains("remove Activation.Tanh", message);

        run = GeneratorHarness.Run(Usings + "[Network] [Input(4)] [Dense(3)] public class M { }");
        Assert.Contains("partial class M", Assert.Single(run.GeneratorDiagnostics).GetMessage());
    }

    [Fact]
    public void Several_problems_are_all_reported()
    {
        var run = GeneratorHarness.Run(Usings + "[Network] [Input(0)] [Dense(-1)] [Dense(2, (Activation)7)] public class M { }");
        Assert.Null(run.Exception);
        Assert.Equal(new[] { "NC0001", "NC0004", "NC0004", "NC0007" }, run.GeneratorDiagnostics.Select(d => d.Id).OrderBy(x => x));
    }

    /// <summary>Attribute uses the compiler itself rejects must not crash the generator either.</summary>
    [Theory]
    [InlineData("[Network] [Input(4)] [Dense] public partial class M { }")]
    [InlineData("[Network] [Input(\"a\")] [Dense(2)] public partial class M { }")]
    [InlineData("[Network] [Input(4)] [Dense(\"x\", Activation.ReLU)] public partial class M { }")]
    [InlineData("[Network(Loss = 3)] [Input(4)] [Dense(2)] public partial class M { }")]
    [InlineData("[Network] [Input(4)] [Dense(2, Bias = 1)] public partial class M { }")]
    [InlineData("[Network] [Input(null)] [Dense(2)] public partial class M { }")]
    [InlineData("[Network] [Input(4)] [Dense(2)] public partial class M { } [Network] [Input(4)] public partial class M { }")]
    public void Malformed_attributes_never_make_the_generator_throw(string model)
    {
        var run = GeneratorHarness.Run(Usings + model);
        Assert.Null(run.Exception);
        Assert.DoesNotContain(run.OutputCompilation.GetDiagnostics(), d => d.Id == "CS8785"); // "generator failed"
    }

    [Fact]
    public void Valid_model_has_no_diagnostics_and_compiles()
    {
        var run = GeneratorHarness.Run(Usings + "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 28, 28)] [Dense(16, Activation.ReLU)] [Dense(10)] public partial class Ok { }");
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.CompilationErrors);
        Assert.Single(run.GeneratedSources);
    }
}
