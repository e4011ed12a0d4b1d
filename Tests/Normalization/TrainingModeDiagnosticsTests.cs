using System.Linq;
using Microsoft.CodeAnalysis;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Normalization;

/// <summary>The settings of [BatchNorm] and [Dropout] that cannot work are errors at the attribute (NC0070–NC0073).</summary>
public class TrainingModeDiagnosticsTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";

    public static TheoryData<string, string, string> InvalidModels => new()
    {
        { "NC0070", "[Network] [Input(4)] [Dense(3)] [Dropout(1f)] [Dense(1)] public partial class DropAll { }", "Dropout(1f)" },
        { "NC0070", "[Network] [Input(4)] [Dense(3)] [Dropout(-0.1f)] [Dense(1)] public partial class DropNegative { }", "Dropout(-0.1f)" },
        { "NC0070", "[Network] [Input(4)] [Dense(3)] [Dropout(float.NaN)] [Dense(1)] public partial class DropNaN { }", "Dropout(float.NaN)" },
        { "NC0071", "[Network] [Input(4)] [Dense(3)] [BatchNorm(Epsilon = 0f)] [Dense(1)] public partial class ZeroEpsilon { }", "BatchNorm(Epsilon = 0f)" },
        { "NC0071", "[Network] [Input(4)] [Dense(3)] [BatchNorm(Epsilon = float.PositiveInfinity)] [Dense(1)] public partial class InfiniteEpsilon { }", "BatchNorm(Epsilon = float.PositiveInfinity)" },
        { "NC0072", "[Network] [Input(4)] [Dense(3)] [BatchNorm(Momentum = 1.5f)] [Dense(1)] public partial class BigMomentum { }", "BatchNorm(Momentum = 1.5f)" },
        { "NC0072", "[Network] [Input(4)] [Dense(3)] [BatchNorm(Momentum = float.NaN)] [Dense(1)] public partial class NaNMomentum { }", "BatchNorm(Momentum = float.NaN)" },
        { "NC0073", "[Network] [Input(1, 8, 8)] [BatchNorm] [Conv2D(2, 3)] [Dense(1)] public partial class NormalisedInput { }", "BatchNorm" },
    };

    [Theory]
    [MemberData(nameof(InvalidModels))]
    public void Invalid_setting_reports_its_id_at_the_attribute(string id, string model, string locationText)
    {
        string source = Usings + model;
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        int start = source.IndexOf("[" + locationText, System.StringComparison.Ordinal) + 1;
        Assert.Equal(new Microsoft.CodeAnalysis.Text.TextSpan(start, locationText.Length), diagnostic.Location.SourceSpan);
        Assert.Empty(run.GeneratedSources);
    }

    [Fact]
    public void Valid_settings_generate_a_network_without_diagnostics()
    {
        var run = GeneratorHarness.Run(Usings + "[Network] [Input(4)] [Dense(3)] [BatchNorm(Activation.ReLU, Momentum = 0f, Epsilon = 1e-3f)] [Dropout(0f)] [Dense(1)] public partial class Fine { }");
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.Empty(run.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
