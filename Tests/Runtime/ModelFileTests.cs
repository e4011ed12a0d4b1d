using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public sealed class ModelFileTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("netcompiler-model-");

    public void Dispose() => _dir.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_dir.FullName, name);

    private static SoftmaxClassifier Trained()
    {
        var net = SoftmaxClassifier.Create(1);
        net.LoadParameters([0.5f, -1.25f, 3f, 1e-7f, float.MaxValue, -0f, 2f, -3.5f, 0.125f]);
        return net;
    }

    [Fact]
    public void Crc32_MatchesTheStandardCheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
    }

    [Fact]
    public void Crc32_EightBytesPerStep_MatchesTheBytewiseDefinition()
    {
        // The reflected CRC-32 bit by bit, as its definition states it, over every length and split point.
        static uint Reference(ReadOnlySpan<byte> data)
        {
            uint c = 0xFFFFFFFFu;
            foreach (byte b in data)
            {
                c ^= b;
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            return ~c;
        }
        var bytes = new byte[67];
        new Random(5).NextBytes(bytes);
        for (int length = 0; length <= bytes.Length; length++)
        {
            ReadOnlySpan<byte> data = bytes.AsSpan(0, length);
            Assert.Equal(Reference(data), Crc32.Compute(data));
            for (int split = 0; split <= length; split++)
                Assert.Equal(Reference(data), Crc32.Finish(Crc32.Update(Crc32.Update(Crc32.Initial, data[..split]), data[split..])));
        }
    }

    [Fact]
    public void SaveThenLoad_RoundTripsParametersExactly()
    {
        SoftmaxClassifier net = Trained();
        string path = PathOf("model.ncm");
        ModelFile.Save(net, path);

        var other = SoftmaxClassifier.Create(2);
        ModelFile.Load(other, path);
        Assert.Equal(net.GetParameters(), other.GetParameters());

        SoftmaxClassifier created = ModelFile.Load<SoftmaxClassifier>(path);
        Assert.Equal(net.GetParameters(), created.GetParameters());
        Assert.Empty(Directory.GetFiles(_dir.FullName, "*.tmp"));
    }

    [Fact]
    public void FileLayout_IsAsDocumented()
    {
        SoftmaxClassifier net = Trained();
        string path = PathOf("layout.ncm");
        ModelFile.Save(net, path);
        byte[] b = File.ReadAllBytes(path);
        byte[] arch = Encoding.UTF8.GetBytes(SoftmaxClassifier.Architecture);

        Assert.Equal("NCMF"u8.ToArray(), b[..4]);
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(4)));
        Assert.Equal(SoftmaxClassifier.ArchitectureHash, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8)));
        Assert.Equal(arch.Length, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(16)));
        Assert.Equal(arch, b[20..(20 + arch.Length)]);
        int p = 20 + arch.Length;
        Assert.Equal(9, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(p)));
        float[] expected = net.GetParameters();
        for (int i = 0; i < 9; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(p + 4 + 4 * i)));
        int crcAt = p + 4 + 36;
        Assert.Equal(crcAt + 4, b.Length);
        Assert.Equal(Crc32.Compute(b.AsSpan(0, crcAt)), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(crcAt)));
    }

    [Fact]
    public void StreamWriteAndRead_RoundTrip()
    {
        var ms = new MemoryStream();
        ModelFile.Write(ms, 0x1234_5678_9ABC_DEF0UL, "Input(1) Dense(2) Ünïcode", [1f, 2f]);
        ms.WriteByte(0xEE); // a model can be followed by other data in a stream
        ms.Position = 0;
        ModelFileContents c = ModelFile.Read(ms);
        Assert.Equal(0x1234_5678_9ABC_DEF0UL, c.ArchitectureHash);
        Assert.Equal("Input(1) Dense(2) Ünïcode", c.Architecture);
        Assert.Equal([1f, 2f], c.Parameters);
        Assert.Equal(0xEE, ms.ReadByte());
    }

    [Fact]
    public void CorruptedByte_IsAChecksumMismatch_AndLeavesTheNetworkUnchanged()
    {
        string path = PathOf("corrupt.ncm");
        ModelFile.Save(Trained(), path);
        byte[] b = File.ReadAllBytes(path);
        b[^10] ^= 0x01; // a parameter bit
        File.WriteAllBytes(path, b);

        var net = SoftmaxClassifier.Create(3);
        float[] before = net.GetParameters();
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Load(net, path));
        Assert.Contains("checksum mismatch", ex.Message);
        Assert.Contains("corrupt.ncm", ex.Message);
        Assert.Equal(before, net.GetParameters());
    }

    [Fact]
    public void CorruptedArchitectureString_IsAChecksumMismatch()
    {
        string path = PathOf("arch.ncm");
        ModelFile.Save(Trained(), path);
        byte[] b = File.ReadAllBytes(path);
        b[22] ^= 0x20;
        File.WriteAllBytes(path, b);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Load<SoftmaxClassifier>(path));
        Assert.Contains("checksum mismatch", ex.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(19)]
    [InlineData(30)]
    [InlineData(70)]
    public void TruncatedFile_IsReported(int keep)
    {
        string path = PathOf("cut.ncm");
        ModelFile.Save(Trained(), path);
        byte[] b = File.ReadAllBytes(path);
        Assert.True(keep < b.Length);
        File.WriteAllBytes(path, b[..keep]);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Load<SoftmaxClassifier>(path));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains("cut.ncm", ex.Message);
    }

    [Fact]
    public void TruncatedParameters_SayByteNOfM()
    {
        string path = PathOf("cut2.ncm");
        ModelFile.Save(Trained(), path);
        byte[] b = File.ReadAllBytes(path);
        File.WriteAllBytes(path, b[..(b.Length - 6)]);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains($"truncated at byte {b.Length - 6} of {b.Length} expected", ex.Message);

        // Same through a non-seekable path: a stream read.
        var stream = new MemoryStream(b[..(b.Length - 2)]);
        var ex2 = Assert.Throws<InvalidDataException>(() => ModelFile.Read(stream));
        Assert.Contains($"truncated at byte {b.Length - 2} of {b.Length} expected", ex2.Message);
    }

    [Fact]
    public void TrailingBytesInAFile_AreRejected()
    {
        string path = PathOf("long.ncm");
        ModelFile.Save(Trained(), path);
        File.AppendAllText(path, "x");
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("1 unexpected bytes", ex.Message);
    }

    [Fact]
    public void BadMagic_AndUnsupportedVersion_AreReported()
    {
        string path = PathOf("m.ncm");
        ModelFile.Save(Trained(), path);
        byte[] b = File.ReadAllBytes(path);

        byte[] magic = (byte[])b.Clone();
        magic[0] = (byte)'X';
        File.WriteAllBytes(path, magic);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("bad magic number 58434D46", ex.Message);

        byte[] version = (byte[])b.Clone();
        version[4] = 3;   // 1 and 2 (with state) are read
        File.WriteAllBytes(path, version);
        var ex2 = Assert.Throws<InvalidDataException>(() => ModelFile.Read(path));
        Assert.Contains("unsupported format version 3", ex2.Message);
    }

    [Fact]
    public void OtherArchitecture_IsRefused_NamingBoth_AndLeavesTheNetworkUnchanged()
    {
        var regressor = Regressor.Create(1);
        regressor.LoadParameters([1f, 2f, 3f]);
        string path = PathOf("regressor.ncm");
        ModelFile.Save(regressor, path);

        var tanh = TanhRegressor.Create(5); // same parameter count, other architecture
        float[] before = tanh.GetParameters();
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Load(tanh, path));
        Assert.True(ModelFile.IsArchitectureMismatch(ex));
        Assert.Contains(Regressor.Architecture, ex.Message);
        Assert.Contains(TanhRegressor.Architecture, ex.Message);
        Assert.Contains("regressor.ncm", ex.Message);
        Assert.Equal(TanhRegressor.Architecture, ex.Data[ModelFile.ExpectedArchitectureKey]);
        Assert.Equal(Regressor.Architecture, ex.Data[ModelFile.FileArchitectureKey]);
        Assert.Equal(before, tanh.GetParameters());

        var ex2 = Assert.Throws<InvalidDataException>(() => ModelFile.Load<SoftmaxClassifier>(path));
        Assert.True(ModelFile.IsArchitectureMismatch(ex2));
        Assert.False(ModelFile.IsArchitectureMismatch(new InvalidDataException("x")));
    }

    [Fact]
    public void SameArchitectureStringWithWrongParameterCount_IsRefused()
    {
        string path = PathOf("count.ncm");
        ModelFile.Write(path, Regressor.ArchitectureHash, Regressor.Architecture, [1f, 2f]);
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Load<Regressor>(path));
        Assert.True(ModelFile.IsArchitectureMismatch(ex));
        Assert.Contains("2 parameters", ex.Message);
    }

    [Fact]
    public void FailedSave_LeavesTheExistingFileIntact_AndNoTemporaryFile()
    {
        string path = PathOf("keep.ncm");
        ModelFile.Save(Trained(), path);
        byte[] original = File.ReadAllBytes(path);

        var failing = SoftmaxClassifier.Create(9);
        failing.ThrowOnCopy = true; // throws after the header has been written to the temporary file
        Assert.Throws<InvalidOperationException>(() => ModelFile.Save(failing, path));

        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_dir.FullName));
    }

    [Fact]
    public void Save_OverwritesAnExistingFile()
    {
        string path = PathOf("over.ncm");
        ModelFile.Save(Trained(), path);
        var second = SoftmaxClassifier.Create(4);
        ModelFile.Save(second, path);
        Assert.Equal(second.GetParameters(), ModelFile.Load<SoftmaxClassifier>(path).GetParameters());
        Assert.Single(Directory.GetFiles(_dir.FullName));
    }
}
