using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace NetCompiler;

/// <summary>
/// What a training checkpoint holds: everything <see cref="Trainer{TNet}.Fit"/> needs to continue a run after the
/// epoch it was written at and land on the bits of an uninterrupted run.
/// </summary>
internal sealed class CheckpointState
{
    public int Epoch;                      // epochs completed
    public int Seed;                       // the shuffles' seed: epoch e shuffles with SplitMix64(Seed, e), so (Seed, Epoch) is the generator's state
    public bool Shuffle;
    public float InitialLearningRate;
    public int BestEpoch;
    public double BestObjective;
    public int EpochsWithoutImprovement;
    public long OptimizerSteps;
    public string Optimizer = "";
    public float[] Parameters = [];
    public float[]? Best;                  // the best-so-far parameters for RestoreBest
    public float[] State = [];             // the network's state (ITrainingModeNetwork.State), in the parameters' model file
    public float[] BestState = [];         // the state of the best-so-far network, in the best parameters' model file
    public float[][] OptimizerState = [];
    public List<EpochReport> Reports = [];
}

/// <summary>
/// The checkpoint file format (<c>.ncck</c>), little-endian:
/// <code>
/// "NCCK"  uint32 version (1)  int32 n  n bytes of trainer state  uint32 CRC-32 of those n bytes
/// a model file (<see cref="ModelFile"/>) of the parameters (and the network's state, if it has any)
/// a model file of the best-so-far parameters (and state), when the trainer state says there is one
/// one model file per optimizer state buffer (momentum; Adam's two moments)
/// </code>
/// The embedded model files carry the architecture and their own checksums, so a checkpoint of another network, or
/// one damaged anywhere, is refused on load. Written atomically (temporary file, then rename).
/// </summary>
internal static class Checkpoint
{
    public const uint FormatVersion = 1;
    public static ReadOnlySpan<byte> Magic => "NCCK"u8;
    private const int MaxStateBytes = 1 << 26;

    public static void Write(string path, ulong architectureHash, string architecture, CheckpointState state) =>
        ModelFile.WriteAtomically(path, stream => Write(stream, architectureHash, architecture, state));

