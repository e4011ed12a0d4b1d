using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using CsCheck;
using Google.Protobuf;
using NetCompiler.Onnx;
using NetCompiler.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// The ONNX importer against damaged models: every truncation and every bit flip of a small PyTorch export, and random
/// truncations, bit flips, huge varint fields (lengths, dimensions, counts) and overwritten bytes of every fixture
/// (CsCheck). Each input imports or gives an <see cref="OnnxImportException"/> in NetCompiler's own words, within
/// <see cref="MaxMillisecondsPerCase"/> and <see cref="MemoryBound"/>, and a failed <c>netcompiler import</c> writes
/// nothing. Inputs that once failed live in Reliability/Corpus (<c>onnx-*</c>).
/// </summary>
public class OnnxFuzzTests
{
    /// <summary>Allocation allowed for one import: the largest fixture is 250 KB; protobuf never trusts a length past the input.</summary>
    private const long MemoryBound = 64L << 20;
    /// <summary>Time allowed for one import (generous: the machine is shared); a case past it is a hang.</summary>
    private const int MaxMillisecondsPerCase = 20000;   // a hang detector: generous, as tests run in parallel on shared machines
    private const int RandomCases = 1500;

    private readonly ITestOutputHelper _output;

    public OnnxFuzzTests(ITestOutputHelper output) => _output = output;

    private static readonly string[] FixtureNames = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "onnx"), "*.onnx")
        .OrderBy(f => f, StringComparer.Ordinal).ToArray();

    private static IEnumerable<byte[]> Corpus()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Reliability", "Corpus");
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir, "onnx-*").OrderBy(f => f, StringComparer.Ordinal).Select(File.ReadAllBytes)
            : Enumerable.Empty<byte[]>();
    }

    /// <summary>Imports <paramref name="input"/>: true on success, false on our OnnxImportException; fails on anything else.</summary>
    private static bool Outcome(byte[] input, string what)
    {
        var task = Task.Run(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                OnnxImporter.Import(input, "fuzz.onnx");
                return (Ok: true, Error: (Exception?)null, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
            }
            catch (Exception ex)
            {
                return (Ok: false, Error: ex, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
            }
        });
        if (!task.Wait(MaxMillisecondsPerCase)) Assert.Fail($"{what}: the import did not finish within {MaxMillisecondsPerCase} ms");
        var (ok, error, allocated) = task.Result;
        Assert.True(allocated < MemoryBound, $"{what}: allocated {allocated:N0} bytes");
        if (ok) return true;
        if (error is not OnnxImportException ex)
        {
            Assert.Fail($"{what}: {error!.GetType().Name} instead of OnnxImportException: {error.Message}\n{error.StackTrace}");
            return false;
        }
        Assert.False(string.IsNullOrWhiteSpace(ex.Message), $"{what}: empty message");
        if (ex.InnerException is not null)
            Assert.NotEqual(ex.InnerException.Message, ex.Message); // an inner exception's text comes with our context
        if (ex.InnerException is InvalidProtocolBufferException)
            Assert.StartsWith("'fuzz.onnx' is not an ONNX model", ex.Message);
        return false;
    }

    /// <summary>A failed <c>netcompiler import</c> (<see cref="ModelConversion.ImportToFiles"/>) writes nothing.</summary>
    private static void NothingWrittenOnFailure(byte[] input, string dir, string what)
    {
        string onnx = Path.Combine(dir, "in.onnx"), output = Path.Combine(dir, "out");
        File.WriteAllBytes(onnx, input);
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        try
        {
            ModelConversion.ImportToFiles(onnx, "Fuzzed", null, output);
        }
        catch (OnnxImportException)
        {
            Assert.True(!Directory.Exists(output) || Directory.GetFileSystemEntries(output).Length == 0, $"{what}: a failed import wrote files");
        }
    }

    [Fact]
    public void Every_truncation_and_bit_flip_gives_a_model_or_our_OnnxImportException()
    {
        byte[] valid = File.ReadAllBytes(FixtureNames.Single(f => f.EndsWith("mlp_matmul_add.onnx", StringComparison.Ordinal)));
        int tried = 0, imported = 0;
        foreach (byte[] input in LoaderFuzzTests.Mutations(valid).Concat(Corpus()).Append(valid))
            if (Outcome(input, $"input {++tried}")) imported++;
        string summary = $"OnnxFuzzTests: {tried} ONNX inputs (every truncation and bit flip of a {valid.Length}-byte model, and the corpus), {imported} imported";
        _output.WriteLine(summary);
        TestReport.Line(summary);
    }

    /// <summary>A mutation of a fixture: the fixture, a kind of damage, where, and a value.</summary>
    private sealed record Mutation(int Fixture, int Kind, double Where, int Value)
    {
        public byte[] Apply(byte[][] fixtures)
        {
            byte[] valid = fixtures[Fixture];
            int at = Math.Min(valid.Length - 1, (int)(Where * valid.Length));
            var b = (byte[])valid.Clone();
            switch (Kind)
            {
                case 0: return valid.AsSpan(0, at).ToArray();                      // truncated
                case 1: b[at] ^= (byte)(1 << (Value & 7)); return b;                 // one bit flipped
                case 2: b[at] = (byte)Value; return b;                               // one byte overwritten
                default:                                                             // a huge varint (length, dimension, count) spliced in
                    byte[] varint = (Value & 3) switch
                    {
                        0 => [0xFF, 0xFF, 0xFF, 0xFF, 0x07],                         // int.MaxValue
                        1 => [0xFF, 0xFF, 0xFF, 0xFF, 0x0F],                         // uint.MaxValue
                        2 => [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], // -1 as a 64-bit varint
                        _ => [0x80, 0x80, 0x80, 0x80, 0x04],                         // 2^30
                    };
                    return b.AsSpan(0, at + 1).ToArray().Concat(varint).Concat(b.AsSpan(Math.Min(b.Length, at + 1 + varint.Length)).ToArray()).ToArray();
            }
        }
    }

    [Fact]
    public void Random_damage_to_every_fixture_gives_a_model_or_our_OnnxImportException_and_writes_nothing()
    {
        byte[][] fixtures = FixtureNames.Select(File.ReadAllBytes).ToArray();
        string dir = Directory.CreateTempSubdirectory("ncfuzz").FullName;
        int tried = 0, imported = 0;
        try
        {
            Gen.Select(Gen.Int[0, fixtures.Length - 1], Gen.Int[0, 3], Gen.Double[0, 1], Gen.Int[0, 255], (f, k, w, v) => new Mutation(f, k, w, v))
                .Sample(m =>
                {
                    tried++;
                    byte[] input = m.Apply(fixtures);
                    string what = $"{m} of {Path.GetFileName(FixtureNames[m.Fixture])}";
                    if (Outcome(input, what)) imported++;
                    else NothingWrittenOnFailure(input, dir, what);
                }, iter: RandomCases, threads: 1, seed: Environment.GetEnvironmentVariable("CsCheck_Seed"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        string summary = $"OnnxFuzzTests: {tried} randomly damaged ONNX models ({fixtures.Length} fixtures; truncations, bit flips, bytes, huge varints), {imported} imported";
        _output.WriteLine(summary);
        TestReport.Line(summary);
        Assert.True(tried >= RandomCases);
    }
}
