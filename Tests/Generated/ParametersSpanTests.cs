using System;
using System.Runtime.CompilerServices;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary><see cref="INetwork.Parameters"/> is the network's live parameter memory in the canonical order.</summary>
public class ParametersSpanTests
{
    [Theory]
    [MemberData(nameof(DeclaredNetworks.Names), MemberType = typeof(DeclaredNetworks))]
    public void Parameters_is_the_live_canonical_parameter_memory(string name)
    {
        NetCase c = DeclaredNetworks.All[name];
        INetwork net = c.Create(3);
        int count = c.Reference.ParameterCount;

        // Same length and contents as CopyParametersTo.
        var copy = new float[count];
        net.CopyParametersTo(copy);
        Assert.Equal(count, net.Parameters.Length);
        Assert.Equal(copy, net.Parameters.ToArray());

        // Writing through the span is what LoadParameters does: outputs agree with a twin loaded the usual way.
        var changed = new float[count];
        for (int i = 0; i < count; i++) changed[i] = copy[i] * 0.5f + 0.01f * (i % 7);
        changed.CopyTo(net.Parameters);
        INetwork twin = c.Create(4);
        twin.LoadParameters(changed);

        var x = new float[c.Reference.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = MathF.Sin(i + 1);
        var y = new float[c.Reference.OutputSize];
        var yTwin = new float[c.Reference.OutputSize];
        net.Predict(x, y);
        twin.Predict(x, yTwin);
        Assert.Equal(yTwin, y);
        net.CopyParametersTo(copy);
        Assert.Equal(changed, copy);
    }

    [Theory]
    [MemberData(nameof(DeclaredNetworks.Names), MemberType = typeof(DeclaredNetworks))]
    public void The_largest_layers_weights_start_on_a_cache_line_and_stay_there(string name)
    {
        NetCase c = DeclaredNetworks.All[name];
        ReferenceNetwork r = c.Reference;
        int largest = 0;
        for (int l = 1; l < r.Layers.Count; l++)
            if (r.FanIn(l) * r.OutputShapeOf(l).Size > r.FanIn(largest) * r.OutputShapeOf(largest).Size) largest = l;
        int first = r.WeightIndex(largest, 0, 0);

        for (int i = 0; i < 3; i++)
        {
            INetwork net = c.Create(i);
            Assert.Equal(0, AddressOf(net.Parameters, first) % 64);
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Assert.Equal(0, AddressOf(net.Parameters, first) % 64);
        }
    }

    /// <summary>The address of element <paramref name="index"/> of <paramref name="span"/>, as a number.</summary>
    internal static long AddressOf(Span<float> span, int index) =>
        Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref span[index]);
}
