using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace NetCompiler;

/// <summary>The contents of a model file, as read by <see cref="ModelFile.Read(Stream, string?)"/>.</summary>
/// <param name="ArchitectureHash">The architecture hash stored in the file (<see cref="INetwork{TSelf}.ArchitectureHash"/> of the saving network).</param>
/// <param name="Architecture">The architecture string stored in the file (<see cref="INetwork{TSelf}.Architecture"/> of the saving network).</param>
/// <param name="Parameters">The parameters, in the canonical order.</param>
public sealed record ModelFileContents(ulong ArchitectureHash, string Architecture, float[] Parameters)
{
    /// <summary>
    /// The network's state (<see cref="ITrainingModeNetwork.State"/>: the running statistics of batch-normalisation
    /// layers); empty for a file without state (format version 1).
    /// </summary>
    public float[] State { get; init; } = [];
}

/// <summary>
/// Saves and loads trained parameters in a small versioned binary format (all integers little-endian):
/// <code>
/// offset  size  field
/// 0       4     magic "NCMF"
/// 4       4     uint32 format version (1)
/// 8       8     uint64 architecture hash
/// 16      4     int32 L, byte length of the architecture string
/// 20      L     architecture string, UTF-8
/// 20+L    4     int32 P, parameter count
/// 24+L    4·P   float32 parameters, little-endian, canonical order
/// 24+L+4P 4     uint32 CRC-32 (IEEE 802.3, as zlib) of every preceding byte
/// </code>
/// A network with state (<see cref="ITrainingModeNetwork.State"/>: the running statistics of batch-normalisation layers)
/// writes version 2, which puts an int32 S and S float32s of state between the parameters and the CRC; every other
/// network writes version 1, so its files are byte for byte what builds before version 2 wrote. Both versions are read.
/// Loading validates the whole file (magic, version, length, checksum, architecture, parameter count) before touching the
/// network, so a failed load never leaves it half-loaded. Saving to a path writes a temporary file in the same directory
/// and renames it over the target, so a failure never leaves a half-written model.
/// </summary>
public static class ModelFile
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int FormatVersion = ModelFormat.Version;

    /// <summary>The four bytes every model file starts with: ASCII "NCMF".</summary>
    public static ReadOnlySpan<byte> Magic => ModelFormat.Magic;

    /// <summary><see cref="Exception.Data"/> key set to <c>true</c> on an architecture-mismatch <see cref="InvalidDataException"/>.</summary>
    public const string ArchitectureMismatchKey = "ArchitectureMismatch";
    /// <summary><see cref="Exception.Data"/> key of the network's architecture string on an architecture mismatch.</summary>
    public const string ExpectedArchitectureKey = "ArchitectureMismatch.Expected";
    /// <summary><see cref="Exception.Data"/> key of the network's architecture hash (ulong) on an architecture mismatch.</summary>
    public const string ExpectedArchitectureHashKey = "ArchitectureMismatch.ExpectedHash";
    /// <summary><see cref="Exception.Data"/> key of the file's architecture string on an architecture mismatch.</summary>
    public const string FileArchitectureKey = "ArchitectureMismatch.File";
    /// <summary><see cref="Exception.Data"/> key of the file's architecture hash (ulong) on an architecture mismatch.</summary>
    public const string FileArchitectureHashKey = "ArchitectureMismatch.FileHash";

    private const int MaxArchitectureBytes = ModelFormat.MaxArchitectureBytes;
    private const int ParameterChunk = 1 << 22; // floats read per allocation step (16 MiB)
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Saves <paramref name="net"/>'s parameters to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    /// <exception cref="IOException">The file cannot be written; an existing file at <paramref name="path"/> is then left unchanged.</exception>
    public static void Save<TNet>(TNet net, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        WriteAtomically(path, stream => Save(net, stream));
    }

    /// <summary>Writes <paramref name="net"/>'s parameters to <paramref name="stream"/>, which is left open.</summary>
    public static void Save<TNet>(TNet net, Stream stream) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(stream);
        int count = TNet.ParameterCount;
        float[] buffer = ArrayPool<float>.Shared.Rent(count);
        try
        {
            Span<float> parameters = buffer.AsSpan(0, count);
            // Header first: if the network throws while copying, the (temporary) output is incomplete and discarded.
            ReadOnlySpan<float> state = StateOf(net);
            var writer = new Writer(stream);
            WriteHeader(ref writer, TNet.ArchitectureHash, TNet.Architecture, count, state.Length > 0);
            net.CopyParametersTo(parameters);
            WriteBody(ref writer, parameters, state);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Writes a model file to <paramref name="path"/> atomically (temporary file, then rename).</summary>
    public static void Write(string path, ulong architectureHash, string architecture, ReadOnlySpan<float> parameters)
        => Write(path, architectureHash, architecture, parameters, default);

    /// <summary>Writes a model file to <paramref name="stream"/>, which is left open.</summary>
    public static void Write(Stream stream, ulong architectureHash, string architecture, ReadOnlySpan<float> parameters)
        => Write(stream, architectureHash, architecture, parameters, default);

    /// <summary>
    /// Writes a model file with <paramref name="state"/> (<see cref="ITrainingModeNetwork.State"/>) to
    /// <paramref name="path"/> atomically (temporary file, then rename): format version 2, or version 1 when the state is empty.
    /// </summary>
    public static void Write(string path, ulong architectureHash, string architecture, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        float[] copy = parameters.ToArray(), stateCopy = state.ToArray();
        WriteAtomically(path, stream => Write(stream, architectureHash, architecture, copy, stateCopy));
    }

    /// <summary>
    /// Writes a model file with <paramref name="state"/> (<see cref="ITrainingModeNetwork.State"/>) to
    /// <paramref name="stream"/>, which is left open: format version 2, or version 1 when the state is empty.
    /// </summary>
    public static void Write(Stream stream, ulong architectureHash, string architecture, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(architecture);
        var writer = new Writer(stream);
        WriteHeader(ref writer, architectureHash, architecture, parameters.Length, state.Length > 0);
        WriteBody(ref writer, parameters, state);
    }

    /// <summary>The state of <paramref name="net"/> (empty when it has none).</summary>
    private static ReadOnlySpan<float> StateOf(INetwork net) => net is ITrainingModeNetwork { StateCount: > 0 } stateful ? stateful.State : default;

    /// <summary>Reads and fully validates (magic, version, checksum, no trailing bytes) the model file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid model file.</exception>
    public static ModelFileContents Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        ModelFileContents contents = Read(stream, path);
        long trailing = stream.Length - stream.Position;
        if (trailing > 0)
            throw Error(path, $"{trailing} unexpected bytes follow the model's {stream.Position} bytes.");
        return contents;
    }

    /// <summary>Reads and validates (magic, version, checksum) one model from <paramref name="stream"/>, which is left open.</summary>
    /// <param name="stream">The input, read from its current position up to the end of the model.</param>
    /// <param name="sourceName">A name for the input used in error messages, e.g. its file name.</param>
    /// <exception cref="InvalidDataException">The input is not a valid model file.</exception>
    public static ModelFileContents Read(Stream stream, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var reader = new Reader(stream, sourceName);
        Span<byte> field = stackalloc byte[8];

        reader.ReadExact(field[..4], "the magic number", 4);
        if (!field[..4].SequenceEqual(Magic))
            throw Error(sourceName, $"bad magic number {Convert.ToHexString(field[..4])}: a NetCompiler model file starts with \"NCMF\" ({Convert.ToHexString(Magic)}).");
        reader.ReadExact(field[..4], "the format version", 8);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(field);
        if (version != FormatVersion && version != ModelFormat.StateVersion)
            throw Error(sourceName, $"unsupported format version {version}; this build reads versions {FormatVersion} and {ModelFormat.StateVersion}.");
        bool hasState = version == ModelFormat.StateVersion;

        reader.ReadExact(field, "the architecture hash", 16);
        ulong hash = BinaryPrimitives.ReadUInt64LittleEndian(field);
        reader.ReadExact(field[..4], "the architecture length", 20);
        int architectureLength = BinaryPrimitives.ReadInt32LittleEndian(field);
        if (architectureLength is < 0 or > MaxArchitectureBytes)
            throw Error(sourceName, $"corrupt header: architecture length {architectureLength} is outside [0, {MaxArchitectureBytes}].");
        var architectureBytes = new byte[architectureLength];
        reader.ReadExact(architectureBytes, "the architecture string", 20 + architectureLength);
        reader.ReadExact(field[..4], "the parameter count", 24 + architectureLength);
        int count = BinaryPrimitives.ReadInt32LittleEndian(field);
        if (count < 0)
            throw Error(sourceName, $"corrupt header: parameter count {count} is negative.");
        if (count > Array.MaxLength)
            throw Error(sourceName, $"corrupt header: parameter count {count} exceeds the largest array .NET can hold ({Array.MaxLength} floats).");

        long expectedLength = ModelFormat.FileLength(architectureLength, count) + (hasState ? 4 : 0);
        if (stream.CanSeek)
        {
            long available = stream.Length - stream.Position;
            if (available < expectedLength - reader.Position)
                throw Error(sourceName, $"truncated at byte {reader.Position + available} of {expectedLength} expected ({count} parameters).");
        }

        // Grow the array as data arrives, so a corrupt count cannot make us allocate gigabytes up front.
        var parameters = new float[Math.Min(count, ParameterChunk)];
        int filled = 0;
        while (true)
        {
            // At most ParameterChunk floats per read: a span of more than 536,870,911 floats has no byte span.
            while (filled < parameters.Length)
            {
                int n = Math.Min(ParameterChunk, parameters.Length - filled);
                reader.ReadExact(MemoryMarshal.AsBytes(parameters.AsSpan(filled, n)), "the parameters", expectedLength);
                filled += n;
            }
            if (filled == count) break;
            Array.Resize(ref parameters, (int)Math.Min(count, 2L * parameters.Length));
        }
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(parameters.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        float[] state = [];
        if (hasState)
        {
            reader.ReadExact(field[..4], "the state count", expectedLength);
            int stateCount = BinaryPrimitives.ReadInt32LittleEndian(field);
            if (stateCount < 0 || stateCount > MaxStateCount)
                throw Error(sourceName, $"corrupt header: state count {stateCount} is outside [0, {MaxStateCount}].");
            expectedLength += 4L * stateCount;
            state = new float[stateCount];
            reader.ReadExact(MemoryMarshal.AsBytes(state.AsSpan()), "the state", expectedLength);
            if (!BitConverter.IsLittleEndian)
            {
                Span<int> bits = MemoryMarshal.Cast<float, int>(state.AsSpan());
                BinaryPrimitives.ReverseEndianness(bits, bits);
            }
        }

        uint computed = reader.Crc;
        reader.ReadExact(field[..4], "the checksum", expectedLength);
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(field);
        if (stored != computed)
            throw Error(sourceName, $"checksum mismatch: the file says CRC-32 0x{stored:X8} but its contents hash to 0x{computed:X8}; the file is corrupt.");

        string architecture;
        try
        {
            architecture = StrictUtf8.GetString(architectureBytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw Error(sourceName, "corrupt header: the architecture string is not valid UTF-8.", ex);
        }
        return new ModelFileContents(hash, architecture, parameters) { State = state };
    }

    /// <summary>The most state floats a file may hold: two per channel of batch normalisation, far fewer than parameters.</summary>
    private const int MaxStateCount = 1 << 26;

    /// <summary>Loads the parameters saved at <paramref name="path"/> into <paramref name="net"/>.</summary>
    /// <exception cref="InvalidDataException">The file was saved from another architecture (see <see cref="IsArchitectureMismatch"/>); <paramref name="net"/> is unchanged.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt or truncated; <paramref name="net"/> is unchanged.</exception>
    public static void Load<TNet>(TNet net, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        ModelFileContents contents = Read(path);
        Apply(net, contents, path);
    }

    /// <summary>Loads parameters from <paramref name="stream"/> (left open) into <paramref name="net"/>.</summary>
    /// <exception cref="InvalidDataException">The model is of another architecture (see <see cref="IsArchitectureMismatch"/>); <paramref name="net"/> is unchanged.</exception>
    /// <exception cref="InvalidDataException">The model is corrupt or truncated; <paramref name="net"/> is unchanged.</exception>
    public static void Load<TNet>(TNet net, Stream stream, string? sourceName = null) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(net);
        ModelFileContents contents = Read(stream, sourceName);
        Apply(net, contents, sourceName);
    }

    /// <summary>Creates a network (<c>TNet.Create(ParameterInitializer.DefaultSeed)</c>) with the parameters saved at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file was saved from another architecture (see <see cref="IsArchitectureMismatch"/>).</exception>
    /// <exception cref="InvalidDataException">The file is corrupt or truncated.</exception>
    public static TNet Load<TNet>(string path) where TNet : class, INetwork<TNet>
    {
        ModelFileContents contents = Read(path);
        TNet net = TNet.Create(ParameterInitializer.DefaultSeed);
        CheckArchitecture<TNet>(contents, path, StateCountOf(net));
        LoadInto(net, contents);
        return net;
    }

    /// <summary>Creates a network with the parameters read from <paramref name="stream"/> (left open).</summary>
    /// <exception cref="InvalidDataException">The model is of another architecture (see <see cref="IsArchitectureMismatch"/>).</exception>
    /// <exception cref="InvalidDataException">The model is corrupt or truncated.</exception>
    public static TNet Load<TNet>(Stream stream, string? sourceName = null) where TNet : class, INetwork<TNet>
    {
        ModelFileContents contents = Read(stream, sourceName);
        TNet net = TNet.Create(ParameterInitializer.DefaultSeed);
        CheckArchitecture<TNet>(contents, sourceName, StateCountOf(net));
        LoadInto(net, contents);
        return net;
    }

    private static void Apply<TNet>(TNet net, ModelFileContents contents, string? source) where TNet : class, INetwork<TNet>
    {
        CheckArchitecture<TNet>(contents, source, StateCountOf(net));
        LoadInto(net, contents);
    }

    /// <summary>The parameters and the state of checked <paramref name="contents"/> into <paramref name="net"/>.</summary>
    private static void LoadInto(INetwork net, ModelFileContents contents)
    {
        net.LoadParameters(contents.Parameters);
        if (net is ITrainingModeNetwork stateful) contents.State.CopyTo(stateful.State);
    }

    private static void CheckArchitecture<TNet>(ModelFileContents contents, string? source, int stateCount) where TNet : class, INetwork<TNet>
    {
        string expected = TNet.Architecture;
        ulong expectedHash = TNet.ArchitectureHash;
        string where = source is null ? "The model" : $"Model file '{source}'";
        if (contents.ArchitectureHash != expectedHash || !string.Equals(contents.Architecture, expected, StringComparison.Ordinal))
        {
            throw MismatchError(
                $"{where} was saved from architecture \"{contents.Architecture}\" (hash 0x{contents.ArchitectureHash:X16}), " +
                $"but {typeof(TNet).Name} is \"{expected}\" (hash 0x{expectedHash:X16}).",
                expected, expectedHash, contents);
        }
        if (contents.State.Length != stateCount)
        {
            throw MismatchError(
                $"{where} holds {contents.State.Length} floats of state (running statistics) for architecture \"{contents.Architecture}\", " +
                $"but {typeof(TNet).Name} has {stateCount}.",
                expected, expectedHash, contents);
        }
        if (contents.Parameters.Length != TNet.ParameterCount)
        {
            throw MismatchError(
                $"{where} holds {contents.Parameters.Length} parameters for architecture \"{contents.Architecture}\", " +
                $"but {typeof(TNet).Name} has {TNet.ParameterCount}.",
                expected, expectedHash, contents);
        }
    }

    /// <summary>The floats of state of <paramref name="net"/> (<see cref="ITrainingModeNetwork.StateCount"/>, else 0).</summary>
    private static int StateCountOf(INetwork net) => net is ITrainingModeNetwork stateful ? stateful.StateCount : 0;

    /// <summary>
    /// <see cref="InvalidDataException"/> is sealed, so an architecture mismatch is an <see cref="InvalidDataException"/>
    /// whose <see cref="Exception.Data"/> holds the details under the <c>ArchitectureMismatch*</c> keys.
    /// </summary>
    private static InvalidDataException MismatchError(string message, string expected, ulong expectedHash, ModelFileContents contents)
    {
        var ex = new InvalidDataException(message);
        ex.Data[ArchitectureMismatchKey] = true;
        ex.Data[ExpectedArchitectureKey] = expected;
        ex.Data[ExpectedArchitectureHashKey] = expectedHash;
        ex.Data[FileArchitectureKey] = contents.Architecture;
        ex.Data[FileArchitectureHashKey] = contents.ArchitectureHash;
        return ex;
    }

    /// <summary>Whether <paramref name="exception"/> was thrown because a model file holds another architecture than the network.</summary>
    public static bool IsArchitectureMismatch(Exception exception)
        => exception is InvalidDataException && exception.Data[ArchitectureMismatchKey] is true;

    private static void WriteHeader(ref Writer writer, ulong architectureHash, string architecture, int count, bool hasState)
    {
        byte[] architectureBytes = StrictUtf8.GetBytes(architecture);
        if (architectureBytes.Length > MaxArchitectureBytes)
            throw new ArgumentException($"The architecture string is longer than {MaxArchitectureBytes} UTF-8 bytes.", nameof(architecture));
        Span<byte> header = stackalloc byte[20];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], hasState ? (uint)ModelFormat.StateVersion : FormatVersion);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], architectureHash);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], architectureBytes.Length);
        writer.Write(header);
        writer.Write(architectureBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header, count);
        writer.Write(header[..4]);
    }

    private static void WriteBody(ref Writer writer, ReadOnlySpan<float> parameters, ReadOnlySpan<float> state)
    {
        WriteFloats(ref writer, parameters);
        if (state.Length > 0)
        {
            Span<byte> count = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(count, state.Length);
            writer.Write(count);
            WriteFloats(ref writer, state);
        }
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, writer.Crc);
        writer.Stream.Write(crc);
    }

    private static void WriteFloats(ref Writer writer, ReadOnlySpan<float> parameters)
    {
        if (BitConverter.IsLittleEndian)
        {
            // In chunks: a span of more than 536,870,911 floats has no byte span.
            for (int i = 0; i < parameters.Length; i += ParameterChunk)
                writer.Write(MemoryMarshal.AsBytes(parameters.Slice(i, Math.Min(ParameterChunk, parameters.Length - i))));
        }
        else
        {
            Span<byte> chunk = stackalloc byte[1024];
            for (int i = 0; i < parameters.Length; i += chunk.Length / 4)
            {
                int n = Math.Min(chunk.Length / 4, parameters.Length - i);
                for (int j = 0; j < n; j++) BinaryPrimitives.WriteSingleLittleEndian(chunk[(4 * j)..], parameters[i + j]);
                writer.Write(chunk[..(4 * n)]);
            }
        }
    }

    /// <summary>Writes a file through <paramref name="write"/> to a temporary file in the same directory, then renames it over <paramref name="path"/>.</summary>
    internal static void WriteAtomically(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' is not a file path.", nameof(path));
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    private static InvalidDataException Error(string? source, string message, Exception? inner = null)
        => new((source is null ? "Model stream: " : $"Model file '{source}': ") + message, inner);

    private struct Writer(Stream stream)
    {
        private uint _crc = Crc32.Initial;

        public readonly Stream Stream => stream;
        public readonly uint Crc => Crc32.Finish(_crc);

        public void Write(ReadOnlySpan<byte> bytes)
        {
            _crc = Crc32.Update(_crc, bytes);
            stream.Write(bytes);
        }
    }

    private struct Reader(Stream stream, string? source)
    {
        private uint _crc = Crc32.Initial;

        public long Position { get; private set; }
        public readonly uint Crc => Crc32.Finish(_crc);

        /// <summary>Fills <paramref name="buffer"/> or throws "truncated"; <paramref name="expectedEnd"/> is for the message.</summary>
        public void ReadExact(Span<byte> buffer, string what, long expectedEnd)
        {
            int got = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            _crc = Crc32.Update(_crc, buffer[..got]);
            Position += got;
            if (got < buffer.Length)
                throw Error(source, $"truncated at byte {Position} of {Math.Max(expectedEnd, Position + 1)} expected, while reading {what}.");
        }
    }
}
