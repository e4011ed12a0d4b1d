using System;
using System.IO;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using NetCompiler.Generator.Diagnostics;
using NetCompiler.Generator.Format;
using NetCompiler.Generator.Model;

namespace NetCompiler.Generator.Parameters;

/// <summary>What is wrong with a model file, as a descriptor and the message arguments after the network and file names.</summary>
internal sealed record ModelFileProblem(DiagnosticDescriptor Descriptor, EquatableArray<string> Arguments);

/// <summary>
/// One <c>.ncmf</c> AdditionalFiles item, read and checked on its own (magic, version, lengths, CRC-32): either a
/// <see cref="Problem"/>, or the header, the parameter bytes in Base64 and, in a version-2 file, the state's (the running
/// statistics of batch normalisation), ready to compile in. <see cref="StateCount"/> is null for a version-1 file, which
/// has no state section. Value-equal, so an unchanged file stops the pipeline here.
/// </summary>
internal sealed record ModelFileData(string Path, ModelFileProblem? Problem, ulong ArchitectureHash, string Architecture,
    int Count, uint Crc, string Base64, int? StateCount = null, string StateBase64 = "");

/// <summary>Reads model files for the generator. The checks mirror <c>ModelFile.Read</c> in the runtime.</summary>
internal static class ModelFileReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads the file behind <paramref name="text"/> as bytes.</summary>
    public static ModelFileData Read(AdditionalText text, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            // A model file is binary, and AdditionalText offers only decoded text (which would also make the compiler
            // report a binary file as an error), so the bytes come from the path the item names. The compiler still
            // tracks the item: editing the file re-runs this step for this file alone.
#pragma warning disable RS1035 // File IO: the only way to read a binary AdditionalFiles item.
            bytes = File.ReadAllBytes(text.Path);
#pragma warning restore RS1035
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return Failed(text.Path, DiagnosticDescriptors.ModelFileUnreadable, ex.Message);
        }
        cancellationToken.ThrowIfCancellationRequested();
        return Parse(text.Path, bytes);
    }

    /// <summary>Checks <paramref name="bytes"/>, the contents of the model file at <paramref name="path"/>.</summary>
    public static ModelFileData Parse(string path, byte[] bytes)
    {
        int length = bytes.Length;
        if (length < 4 || !bytes.AsSpan(0, 4).SequenceEqual(ModelFormat.Magic))
        {
            string start = length == 0 ? "nothing (it is empty)" : BitConverter.ToString(bytes, 0, Math.Min(4, length)).Replace('-', ' ');
            return Failed(path, DiagnosticDescriptors.ModelFileBadMagic, start);
        }
        if (length < 8)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"it ends at byte {length}, inside the header");
        uint version = UInt32At(bytes, 4);
        if (version is not (ModelFormat.Version or ModelFormat.StateVersion))
            return Failed(path, DiagnosticDescriptors.ModelFileVersion, version.ToString(), $"{ModelFormat.Version} or {ModelFormat.StateVersion}");
        bool hasState = version == ModelFormat.StateVersion;
        if (length < ModelFormat.FixedHeaderSize)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"it ends at byte {length}, inside the header");
        ulong hash = UInt32At(bytes, 8) | (ulong)UInt32At(bytes, 12) << 32;
        int architectureLength = unchecked((int)UInt32At(bytes, 16));
        if (architectureLength is < 0 or > ModelFormat.MaxArchitectureBytes)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"its header gives an architecture string of {architectureLength} bytes");
        int countAt = ModelFormat.FixedHeaderSize + architectureLength;
        if (length < countAt + 4)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"it ends at byte {length}, inside the header");
        int count = unchecked((int)UInt32At(bytes, countAt));
        if (count < 0 || (long)countAt + 4 + 4L * count > length)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, count < 0
                ? $"its header gives {count} parameters"
                : $"it is {length} bytes long, but its header gives {count} parameters, which take {ModelFormat.FileLength(architectureLength, count)} bytes");
        int stateAt = countAt + 4 + 4 * count, stateCount = 0;
        if (hasState)
        {
            if (length < stateAt + 4)
                return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"it ends at byte {length}, before the count of its state");
            stateCount = unchecked((int)UInt32At(bytes, stateAt));
            if (stateCount < 0)
                return Failed(path, DiagnosticDescriptors.ModelFileTruncated, $"its state count is {stateCount}");
        }
        long expected = hasState ? ModelFormat.FileLength(architectureLength, count, stateCount) : ModelFormat.FileLength(architectureLength, count);
        if (length != expected)
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, hasState
                ? $"it is {length} bytes long, but its header gives {count} parameters and {stateCount} floats of state, which take {expected} bytes"
                : $"it is {length} bytes long, but its header gives {count} parameters, which take {expected} bytes");

        uint stored = UInt32At(bytes, length - 4);
        uint computed = Crc32.Compute(bytes.AsSpan(0, length - 4));
        if (stored != computed)
            return Failed(path, DiagnosticDescriptors.ModelFileChecksum, stored.ToString("X8"), computed.ToString("X8"));

        string architecture;
        try
        {
            architecture = StrictUtf8.GetString(bytes, ModelFormat.FixedHeaderSize, architectureLength);
        }
        catch (DecoderFallbackException)
        {
            return Failed(path, DiagnosticDescriptors.ModelFileTruncated, "its architecture string is not valid UTF-8");
        }
        string base64 = Convert.ToBase64String(bytes, countAt + 4, 4 * count);
        return hasState
            ? new ModelFileData(path, null, hash, architecture, count, computed, base64, stateCount, Convert.ToBase64String(bytes, stateAt + 4, 4 * stateCount))
            : new ModelFileData(path, null, hash, architecture, count, computed, base64);
    }

    private static uint UInt32At(byte[] b, int i) => b[i] | (uint)b[i + 1] << 8 | (uint)b[i + 2] << 16 | (uint)b[i + 3] << 24;

    private static ModelFileData Failed(string path, DiagnosticDescriptor descriptor, params string[] arguments)
        => new(path, new ModelFileProblem(descriptor, new EquatableArray<string>(arguments)), 0, "", 0, 0, "");
}
