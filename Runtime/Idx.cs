using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;

namespace NetCompiler;

/// <summary>Images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> bytes, row-major.</summary>
/// <param name="Data">The pixels, <c>Count × Rows × Columns</c> bytes, image after image, each row-major.</param>
/// <param name="Count">Number of images.</param>
/// <param name="Rows">Rows per image.</param>
/// <param name="Columns">Columns per image.</param>
public sealed record IdxImages(byte[] Data, int Count, int Rows, int Columns)
{
    /// <summary>Bytes per image, <c>Rows × Columns</c>.</summary>
    public int PixelsPerImage => Rows * Columns;
}

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST: a big-endian header <c>00 00 type rank</c>, then <c>rank</c>
/// big-endian 32-bit dimensions, then the elements. Images are <c>0x00000803</c> (unsigned bytes, count × rows × columns),
/// labels <c>0x00000801</c> (unsigned bytes, count). A file may be gzip-compressed; that is detected from its first two bytes
/// (<c>1f 8b</c>), not its name. Malformed or truncated input throws <see cref="InvalidDataException"/> saying what is wrong.
/// </summary>
public static class Idx
{
    /// <summary>Magic number of an IDX file of unsigned-byte images (rank 3).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (rank 1).</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByteType = 0x08;
    private const int InitialChunk = 1 << 24;

