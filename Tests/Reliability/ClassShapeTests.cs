using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using NetCompiler.Generator.Parsing;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// Every class shape a user can write either builds (no error at all, warnings included) or is refused with an NC
/// diagnostic at the user's code: never a C# error inside the generated file.
/// </summary>
public class ClassShapeTests
{
    private const string Usings = "using NetCompiler;\nnamespace Models;\n";
    private const string Layers = "[Network] [Input(4)] [Dense(3)]";

    public static TheoryData<string, string> Refused => new()
    {
        // id, source (the diagnostic is at the first "Network")
        { "NC0008", $"{Layers} public partial class Net(string label) {{ public string Label => label; }}" },
        { "NC0008", $"{Layers} file partial class Net {{ }}" },
        { "NC0008", $"file partial class Outer {{ {Layers} public partial class Net {{ }} }}" },
        { "NC0008", $"{Layers} public partial class Derived : Base {{ }}\n[Network] [Input(4)] [Dense(2)] public partial class Base {{ }}" },
        { "NC0008", $"{Layers} public partial class Generic<T> {{ }}" },
        { "NC0008", $"public partial class Outer<T> {{ {Layers} public partial class Net {{ }} }}" },
        { "NC0008", $"{Layers} public partial record Net {{ }}" },
        { "NC0008", $"{Layers} public partial record class Net {{ }}" },
        { "NC0013", $"{Layers} public partial class Net {{ private int FirstParameter; }}" },
        { "NC0013", $"{Layers} public partial class Net {{ private int _start; }}" },
        { "NC0013", $"{Layers} public partial class Net {{ private const int PredictWorkspaceSize = 1; }}" },
        { "NC0013", $"{Layers} public partial class Net {{ private const int TrainingWorkspaceSize = 1; }}" },
        { "NC0013", $"{Layers} public partial class Net {{ private static int Layer1Bias; }}" },
        { "NC0013", $"{Layers} public partial class Net {{ class GeneratedKernels {{ }} }}" },
        { "NC0013", $"{Layers} public partial class GeneratedKernels {{ }}" },
        { "NC0013", $"{Layers} public partial class InitializeParameters {{ }}" },
        { "NC0013", $"{Layers} public partial class Layer1Bias {{ }}" },
        { "NC0013", $"{Layers} public partial class Net : Base {{ }}\npublic class Base {{ public void Predict() {{ }} }}" },
        { "NC0013", $"{Layers} public partial class Net : Base {{ }}\npublic class Base {{ protected int ParameterCount; }}" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Unsupported_shape_is_an_NC_diagnostic_at_the_users_code(string id, string model)
    {
        string source = Usings + model;
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        var diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == id);
        Assert.Equal(source.IndexOf("Network", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        // Nothing is generated for the refused network, so no C# error appears in a generated file.
        Assert.DoesNotContain(run.CompilationErrors, d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs") == true);
        Assert.All(run.CompilationErrors.Concat(run.GeneratorDiagnostics), d => Assert.StartsWith("NC", d.Id));
    }

    public static TheoryData<string> Supported => new()
    {
        $"{Layers} public partial class Net {{ }}",
        $"{Layers} internal sealed partial class Net {{ }}",
        $"public partial class Outer {{ {Layers} private partial class Net {{ }} }}",
        $"public partial struct Outer {{ {Layers} public partial class Net {{ }} }}",
        $"public partial record Outer {{ {Layers} public partial class Net {{ }} }}",
        $"public partial record struct Outer {{ {Layers} public partial class Net {{ }} }}",
        $"public partial interface IOuter {{ {Layers} public partial class Net {{ }} }}",
        $"public static partial class Outer {{ public partial class Middle {{ {Layers} public partial class Net {{ }} }} }}",
        $"{Layers} public partial class @class {{ }}",
        $"{Layers} public partial class Net : Base {{ }}\npublic class Base {{ public int Epochs; protected void Log() {{ }} }}",
        $"{Layers} public partial class Net : System.IDisposable {{ public void Dispose() {{ }} }}",
        $"{Layers} public partial class Net {{ public Net(string name) : this() {{ Name = name; }} public string Name {{ get; }} = \"\"; }}",
        $"{Layers} public partial class Net {{ private int _other = 1; public int Layer1Biases => _other; public int Layer0x => _other; }}",
        // Aliases of the attributes and of the namespace.
        "using N = NetCompiler.NetworkAttribute;\nusing D = NetCompiler.DenseAttribute;\n[N] [Input(4)] [D(3)] public partial class Net { }",
        "using NC = NetCompiler;\n[NC.Network] [NC.Input(4)] [NC.Dense(3, NC.Activation.ReLU)] public partial class Net { }",
        // Two networks in one project, one nested in the other.
        $"{Layers} public partial class Net {{ [Network] [Input(2)] [Dense(1)] public partial class Inner {{ }} }}",
    };

    /// <summary>Shapes that build: no error and no warning anywhere (builds that treat warnings as errors pass).</summary>
    [Theory]
    [MemberData(nameof(Supported))]
    public void Supported_shape_builds_without_warnings(string model)
    {
        string source = "using NetCompiler;\n" + (model.StartsWith("using", StringComparison.Ordinal)
            ? model.Replace("\n[", "\nnamespace Models;\n[", StringComparison.Ordinal)
            : "namespace Models;\n" + model);
        var run = GeneratorHarness.Run(source);
        Assert.Null(run.Exception);
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.NotEmpty(run.GeneratedSources);
        var problems = run.OutputCompilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS1591").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>
    /// The parser's list of generated members covers every member the emitter declares in a network class, so that
    /// NC0013 catches every clash: checked on networks that take every path (unrolled, fused, lanes, convolutions,
    /// training by parts).
    /// </summary>
    [Fact]
    public void Every_generated_member_is_known_to_the_conflict_check()
    {
        string[] models =
        {
            "[Network] [Input(2)] [Dense(3, Activation.Tanh)] [Dense(1)] public partial class Tiny { }",
            "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(784)] [Dense(128, Activation.ReLU)] [Dense(10)] public partial class Mlp { }",
            "[Network(Loss = Loss.SoftmaxCrossEntropy)] [Input(1, 28, 28)] [Conv2D(6, 5, Padding = 2, Activation = Activation.ReLU)] [MaxPool2D(2)] [Conv2D(16, 5, Activation.ReLU)] [AvgPool2D(2)] [Dense(84, Activation.ReLU)] [Dense(10)] public partial class Conv { }",
            "[Network] [Input(3000)] [Dense(1024, Activation.ReLU)] [Dense(4)] public partial class Wide { }",
        };
        var run = GeneratorHarness.Run(models.Select(m => Usings + m).ToArray());
        Assert.Empty(run.GeneratorDiagnostics);
        var missing = new SortedSet<string>();
        foreach (var tree in run.GeneratedTrees)
            foreach (var type in tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Where(c => c.Parent is not ClassDeclarationSyntax && !IsKernelClass(c)))
                foreach (var member in type.Members)
                {
                    if (member is MethodDeclarationSyntax { ExplicitInterfaceSpecifier: not null }
                        or PropertyDeclarationSyntax { ExplicitInterfaceSpecifier: not null }
                        or ConstructorDeclarationSyntax) continue;
                    foreach (var name in Names(member))
                        if (!NetworkParser.IsGeneratedMember(name)) missing.Add(name);
                }
        Assert.True(missing.Count == 0, "Generated members the conflict check does not know: " + string.Join(", ", missing));
    }

    /// <summary>The file-local kernel class, in the generator's own namespace: not a member of the network class.</summary>
    private static bool IsKernelClass(ClassDeclarationSyntax c)
        => c.Parent is BaseNamespaceDeclarationSyntax ns && ns.Name.ToString() == "NetCompiler.Generated";

    private static IEnumerable<string> Names(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => new[] { m.Identifier.Text },
        PropertyDeclarationSyntax p => new[] { p.Identifier.Text },
        BaseTypeDeclarationSyntax t => new[] { t.Identifier.Text },
        BaseFieldDeclarationSyntax f => f.Declaration.Variables.Select(v => v.Identifier.Text),
        _ => throw new InvalidOperationException("Unexpected generated member: " + member.Kind()),
    };
}
