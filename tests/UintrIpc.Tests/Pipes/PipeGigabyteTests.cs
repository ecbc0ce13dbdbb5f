using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>1 GB through a pipe with random write and read sizes; both sides checksum every byte.</summary>
public class PipeGigabyteTests
{
    private const long Total = 1L << 30;

    [Fact]
    public async Task OneGigabyteWithRandomWriteAndReadSizesArrivesIntact()
    {
        var (a, b) = UintrPipe.CreatePair(new UintrPipeOptions { RingSize = 1 << 18 });
        using (a)
        using (b)
        {
            Task<ulong> write = Task.Run(() => Write(a.Output));
            Task<(ulong Sum, long Count)> read = Task.Run(() => Read(b.Input));
            await Bounded(Task.WhenAll(write, read), "1 GB");
            Assert.Equal(Total, (await read).Count);
            Assert.Equal(await write, (await read).Sum);
        }
    }

    private static async Task<ulong> Write(PipeWriter writer)
    {
        var random = new Random(11);
        var source = new byte[1 << 20];
        random.NextBytes(source);
        var hash = new PositionalChecksum();
        long written = 0;
        while (written < Total)
        {
            int size = (int)Math.Min(Total - written, random.Next(3) switch { 0 => random.Next(1, 64), 1 => random.Next(1, 8192), _ => random.Next(1, 300_000) });
            int offset = random.Next(source.Length - Math.Min(size, source.Length));
            ReadOnlyMemory<byte> piece = source.AsMemory(offset, Math.Min(size, source.Length - offset));
            if (random.Next(2) == 0)
            {
                await writer.WriteAsync(piece); // straight into the ring
            }
            else
            {
                piece.Span.CopyTo(writer.GetSpan(piece.Length)); // ring memory or staging
                writer.Advance(piece.Length);
                if (random.Next(4) != 0)
                    await writer.FlushAsync();
            }
            hash.Append(piece.Span);
            written += piece.Length;
        }
        await writer.CompleteAsync();
        return hash.Value;
    }

    private static async Task<(ulong, long)> Read(PipeReader reader)
    {
        var random = new Random(12);
        var hash = new PositionalChecksum();
        long count = 0;
        while (true)
        {
            ReadResult result = random.Next(4) == 0
                ? await reader.ReadAtLeastAsync(random.Next(1, 100_000))
                : await reader.ReadAsync();
            ReadOnlySequence<byte> buffer = result.Buffer;
            // Consume a random prefix: positions inside segments and at the wrap.
            long take = result.IsCompleted ? buffer.Length : random.Next(2) == 0 ? buffer.Length : random.NextInt64(0, buffer.Length + 1);
            foreach (ReadOnlyMemory<byte> segment in buffer.Slice(0, take))
                hash.Append(segment.Span);
            count += take;
            reader.AdvanceTo(buffer.GetPosition(take), buffer.End);
            if (result.IsCompleted && take == buffer.Length)
                return (hash.Value, count);
        }
    }

    /// <summary>
    /// Sum of byte x weight(stream position): independent of how the stream is cut into pieces,
    /// and changed by a lost, repeated, wrong or misplaced byte.
    /// </summary>
    private sealed class PositionalChecksum
    {
        private long _position;

        public ulong Value { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            ulong sum = Value;
            ulong position = (ulong)_position;
            foreach (byte b in bytes)
            {
                sum += (b + 1UL) * ((position * 0x9E3779B97F4A7C15UL) | 1);
                position++;
            }
            Value = sum;
            _position = (long)position;
        }
    }
}
