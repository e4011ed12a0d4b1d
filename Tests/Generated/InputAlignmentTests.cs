using System;
using NetCompiler.Tests.Infrastructure;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// Where an input starts in memory must not change what <c>Predict</c> computes. The generated <c>Predict</c> of a network
/// whose first layer is read row by row (Rows144Sce, on the AVX-512 path only) copies an input that is not on a 64-byte
/// boundary to one first; the others read it where it is. Each sample is placed at every float offset of a 64-byte line.
/// </summary>
public class InputAlignmentTests
{
    public static TheoryData<string> Names => new() { nameof(Rows144Sce), nameof(Aligned64), nameof(Sce70ReLU) };

    [Theory]
    [MemberData(nameof(Names))]
    public void Predict_gives_the_same_bits_wherever_the_input_starts(string name)
    {
        var c = DeclaredNetworks.All[name];
        var r = c.Reference;
        var rng = new Random(71);
        var net = c.Create(5);
        double[] p = NetworkChecks.ToDouble(NetworkChecks.RandomiseBiases(net, r, rng));
        float[] sample = NetworkChecks.RandomFloats(rng, r.InputSize);
        double[] expected = r.Predict(p, NetworkChecks.ToDouble(sample));

        // A pinned array, so that the offsets below are offsets from a fixed 64-byte boundary.
        float[] buffer = GC.AllocateArray<float>(r.InputSize + 32, pinned: true);
        int start = FirstAligned(buffer);
        float[]? first = null;
        for (int offset = 0; offset < 16; offset++)
        {
            Array.Fill(buffer, float.NaN);
            sample.CopyTo(buffer, start + offset);
            var y = new float[r.OutputSize];
            net.Predict(buffer.AsSpan(start + offset, r.InputSize), y);
            NetworkChecks.AssertClose(expected, y, 1e-4, 1e-5, $"{name} Predict, input at float {offset} of a 64-byte line");
            first ??= y;
            Assert.True(first.SequenceEqual(y), $"{name}: the input at float {offset} of a line gave other bits than at float 0");
        }
    }

    [Fact]
    public void Predict_of_an_unaligned_input_does_not_allocate_once_warm()
    {
        var c = DeclaredNetworks.All[nameof(Rows144Sce)];
        var net = c.Create(3);
        float[] buffer = GC.AllocateArray<float>(c.Reference.InputSize + 32, pinned: true);
        var x = buffer.AsMemory(FirstAligned(buffer) + 3, c.Reference.InputSize);
        NetworkChecks.RandomFloats(new Random(4), c.Reference.InputSize).CopyTo(x);
        var y = new float[c.Reference.OutputSize];
        for (int k = 0; k < 200; k++) net.Predict(x.Span, y);
        Assert.Equal(0, AllocationAndThreadingTests.AllocatedBytes(() => { for (int k = 0; k < 1000; k++) net.Predict(x.Span, y); }));
    }

    [Fact]
    public void Only_an_unaligned_input_is_copied()
    {
        var c = DeclaredNetworks.All[nameof(Rows144Sce)];
        var net = c.Create(3);
        var field = typeof(Rows144Sce).GetField("t_AlignedInput", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        float[] buffer = GC.AllocateArray<float>(c.Reference.InputSize + 32, pinned: true);
        int start = FirstAligned(buffer);
        var y = new float[c.Reference.OutputSize];
        bool? afterAligned = null, afterUnaligned = null;
        // A fresh thread: its copy buffer is made by the first call that needs one.
        var thread = new System.Threading.Thread(() =>
        {
            net.Predict(buffer.AsSpan(start, c.Reference.InputSize), y);
            afterAligned = field.GetValue(null) is not null;
            net.Predict(buffer.AsSpan(start + 1, c.Reference.InputSize), y);
            afterUnaligned = field.GetValue(null) is not null;
        });
        thread.Start();
        thread.Join();
        Assert.False(afterAligned, "an input on a 64-byte boundary was copied");
        // Only the AVX-512 kernel reads layer 1's input row by row; the other paths never copy it.
        Assert.Equal(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated, afterUnaligned);
    }

    /// <summary>The index of the first float of a pinned array that is on a 64-byte boundary.</summary>
    private static int FirstAligned(float[] pinned)
    {
        nint address = System.Runtime.CompilerServices.Unsafe.ByteOffset(
            ref System.Runtime.CompilerServices.Unsafe.NullRef<float>(), ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((-address & 63) / 4);
    }
}