    private static void Write(Stream stream, ulong architectureHash, string architecture, CheckpointState state)
    {
        var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(state.Epoch);
            w.Write(state.Seed);
            w.Write(state.Shuffle);
            w.Write(state.InitialLearningRate);
            w.Write(state.BestEpoch);
            w.Write(state.BestObjective);
            w.Write(state.EpochsWithoutImprovement);
            w.Write(state.OptimizerSteps);
            w.Write(state.Optimizer);
            w.Write(state.OptimizerState.Length);
            w.Write(state.Best is not null);
            w.Write(state.Reports.Count);
            foreach (EpochReport r in state.Reports)
            {
                w.Write(r.Epoch);
                w.Write(r.LearningRate);
                w.Write(r.TrainingLoss);
                w.Write(r.Validation.HasValue);
                EvaluationResult v = r.Validation.GetValueOrDefault();
                w.Write(v.Loss);
                w.Write(v.Accuracy);
                w.Write(v.Count);
                w.Write(r.Improved);
                w.Write(r.Elapsed.Ticks);
                w.Write(r.SamplesPerSecond);
            }
        }
        Span<byte> header = stackalloc byte[12];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], (int)body.Length);
        stream.Write(header);
        ReadOnlySpan<byte> bytes = body.GetBuffer().AsSpan(0, (int)body.Length);
        stream.Write(bytes);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32.Compute(bytes));
        stream.Write(crc);

        ModelFile.Write(stream, architectureHash, architecture, state.Parameters, state.State);
        if (state.Best is { } best) ModelFile.Write(stream, architectureHash, architecture, best, state.BestState);
        for (int b = 0; b < state.OptimizerState.Length; b++)
            ModelFile.Write(stream, architectureHash, $"{architecture} | {state.Optimizer} state {b}", state.OptimizerState[b]);
    }

    /// <summary>Reads and validates a checkpoint written for the architecture given.</summary>
    /// <exception cref="InvalidDataException">The file is not a valid checkpoint, or is one of another architecture.</exception>
    public static CheckpointState Read(string path, ulong architectureHash, string architecture)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> header = stackalloc byte[12];
        if (stream.ReadAtLeast(header, 12, throwOnEndOfStream: false) < 12)
            throw Error(path, "truncated in its header.");
        if (!header[..4].SequenceEqual(Magic))
            throw Error(path, $"bad magic number {Convert.ToHexString(header[..4])}: a NetCompiler checkpoint starts with \"NCCK\".");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (version != FormatVersion)
            throw Error(path, $"format version {version} is not supported (this runtime reads version {FormatVersion}).");
        int length = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        if (length < 0 || length > MaxStateBytes || length > stream.Length - stream.Position - 4)
            throw Error(path, $"its trainer state claims {length} bytes, more than the file holds.");
        var bytes = new byte[length + 4];
        stream.ReadExactly(bytes);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(length)), actual = Crc32.Compute(bytes.AsSpan(0, length));
        if (expected != actual)
            throw Error(path, $"checksum mismatch in the trainer state (stored 0x{expected:X8}, computed 0x{actual:X8}): the file is damaged.");

        var state = new CheckpointState();
        int stateBuffers;
        bool hasBest;
        try
        {
            using var r = new BinaryReader(new MemoryStream(bytes, 0, length), Encoding.UTF8);
            state.Epoch = r.ReadInt32();
            state.Seed = r.ReadInt32();
            state.Shuffle = r.ReadBoolean();
            state.InitialLearningRate = r.ReadSingle();
            state.BestEpoch = r.ReadInt32();
            state.BestObjective = r.ReadDouble();
            state.EpochsWithoutImprovement = r.ReadInt32();
            state.OptimizerSteps = r.ReadInt64();
            state.Optimizer = r.ReadString();
            stateBuffers = r.ReadInt32();
            hasBest = r.ReadBoolean();
            int reports = r.ReadInt32();
            if (state.Epoch < 1 || reports != state.Epoch || stateBuffers is < 0 or > 8)
                throw Error(path, $"inconsistent trainer state (epoch {state.Epoch}, {reports} epoch reports, {stateBuffers} optimizer buffers).");
            for (int i = 0; i < reports; i++)
            {
                int epoch = r.ReadInt32();
                float lr = r.ReadSingle();
                double loss = r.ReadDouble();
                bool hasValidation = r.ReadBoolean();
                var validation = new EvaluationResult(r.ReadDouble(), r.ReadDouble(), r.ReadInt32());
                bool improved = r.ReadBoolean();
                var elapsed = TimeSpan.FromTicks(r.ReadInt64());
                double samplesPerSecond = r.ReadDouble();
                state.Reports.Add(new EpochReport(epoch, lr, loss, hasValidation ? validation : null, improved, elapsed) { SamplesPerSecond = samplesPerSecond });
            }
            if (r.BaseStream.Position != length) throw Error(path, "unexpected bytes after the trainer state.");
        }
        catch (EndOfStreamException e)
        {
            throw Error(path, "the trainer state is truncated.", e);
        }

        (state.Parameters, state.State) = ReadModelWithState(stream, path, architectureHash, architecture, "parameters");
        if (hasBest) (state.Best, state.BestState) = ReadModelWithState(stream, path, architectureHash, architecture, "best parameters");
        state.OptimizerState = new float[stateBuffers][];
        for (int b = 0; b < stateBuffers; b++)
            state.OptimizerState[b] = ReadModel(stream, path, architectureHash, $"{architecture} | {state.Optimizer} state {b}", $"optimizer state {b}");
        if (stream.Position != stream.Length)
            throw Error(path, $"{stream.Length - stream.Position} unexpected bytes follow the checkpoint.");
        return state;
    }

    private static float[] ReadModel(Stream stream, string path, ulong architectureHash, string architecture, string what)
        => ReadModelWithState(stream, path, architectureHash, architecture, what).Parameters;

    private static (float[] Parameters, float[] State) ReadModelWithState(Stream stream, string path, ulong architectureHash, string architecture, string what)
    {
        ModelFileContents contents;
        try
        {
            contents = ModelFile.Read(stream, $"{path} ({what})");
        }
        catch (InvalidDataException e)
        {
            throw Error(path, $"its {what} are invalid: {e.Message}", e);
        }
        if (contents.ArchitectureHash != architectureHash || contents.Architecture != architecture)
            throw Error(path, $"its {what} are for \"{contents.Architecture}\", not \"{architecture}\".");
        return (contents.Parameters, contents.State);
    }

    private static InvalidDataException Error(string path, string message, Exception? inner = null) => new($"Checkpoint '{path}': {message}", inner);
}
