using System.Threading.Channels;
using static UintrIpc.Tests.Channels.ChannelTestKit;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Channels;

/// <summary>One channel in one process: messages whole, once, in order; the wrap; back-pressure; claims; the end.</summary>
public class ChannelMessageTests
{
    [Theory]
    [InlineData(4096, 300)]
    [InlineData(4096, 2048)]     // the longest message of the ring: padding at almost every wrap
    [InlineData(65536, 5000)]
    public async Task MessagesArriveWholeOnceInOrderAcrossManyWraps(int ringSize, int maxLength)
    {
        var (a, b) = UintrChannel.CreatePair(Ring(ringSize));
        using (a)
        using (b)
        {
            const int Count = 3000;
            Task writer = Task.Run(async () =>
            {
                for (int n = 0; n < Count; n++)
                    await a.Writer.WriteAsync(Message(0, n, maxLength));
                a.Writer.Complete();
            });
            int expected = 0;
            await foreach (ReadOnlyMemory<byte> message in b.Reader.ReadAllAsync())
            {
                Assert.Equal((0, expected), Check(message.Span, maxLength));
                expected++;
            }
            Assert.Equal(Count, expected);
            await Bounded(writer, "writer");
        }
    }

    [Fact]
    public async Task EmptyAndLongestMessagesAndTooLongOnes()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            await a.Writer.WriteAsync(ReadOnlyMemory<byte>.Empty);
            await a.Writer.WriteAsync(new byte[2048]);
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Writer.TryClaim(2049, out _));
            await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await a.Writer.WriteAsync(new byte[2049]));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Writer.TryClaim(-1, out _));
            Assert.Equal(0, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
            Assert.Equal(2048, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
            Assert.False(b.Reader.TryRead(out _));
        }
    }

    [Fact]
    public async Task TryClaimWritesInPlaceAndCommitPublishes()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            Assert.True(a.Writer.TryClaim(5, out Span<byte> payload));
            Assert.Equal(5, payload.Length);
            "hello"u8.CopyTo(payload);
            Assert.Throws<InvalidOperationException>(() => a.Writer.TryClaim(1, out _));
            Assert.False(b.Reader.TryRead(out _)); // claimed, not committed: invisible
            a.Writer.Commit();
            Assert.Throws<InvalidOperationException>(() => a.Writer.Commit());
            Assert.True(b.Reader.TryRead(out ReadOnlyMemory<byte> message));
            Assert.Equal("hello"u8.ToArray(), message.ToArray());
        }
    }

    [Fact]
    public async Task AFullRingHoldsTheWriterUntilTheReaderReleases()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            int claimed = 0;
            while (a.Writer.TryClaim(100, out Span<byte> p))
            {
                p.Fill((byte)claimed);
                a.Writer.Commit();
                claimed++;
            }
            Assert.InRange(claimed, 20, 4096 / 128); // 128-byte records, the guard word's line kept free
            ValueTask blocked = a.Writer.WriteAsync(new byte[100]);
            Assert.False(blocked.IsCompleted);
            for (int i = 0; i < claimed; i++)
            {
                ReadOnlyMemory<byte> m = await Bounded(b.Reader.ReadAsync(), "read");
                Assert.All(m.ToArray(), x => Assert.Equal((byte)i, x));
            }
            b.Reader.Release();
            await Bounded(blocked.AsTask(), "the held write");
            Assert.Equal(100, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
        }
    }

    [Fact]
    public async Task TheEndComesAfterEveryMessageAndAnErrorIsEconnreset()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            await a.Writer.WriteAsync(new byte[] { 1 });
            a.Writer.Complete();
            Assert.Throws<InvalidOperationException>(() => a.Writer.TryClaim(1, out _));
            Assert.Equal(1, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
            await Assert.ThrowsAsync<ChannelClosedException>(async () => await b.Reader.ReadAsync());
            Assert.False(b.Reader.TryRead(out _));

            await b.Writer.WriteAsync(new byte[] { 2 });
            b.Writer.Complete(new InvalidOperationException("boom"));
            Assert.Equal(1, (await Bounded(a.Reader.ReadAsync(), "read")).Length);
            var e = await Assert.ThrowsAsync<UintrException>(async () => await a.Reader.ReadAsync());
            Assert.Equal(104, e.Errno); // ECONNRESET
        }
    }

    [Fact]
    public async Task AWaitingReadEndsWhenTheWriterCompletes()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            ValueTask<ReadOnlyMemory<byte>> read = b.Reader.ReadAsync();
            Assert.False(read.IsCompleted);
            a.Writer.Complete();
            await Assert.ThrowsAsync<ChannelClosedException>(() => Bounded(read, "read"));
        }
    }

    [Fact]
    public async Task CancellingAWaitLosesNothing()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        using (b)
        {
            using (var cts = new CancellationTokenSource())
            {
                ValueTask<ReadOnlyMemory<byte>> read = b.Reader.ReadAsync(cts.Token);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Bounded(read, "read"));
            }
            int claimed = 0, small = 0;
            while (a.Writer.TryClaim(1000, out _))
            {
                a.Writer.Commit();
                claimed++;
            }
            while (a.Writer.TryClaim(0, out _))
            {
                a.Writer.Commit();
                small++;
            }
            using (var cts = new CancellationTokenSource())
            {
                ValueTask write = a.Writer.WriteAsync(new byte[] { 42 }, cts.Token);
                Assert.False(write.IsCompleted);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Bounded(write.AsTask(), "write"));
            }
            for (int i = 0; i < claimed; i++)
                Assert.Equal(1000, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
            for (int i = 0; i < small; i++)
                Assert.Equal(0, (await Bounded(b.Reader.ReadAsync(), "read")).Length);
            await Bounded(a.Writer.WriteAsync(new byte[] { 7 }).AsTask(), "write");
            a.Writer.Complete();
            Assert.Equal(new byte[] { 7 }, (await Bounded(b.Reader.ReadAsync(), "read")).ToArray());
            await Assert.ThrowsAsync<ChannelClosedException>(async () => await b.Reader.ReadAsync());
        }
    }

    [Fact]
    public async Task DisposeFailsLaterCallsAndEndsAWait()
    {
        var (a, b) = UintrChannel.CreatePair(Ring());
        using (a)
        {
            ValueTask<ReadOnlyMemory<byte>> read = b.Reader.ReadAsync();
            UintrChannelReader reader = b.Reader;
            UintrChannelWriter writer = b.Writer;
            b.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => Bounded(read, "read"));
            Assert.Throws<ObjectDisposedException>(() => reader.TryRead(out _));
            Assert.Throws<ObjectDisposedException>(() => writer.TryClaim(1, out _));
            Assert.Throws<ObjectDisposedException>(() => b.Reader);
            await Assert.ThrowsAsync<ChannelClosedException>(async () => await a.Writer.WriteAsync(new byte[1]));
        }
    }
}
