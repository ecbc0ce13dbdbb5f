using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>A byte stream: every byte once, in order, whatever the write and read sizes and the wrap.</summary>
public class PipeStreamTests
{
    [Fact]
    public async Task BytesWrittenAndFlushedArriveInOrder()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] data = Pattern(100_000);
            Task<byte[]> read = ReadToEnd(b.Input);
            for (int i = 0; i < data.Length; i += 777)
            {
                ReadOnlyMemory<byte> piece = data.AsMemory(i, Math.Min(777, data.Length - i));
                piece.Span.CopyTo(a.Output.GetSpan(piece.Length));
                a.Output.Advance(piece.Length);
                await Bounded(a.Output.FlushAsync(), "flush");
            }
            await a.Output.CompleteAsync();
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
        }
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(4095)]
    public async Task ThePublishThatFillsTheRingLeavesTheUnreadBytesAlone(int first)
    {
        // After a publish the producer stores a byte at its new position when that byte is free
        // (PIPE.md 4, note 5); in a full ring that position is the first unread byte.
        var (a, b) = UintrPipe.CreatePair(Small(4096));
        using (a)
        using (b)
        {
            byte[] data = [.. Pattern(4096).Select(x => x == 0 ? (byte)1 : x)];
            foreach ((int start, int length) in new[] { (0, first), (first, 4096 - first) })
            {
                data.AsSpan(start, length).CopyTo(a.Output.GetSpan(length));
                a.Output.Advance(length);
                await Bounded(a.Output.FlushAsync(), "flush");
            }
            ReadResult result = await Bounded(b.Input.ReadAtLeastAsync(4096), "read");
            Assert.Equal(data, result.Buffer.ToArray());
            b.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [Fact]
    public async Task BothDirectionsAtOnce()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] ab = Pattern(300_000, 2), ba = Pattern(200_000, 3);
            Task<byte[]> readB = ReadToEnd(b.Input), readA = ReadToEnd(a.Input);
            Task writeA = Task.Run(async () => { await a.Output.WriteAsync(ab); await a.Output.CompleteAsync(); });
            Task writeB = Task.Run(async () => { await b.Output.WriteAsync(ba); await b.Output.CompleteAsync(); });
            await Bounded(Task.WhenAll(writeA, writeB), "writes");
            Assert.Equal(ab, await Bounded(new ValueTask<byte[]>(readB), "read b"));
            Assert.Equal(ba, await Bounded(new ValueTask<byte[]>(readA), "read a"));
        }
    }

    [Fact]
    public async Task ReadAtTheWrapIsTwoNonEmptySegmentsOfTheRing()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            await a.Output.WriteAsync(Pattern(3000));
            ReadResult first = await b.Input.ReadAsync();
            b.Input.AdvanceTo(first.Buffer.End);
            byte[] data = Pattern(2000, 9); // 3000 + 2000 crosses the end of a 4096-byte ring
            await a.Output.WriteAsync(data);
            ReadResult result = await b.Input.ReadAsync();
            Assert.False(result.Buffer.IsSingleSegment);
            int segments = 0;
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
            {
                Assert.False(segment.IsEmpty);
                segments++;
            }
            Assert.Equal(2, segments);
            Assert.Equal(1096, result.Buffer.First.Length);
            Assert.Equal(data, result.Buffer.ToArray());
            b.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [Fact]
    public async Task WritesLargerThanTheRingArriveWhole()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] data = Pattern(50_000, 4);
            Task<byte[]> read = ReadToEnd(b.Input);
            // A size hint above the ring: a staging buffer, flushed through the ring in pieces.
            data.CopyTo(a.Output.GetSpan(data.Length));
            a.Output.Advance(data.Length);
            Assert.Equal(data.Length, a.Output.UnflushedBytes);
            await Bounded(a.Output.FlushAsync(), "flush");
            Assert.Equal(0, a.Output.UnflushedBytes);
            await a.Output.CompleteAsync();
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
        }
    }
}
