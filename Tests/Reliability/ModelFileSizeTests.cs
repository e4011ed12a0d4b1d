using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;
using Xunit;

namespace NetCompiler.Tests.Reliability;

/// <summary>
/// Model files past 536,870,911 parameters, the most whose bytes fit one <see cref="Span{T}"/> of bytes: they are read
/// and written in chunks, and a count past <see cref="Array.MaxLength"/> is refused before anything is allocated.
/// </summary>
public class ModelFileSizeTests
{
    /// <summary>A non-seekable stream: a model header claiming <paramref name="count"/> parameters, then <paramref name="zeros"/> zero bytes, then its end.</summary>
    private sealed class FakeModelStream(int count, long zeros) : Stream
    {
        private readonly byte[] _header = Header(count);
        private long _position;

        private static byte[] Header(int count)
        {
            byte[] architecture = Encoding.UTF8.GetBytes("Huge");
            var header = new byte[24 + architecture.Length];
            "NCMF"u8.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), 1);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(8), 42);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16), architecture.Length);
            architecture.CopyTo(header, 20);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(20 + architecture.Length), count);
            return header;
        }

        public override int Read(Span<byte> buffer)
        {
            long end = _header.Length + zeros;
            int n = (int)Math.Min(buffer.Length, end - _position);
            for (int i = 0; i < n; i++)
            {
                long p = _position + i;
                if (p >= _header.Length) { buffer[i..n].Clear(); break; }
                buffer[i] = _header[p];
            }
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Fact]
    public void Parameters_past_a_byte_span_are_read_in_chunks()
    {
        // 540,000,000 parameters (2.16 GB) with no checksum after them: the whole body is read, then the missing
        // checksum is reported. Read as one span, the body would throw OverflowException.
        const int count = 540_000_000;
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Read(new FakeModelStream(count, 4L * count)));
        Assert.StartsWith("Model stream: truncated", ex.Message);
        Assert.Contains("the checksum", ex.Message);
    }

    [Fact]
    public void Count_past_the_largest_array_is_refused_before_allocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<InvalidDataException>(() => ModelFile.Read(new FakeModelStream(int.MaxValue, 0)));
        Assert.Contains($"parameter count {int.MaxValue} exceeds the largest array .NET can hold", ex.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "the refusal allocated the parameters");
    }
}
