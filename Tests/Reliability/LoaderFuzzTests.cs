using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using NetCompiler.Tests.Infrastructure;
using NetCompiler.Tests.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// The model and data loaders against damaged input: truncation at every offset, every bit flipped, huge header
/// fields, gzip bombs and streams that return one byte per read. Each input gives success or an
/// <see cref="InvalidDataException"/> with NetCompiler's own message, allocating at most <see cref="MemoryBound"/>,
/// and a failed load leaves the network unchanged. Inputs that once failed live in Reliability/Corpus.
/// </summary>
public class LoaderFuzzTests
{
    /// <summary>
    /// Allocation allowed for one load. The loaders never trust a header's size: IDX data is read into 16 MB and grown
    /// by doubling as data arrives, so a load allocates at most 16 MB plus twice the bytes actually present; the largest
    /// input here (a gzip bomb) inflates to 64 MB.
    /// </summary>
    private const long MemoryBound = 160L << 20;

    private readonly ITestOutputHelper _output;

    public LoaderFuzzTests(ITestOutputHelper output) => _output = output;

    private static readonly byte[] Images =
    [
        0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
        0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6,
    ];

    private static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    /// <summary>Every truncation and every single-bit flip of <paramref name="valid"/>.</summary>
    internal static IEnumerable<byte[]> Mutations(byte[] valid)
    {
        for (int length = 0; length < valid.Length; length++) yield return valid.AsSpan(0, length).ToArray();
        for (int bit = 0; bit < valid.Length * 8; bit++)
        {
            var b = (byte[])valid.Clone();
            b[bit / 8] ^= (byte)(1 << (bit % 8));
            yield return b;
        }
    }

    private static IEnumerable<byte[]> Corpus(string prefix)
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Reliability", "Corpus");
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, prefix + "*").OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes)
            : Enumerable.Empty<byte[]>();
    }

    /// <summary>Runs <paramref name="load"/>; true on success, false on our InvalidDataException; fails otherwise.</summary>
    private static bool Outcome(Action load, string prefix, string what)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            load();
            return true;
        }
        catch (InvalidDataException ex)
        {
            Assert.StartsWith(prefix, ex.Message);
            Assert.DoesNotContain("unsupported compression method", ex.Message, StringComparison.OrdinalIgnoreCase);
            return false;
        }
        catch (Exception ex)
        {
            Assert.Fail($"{what}: {ex.GetType().Name} instead of InvalidDataException: {ex.Message}");
            return false;
        }
        finally
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < MemoryBound, $"{what}: allocated {allocated:N0} bytes");
        }
    }

    [Fact]
    public void Idx_plain_and_gzip_give_data_or_our_InvalidDataException()
    {
        int tried = 0, loaded = 0;
        var inputs = Mutations(Images).Concat(Mutations(Gzip(Images))).Concat(Corpus("idx-")).Concat(HugeHeaders()).ToList();
        foreach (var input in inputs)
        {
            tried++;
            if (Outcome(() => Idx.ReadImages(new MemoryStream(input)), "IDX stream: ", $"IDX input {tried}")) loaded++;
            if (Outcome(() => Idx.ReadImages(new ChunkedStream(input, 1)), "IDX stream: ", $"IDX input {tried}, one byte per read")) loaded++;
        }
        string summary = $"LoaderFuzzTests: {tried} IDX inputs (each read whole and one byte per read), {loaded} reads succeeded";
        _output.WriteLine(summary);
        TestReport.Line(summary);
    }

    /// <summary>Dimensions of up to 4 × 10⁹ that the data does not hold, plain and as a gzip bomb (a few KB that inflate
    /// to far more than the header claims, or than memory holds).</summary>
    private static IEnumerable<byte[]> HugeHeaders()
    {
        foreach (uint n in new[] { 0xFFFFFFFFu, 0x7FFFFFFFu, 60000u })
        {
            var header = new byte[16];
            header[2] = 0x08; header[3] = 0x03;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), n);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), n == 60000 ? 28u : n);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), n == 60000 ? 28u : n);
            yield return header;
            yield return Gzip(header.Concat(new byte[64 << 20]).ToArray()); // 64 MB of zeros in ≈ 64 KB
        }
    }

    [Fact]
    public void ModelFile_gives_a_network_or_our_InvalidDataException_and_leaves_it_unchanged()
    {
        var source = SoftmaxClassifier.Create(7);
        var stream = new MemoryStream();
        ModelFile.Save(source, stream);
        byte[] valid = stream.ToArray();

        int tried = 0, loaded = 0;
        foreach (var input in Mutations(valid).Concat(Corpus("ncmf-")).Append(valid))
        {
            tried++;
            foreach (bool slow in new[] { false, true })
            {
                var net = SoftmaxClassifier.Create(3);
                float[] before = net.GetParameters();
                Stream s = slow ? new ChunkedStream(input, 1) : new MemoryStream(input);
                if (Outcome(() => ModelFile.Load(net, s), "Model stream: ", $"model input {tried}"))
                {
                    loaded++;
                    Assert.Equal(source.GetParameters(), net.GetParameters());
                }
                else Assert.Equal(before, net.GetParameters());
            }
        }
        Assert.True(loaded >= 2, "the valid file loads, whole and one byte per read");
        string summary = $"LoaderFuzzTests: {tried} model-file inputs (each read whole and one byte per read), {loaded} loads succeeded";
        _output.WriteLine(summary);
        TestReport.Line(summary);
    }
}
