using System;
using NetCompiler.Tests.Infrastructure;
using System.Linq;
using System.Reflection;
using System.Text;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>The generated constants and interfaces agree with the declared architecture.</summary>
public class ConstantsTests
{
    private static (int Input, int Output, int Parameters, Loss Loss, string Architecture, ulong Hash) Statics(Type t) =>
        ((int, int, int, Loss, string, ulong))typeof(DeclaredNetworks).GetMethod(nameof(DeclaredNetworks.Statics))!
            .MakeGenericMethod(t).Invoke(null, null)!;

    private static object? Const(Type t, string name)
    {
        var f = t.GetField(name, BindingFlags.Public | BindingFlags.Static);
        Assert.True(f is { IsLiteral: true }, $"{t.Name}.{name} should be a public const.");
        return f!.GetRawConstantValue();
    }

    /// <summary>FNV-1a 64 over the UTF-8 bytes.</summary>
    private static ulong Fnv1a64(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(s)) { h ^= b; h *= 1099511628211UL; }
        return h;
    }

    private static NetCase[] AllCases() =>
        DeclaredNetworks.All.Values.Append(DeclaredNetworks.InitProbeCase).Append(DeclaredNetworks.TwinCase)
            .Concat(RandomNetworks.Cases).ToArray();

    [Fact]
    public void Sizes_loss_and_interfaces_match_the_declaration()
    {
        foreach (var c in AllCases())
        {
            var r = c.Reference;
            var s = Statics(c.Type);
            Assert.True((r.InputSize, r.OutputSize, r.ParameterCount, r.Loss) == (s.Input, s.Output, s.Parameters, s.Loss),
                $"{c.Name} ({r}): statics {s}");
            Assert.Equal(r.InputSize, Const(c.Type, "InputSize"));
            Assert.Equal(r.OutputSize, Const(c.Type, "OutputSize"));
            Assert.Equal(r.ParameterCount, Const(c.Type, "ParameterCount"));
            Assert.Equal(s.Architecture, Const(c.Type, "Architecture"));
            Assert.Equal(s.Hash, Const(c.Type, "ArchitectureHash"));
            Assert.Equal(r.Loss == Loss.SoftmaxCrossEntropy, typeof(IClassifier).IsAssignableFrom(c.Type));
            Assert.True(typeof(INetwork<>).MakeGenericType(c.Type).IsAssignableFrom(c.Type));
        }
    }

    [Fact]
    public void Architecture_hash_is_fnv1a_of_the_architecture()
    {
        foreach (var c in AllCases())
        {
            var s = Statics(c.Type);
            Assert.False(string.IsNullOrWhiteSpace(s.Architecture));
            Assert.True(Fnv1a64(s.Architecture) == s.Hash, $"{c.Name}: hash {s.Hash:X16} of \"{s.Architecture}\", FNV-1a gives {Fnv1a64(s.Architecture):X16}");
        }
    }

    [Fact]
    public void Architecture_identifies_the_architecture_not_the_class()
    {
        Assert.Equal(Statics(typeof(Hse37Identity)).Architecture, Statics(typeof(Hse37IdentityTwin)).Architecture);
        var byArchitecture = AllCases().Where(c => c.Type != typeof(Hse37IdentityTwin))
            .GroupBy(c => c.Reference.ToString()).Select(g => g.First()).ToArray();
        var strings = byArchitecture.Select(c => Statics(c.Type).Architecture).ToArray();
        Assert.Equal(strings.Length, strings.Distinct().Count());
        Assert.Equal(strings.Length, byArchitecture.Select(c => Statics(c.Type).Hash).Distinct().Count());
    }
}