    /// <summary>Reads an images file (plain or gzip).</summary>
    /// <exception cref="InvalidDataException">The file is malformed or truncated.</exception>
    public static IdxImages ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return ReadImages(stream, path);
    }

    /// <summary>Reads images (plain or gzip) from <paramref name="stream"/>, which is left open.</summary>
    /// <param name="stream">The input, read from its current position.</param>
    /// <param name="sourceName">A name for the input used in error messages, e.g. its file name.</param>
    /// <exception cref="InvalidDataException">The input is malformed or truncated.</exception>
    public static IdxImages ReadImages(Stream stream, string? sourceName = null)
    {
        Span<int> dims = stackalloc int[3];
        byte[] data = Read(stream, dims, "images", sourceName);
        return new IdxImages(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a labels file (plain or gzip).</summary>
    /// <exception cref="InvalidDataException">The file is malformed or truncated.</exception>
    public static byte[] ReadLabels(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return ReadLabels(stream, path);
    }

    /// <summary>Reads labels (plain or gzip) from <paramref name="stream"/>, which is left open.</summary>
    /// <param name="stream">The input, read from its current position.</param>
    /// <param name="sourceName">A name for the input used in error messages, e.g. its file name.</param>
    /// <exception cref="InvalidDataException">The input is malformed or truncated.</exception>
    public static byte[] ReadLabels(Stream stream, string? sourceName = null)
    {
        Span<int> dims = stackalloc int[1];
        return Read(stream, dims, "labels", sourceName);
    }

    /// <summary>
    /// Loads an images file and a labels file into a <see cref="Dataset"/> with one feature per pixel (scaled to [0, 1]
    /// when <paramref name="normalize"/> is set, else 0–255) and integer labels.
    /// </summary>
    /// <exception cref="InvalidDataException">A file is malformed, or the files hold different numbers of samples.</exception>
    public static Dataset LoadDataset(string imagesPath, string labelsPath, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        IdxImages images = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath);
        if (images.Count != labels.Length)
            throw new InvalidDataException(
                $"Image/label count mismatch: IDX file '{imagesPath}' has {images.Count} images but IDX file '{labelsPath}' has {labels.Length} labels.");
        return ToDataset(images, labels, normalize);
    }

    /// <summary>Converts images and labels (one per image) into a <see cref="Dataset"/>, as <see cref="LoadDataset"/> does.</summary>
    /// <exception cref="ArgumentException">The label count differs from the image count.</exception>
    public static Dataset ToDataset(IdxImages images, ReadOnlySpan<byte> labels, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (labels.Length != images.Count)
            throw new ArgumentException($"Expected one label per image ({images.Count}), got {labels.Length}.", nameof(labels));
        byte[] pixels = images.Data;
        var features = new float[pixels.Length];
        if (normalize)
        {
            for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i] / 255f;
        }
        else
        {
            for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i];
        }
        var intLabels = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++) intLabels[i] = labels[i];
        return new Dataset(features, images.PixelsPerImage, intLabels);
    }

    private static byte[] Read(Stream stream, Span<int> dims, string kind, string? source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanRead) throw new ArgumentException("The stream must be readable.", nameof(stream));

        int rank = dims.Length;
        int headerSize = 4 + 4 * rank;

        // Detect gzip from the first two bytes, then hand them back to whichever reader follows.
        var prefix = new byte[2];
        int prefixLength = stream.ReadAtLeast(prefix, 2, throwOnEndOfStream: false);
        bool gzip = prefixLength == 2 && prefix[0] == 0x1f && prefix[1] == 0x8b;
        Stream prefixed = new PrefixedStream(prefix.AsMemory(0, prefixLength), stream);
        using Stream input = gzip ? new GZipStream(prefixed, CompressionMode.Decompress, leaveOpen: true) : prefixed;
        string where = gzip ? " (decompressed)" : "";

        Span<byte> header = stackalloc byte[4];
        int got = ReadFully(input, header, source);
        if (got < 4)
            throw Error(source, $"truncated at byte {got} of {headerSize} expected{where}: the {headerSize}-byte header of an IDX {kind} file is incomplete.");

        int expectedMagic = rank == 3 ? ImagesMagic : LabelsMagic;
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (header[0] != 0 || header[1] != 0)
            throw Error(source, $"bad magic number 0x{magic:X8}: an IDX {kind} file starts with 0x{expectedMagic:X8}.");
        if (header[2] != UnsignedByteType)
            throw Error(source, $"unsupported element type 0x{header[2]:X2} ({TypeName(header[2])}) in magic 0x{magic:X8}: only unsigned bytes (0x08) are supported.");
        if (header[3] != rank)
            throw Error(source, $"dimension mismatch: an IDX {kind} file has {rank} dimension{(rank == 1 ? "" : "s")} (magic 0x{expectedMagic:X8}) but this one has {header[3]} (magic 0x{magic:X8})"
                + (header[3] is 1 or 3 ? $"; is it a{(header[3] == 1 ? " labels" : "n images")} file?" : "."));

        Span<byte> dimBytes = stackalloc byte[4 * 3];
        dimBytes = dimBytes[..(4 * rank)];
        got = ReadFully(input, dimBytes, source);
        if (got < dimBytes.Length)
            throw Error(source, $"truncated at byte {4 + got} of {headerSize} expected{where}: the header's dimensions are incomplete.");

        long total = 1;
        for (int d = 0; d < rank; d++)
        {
            uint dim = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * d, 4));
            if (dim > int.MaxValue)
                throw Error(source, $"dimension {d} is {dim}, which is too large.");
            dims[d] = (int)dim;
            total *= dim;
            if (total > Array.MaxLength)
                throw Error(source, $"the dimensions ({FormatDims(dimBytes, rank)}) describe more than {Array.MaxLength} bytes, which is too large.");
        }

        if (rank == 3 && (dims[1] == 0 || dims[2] == 0))
            throw Error(source, $"images of {dims[1]} × {dims[2]} pixels: rows and columns must be positive.");

        long expectedSize = headerSize + total;
        if (!gzip && stream.CanSeek)
        {
            long available = stream.Length - stream.Position; // the prefix has already been consumed from stream
            if (available < total)
                throw Error(source, $"truncated at byte {headerSize + Math.Max(available, 0)} of {expectedSize} expected ({FormatDims(dimBytes, rank)} {kind}).");
        }

        // Grow the buffer as data arrives, so a corrupt header cannot make us allocate gigabytes up front.
        var data = new byte[(int)Math.Min(total, InitialChunk)];
        int filled = 0;
        while (true)
        {
            int n = ReadFully(input, data.AsSpan(filled), source);
            filled += n;
            if (filled < data.Length)
                throw Error(source, $"truncated at byte {headerSize + filled} of {expectedSize} expected{where} ({FormatDims(dimBytes, rank)} {kind}).");
            if (filled == total) break;
            Array.Resize(ref data, (int)Math.Min(total, 2L * data.Length));
        }

        Span<byte> extra = stackalloc byte[1];
        if (ReadFully(input, extra, source) != 0)
            throw Error(source, $"unexpected data after the {expectedSize} bytes{where} that the header ({FormatDims(dimBytes, rank)} {kind}) describes.");
        return data;
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the input ends; returns the bytes read.</summary>
    private static int ReadFully(Stream input, Span<byte> buffer, string? source)
    {
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = input.Read(buffer[total..]);
                if (n == 0) break;
                total += n;
            }
            return total;
        }
        catch (InvalidDataException ex)
        {
            // GZipStream reports corrupt compressed data this way, in its own words ("unsupported compression
            // method", ...); the inner exception keeps them, the message says what the user needs.
            throw Error(source, "corrupt gzip data: the compressed stream is damaged or is not deflate data; download the file again", ex);
        }
    }

    private static string FormatDims(ReadOnlySpan<byte> dimBytes, int rank)
    {
        var parts = new string[rank];
        for (int d = 0; d < rank; d++) parts[d] = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * d, 4)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Join(" × ", parts);
    }

    private static string TypeName(byte type) => type switch
    {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0B => "int16",
        0x0C => "int32",
        0x0D => "float32",
        0x0E => "float64",
        _ => "unknown",
    };

    private static InvalidDataException Error(string? source, string message, Exception? inner = null)
        => new((source is null ? "IDX stream: " : $"IDX file '{source}': ") + message, inner);

    /// <summary>A read-only stream that yields <c>prefix</c> and then the rest of <c>inner</c> (which is not disposed).</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty) return 0;
            if (!_prefix.IsEmpty)
            {
                int n = Math.Min(buffer.Length, _prefix.Length);
                _prefix.Span[..n].CopyTo(buffer);
                _prefix = _prefix[n..];
                return n;
            }
            return inner.Read(buffer);
        }
    }
}
