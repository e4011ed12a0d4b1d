using System;
using System.IO;
using System.IO.Compression;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public sealed class IdxTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("netcompiler-idx-");

    public void Dispose() => _dir.Delete(recursive: true);

    // 2 images of 2 × 3 pixels, written byte by byte.
    private static readonly byte[] ImagesFile =
    [
        0x00, 0x00, 0x08, 0x03, // magic: unsigned byte, 3 dimensions
        0x00, 0x00, 0x00, 0x02, // 2 images
        0x00, 0x00, 0x00, 0x02, // 2 rows
        0x00, 0x00, 0x00, 0x03, // 3 columns
        0, 51, 102, 153, 204, 255, // image 0
        1, 2, 3, 4, 5, 6, // image 1
    ];

    private static readonly byte[] LabelsFile =
    [
        0x00, 0x00, 0x08, 0x01, // magic: unsigned byte, 1 dimension
        0x00, 0x00, 0x00, 0x02, // 2 labels
        7, 3,
    ];

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static byte[] Gzip(byte[] bytes)
    {
        var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    private static byte[] Cut(byte[] bytes, int length) => bytes.AsSpan(0, length).ToArray();

    [Fact]
    public void ReadImages_Plain()
    {
        IdxImages images = Idx.ReadImages(Write("images.idx", ImagesFile));
        Assert.Equal(2, images.Count);
        Assert.Equal(2, images.Rows);
        Assert.Equal(3, images.Columns);
        Assert.Equal(6, images.PixelsPerImage);
        Assert.Equal(ImagesFile.AsSpan(16).ToArray(), images.Data);
    }

    [Fact]
    public void ReadImages_Gzip_IsDetectedByMagicNotName()
    {
        // Gzipped content under a plain name, and plain content under a .gz name.
        IdxImages gz = Idx.ReadImages(Write("images-ubyte", Gzip(ImagesFile)));
        Assert.Equal(ImagesFile.AsSpan(16).ToArray(), gz.Data);
        IdxImages plain = Idx.ReadImages(Write("images-ubyte.gz", ImagesFile));
        Assert.Equal(ImagesFile.AsSpan(16).ToArray(), plain.Data);
        Assert.Equal([7, 3], Idx.ReadLabels(Write("labels", Gzip(LabelsFile))));
    }

    [Fact]
    public void ReadFromNonSeekableStreams_PlainAndGzip()
    {
        using (var s = new NetCompiler.Tests.Infrastructure.ChunkedStream(ImagesFile, 3))
            Assert.Equal(2, Idx.ReadImages(s).Count);
        using (var s = new NetCompiler.Tests.Infrastructure.ChunkedStream(Gzip(ImagesFile), 3))
            Assert.Equal(ImagesFile.AsSpan(16).ToArray(), Idx.ReadImages(s).Data);
        using (var s = new NetCompiler.Tests.Infrastructure.ChunkedStream(Gzip(LabelsFile), 3))
            Assert.Equal([7, 3], Idx.ReadLabels(s));
    }

    [Fact]
    public void LoadDataset_NormalisesAndConvertsLabels()
    {
        string images = Write("i.idx", ImagesFile), labels = Write("l.idx.gz", Gzip(LabelsFile));
        Dataset d = Idx.LoadDataset(images, labels);
        Assert.Equal(2, d.Count);
        Assert.Equal(6, d.FeatureSize);
        Assert.Equal([0f, 0.2f, 0.4f, 0.6f, 0.8f, 1f], d.GetFeatures(0).ToArray());
        Assert.Equal([7, 3], d.Labels!);

        Dataset raw = Idx.LoadDataset(images, labels, normalize: false);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], raw.GetFeatures(1).ToArray());
    }

    [Fact]
    public void LoadDataset_CountMismatch_NamesBothFiles()
    {
        byte[] threeLabels = [0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3];
        string images = Write("imgs.idx", ImagesFile), labels = Write("three.idx", threeLabels);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.LoadDataset(images, labels));
        Assert.Contains("count mismatch", ex.Message);
        Assert.Contains("imgs.idx", ex.Message);
        Assert.Contains("three.idx", ex.Message);
        Assert.Contains("2 images", ex.Message);
        Assert.Contains("3 labels", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedData_ReportsWhereAndHowMuch(bool gzip)
    {
        byte[] cut = Cut(ImagesFile, 20); // header + 4 of 12 pixel bytes
        string path = Write("cut.idx", gzip ? Gzip(cut) : cut);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Contains("cut.idx", ex.Message);
        Assert.Contains("truncated at byte 20 of 28 expected", ex.Message);
    }

    [Fact]
    public void TruncatedHeader_IsReported()
    {
        string path = Write("short.idx", Cut(ImagesFile, 10));
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Contains("truncated at byte 10 of 16 expected", ex.Message);

        var empty = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(Write("empty.idx", [])));
        Assert.Contains("truncated at byte 0 of 8 expected", empty.Message);
    }

    [Fact]
    public void TruncatedGzipStream_IsInvalidData()
    {
        byte[] gz = Gzip(ImagesFile);
        string path = Write("cut.gz", Cut(gz, gz.Length - 12)); // lose the end of the deflate data and the trailer
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(path));
        Assert.Contains("cut.gz", ex.Message);
    }

    [Fact]
    public void BadMagic_IsReported()
    {
        byte[] bad = (byte[])ImagesFile.Clone();
        bad[0] = 0x12;
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(Write("bad.idx", bad)));
        Assert.Contains("bad.idx", ex.Message);
        Assert.Contains("bad magic number 0x12000803", ex.Message);
    }

    [Fact]
    public void UnsupportedElementType_IsReported()
    {
        byte[] floats = (byte[])ImagesFile.Clone();
        floats[2] = 0x0D;
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(Write("f.idx", floats)));
        Assert.Contains("unsupported element type 0x0D (float32)", ex.Message);
    }

    [Fact]
    public void WrongRank_IsADimensionMismatch()
    {
        string labels = Write("labels.idx", LabelsFile);
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(labels));
        Assert.Contains("dimension mismatch", ex.Message);
        Assert.Contains("labels file", ex.Message);

        string images = Write("images.idx", ImagesFile);
        var ex2 = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(images));
        Assert.Contains("dimension mismatch", ex2.Message);
    }

    [Fact]
    public void TrailingBytes_AreRejected()
    {
        byte[] longer = [.. LabelsFile, 9];
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(Write("long.idx", longer)));
        Assert.Contains("unexpected data after the 10 bytes", ex.Message);
    }

    [Fact]
    public void ZeroSizedImages_AreRejected()
    {
        byte[] zero = (byte[])ImagesFile.Clone();
        zero[11] = 0; // 0 rows
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadImages(new MemoryStream(zero), "zero"));
        Assert.Contains("'zero'", ex.Message);
        Assert.Contains("rows and columns must be positive", ex.Message);
    }

    [Fact]
    public void StreamErrors_SayStreamWhenUnnamed()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Idx.ReadLabels(new MemoryStream(Cut(LabelsFile, 9))));
        Assert.StartsWith("IDX stream: truncated at byte 9 of 10 expected", ex.Message);
    }
}
