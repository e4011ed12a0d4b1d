// The .ncmf model-file format's constants and checksums. One source file compiled into both the runtime (which reads
// and writes model files) and the generator (which checks a file named by [Network(Parameters = ...)] at build time
// and compiles its parameters in), so the two can never disagree on the format. It must build for netstandard2.0.
using System;
using System.Buffers.Binary;

#if NETCOMPILER_GENERATOR
namespace NetCompiler.Generator.Format;
#else
namespace NetCompiler;
#endif

/// <summary>The layout of a model file (see <c>ModelFile</c> for the table of fields).</summary>
internal static class ModelFormat
{
    /// <summary>The format version of a file without state (a network with no batch-normalisation layer), written and read.</summary>
    public const int Version = 1;

    /// <summary>
    /// The format version of a file with state (the running statistics of batch-normalisation layers): version 1's fields,
    /// then after the parameters an int32 S and S float32s of state, then the CRC. Read and written; a network without
    /// state still writes version 1, so its files stay readable by builds that know only version 1.
    /// </summary>
    public const int StateVersion = 2;

    /// <summary>The four bytes every model file starts with: ASCII "NCMF".</summary>
    public static ReadOnlySpan<byte> Magic => "NCMF"u8;

    /// <summary>Bytes before the architecture string: magic, version, architecture hash, string length.</summary>
    public const int FixedHeaderSize = 20;

    /// <summary>Bytes of a file beside its architecture string and parameters: the fixed header, the parameter count, the CRC.</summary>
    public const int Overhead = FixedHeaderSize + 4 + 4;

    /// <summary>The longest architecture string accepted, in UTF-8 bytes.</summary>
    public const int MaxArchitectureBytes = 1 << 20;

    /// <summary>The byte length of a file with <paramref name="architectureBytes"/> of architecture string and <paramref name="count"/> parameters.</summary>
    public static long FileLength(int architectureBytes, long count) => Overhead + (long)architectureBytes + 4 * count;

    /// <summary>The byte length of a version-2 file, which adds an int32 count and <paramref name="stateCount"/> floats of state.</summary>
    public static long FileLength(int architectureBytes, long count, long stateCount) => FileLength(architectureBytes, count) + 4 + 4 * stateCount;

    /// <summary>FNV-1a, 64-bit, of <paramref name="utf8"/>: the architecture hash stored in model files.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<byte> utf8)
    {
        ulong hash = 0xCBF29CE484222325UL;
        foreach (byte b in utf8)
        {
            hash ^= b;
            hash = unchecked(hash * 0x100000001B3UL);
        }
        return hash;
    }
}

/// <summary>CRC-32 (IEEE 802.3 polynomial, reflected, as zlib and PNG), table-driven, eight bytes per step (slicing-by-8).</summary>
internal static class Crc32
{
    /// <summary>The running state before any byte.</summary>
    public const uint Initial = 0xFFFFFFFFu;

    /// <summary>Table k advances the state over a byte followed by k zero bytes; table 0 is the classic byte table.</summary>
    private static readonly uint[] Tables = BuildTables();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => Finish(Update(Initial, data));

    /// <summary>Advances the running state <paramref name="state"/> over <paramref name="data"/>.</summary>
    public static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<uint> t = Tables;
        while (data.Length >= 8)
        {
            // The state folds into the first four bytes; each of the eight bytes then goes through the table of its
            // distance from the end of the step.
            uint one = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ state;
            uint two = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(4));
            state = t[7 * 256 + (int)(one & 0xFF)] ^ t[6 * 256 + (int)((one >> 8) & 0xFF)]
                  ^ t[5 * 256 + (int)((one >> 16) & 0xFF)] ^ t[4 * 256 + (int)(one >> 24)]
                  ^ t[3 * 256 + (int)(two & 0xFF)] ^ t[2 * 256 + (int)((two >> 8) & 0xFF)]
                  ^ t[1 * 256 + (int)((two >> 16) & 0xFF)] ^ t[(int)(two >> 24)];
            data = data.Slice(8);
        }
        foreach (byte b in data)
            state = t[(int)((state ^ b) & 0xFF)] ^ (state >> 8);
        return state;
    }

    /// <summary>The checksum for a running state.</summary>
    public static uint Finish(uint state) => ~state;

    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            tables[i] = c;
        }
        for (int k = 1; k < 8; k++)
            for (int i = 0; i < 256; i++)
            {
                uint previous = tables[(k - 1) * 256 + i];
                tables[k * 256 + i] = (previous >> 8) ^ tables[(int)(previous & 0xFF)];
            }
        return tables;
    }
}
