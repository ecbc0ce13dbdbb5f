using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>Every way a direction ends, as a socket-backed pipe behaves (docs/PIPE.md section 9).</summary>
public class PipeCompletionTests
{
    [Fact]
    public async Task OutputCompleteLetsThePeerReadEverythingThenIsCompleted()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            await a.Output.WriteAsync(Pattern(1000));
            a.Output.Complete();
            ReadResult result = await Bounded(b.Input.ReadAtLeastAsync(1000), "read");
            Assert.Equal(1000, result.Buffer.Length);
            Assert.True(result.IsCompleted);
            b.Input.AdvanceTo(result.Buffer.End);
            ReadResult end = await Bounded(b.Input.ReadAsync(), "read at end");
            Assert.True(end.IsCompleted);
            Assert.True(end.Buffer.IsEmpty);
        }
    }

    [Fact]
    public async Task OutputCompletePublishesWhatWasAdvancedButNotFlushed()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            Pattern(100).CopyTo(a.Output.GetSpan(100));
            a.Output.Advance(100);
            a.Output.Complete();
            Assert.Equal(Pattern(100), await Bounded(new ValueTask<byte[]>(ReadToEnd(b.Input)), "read"));
        }
    }

    [Fact]
    public async Task CompleteAsyncFlushesStagedBytesLargerThanTheRing()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] data = Pattern(20_000);
            Task<byte[]> read = ReadToEnd(b.Input);
            data.CopyTo(a.Output.GetSpan(data.Length));
            a.Output.Advance(data.Length);
            await Bounded(a.Output.CompleteAsync().AsTask(), "complete");
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
        }
    }

    [Fact]
    public async Task InputCompleteMakesThePeersFlushReturnIsCompleted()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            b.Input.Complete();
            FlushResult result = await Bounded(a.Output.WriteAsync(Pattern(10)), "write");
            Assert.True(result.IsCompleted);
        }
    }

    [Fact]
    public async Task InputCompleteWakesAPeerWaitingForSpace()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            ValueTask<FlushResult> write = a.Output.WriteAsync(Pattern(10_000)); // more than the ring: waits
            Assert.True(Until.True(() => a.OutputRing.SpaceWanted != 0), "the writer never asked for space");
            b.Input.Complete();
            FlushResult result = await Bounded(write, "write");
            Assert.True(result.IsCompleted);
        }
    }

    [Fact]
    public async Task OutputCompleteWithAnErrorEndsThePeersStreamWithEconnresetAfterTheData()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            await a.Output.WriteAsync(Pattern(10));
            a.Output.Complete(new InvalidOperationException("broken"));
            ReadResult result = await b.Input.ReadAsync();
            Assert.Equal(10, result.Buffer.Length);
            b.Input.AdvanceTo(result.Buffer.End);
            var e = await Assert.ThrowsAsync<UintrException>(async () => await b.Input.ReadAsync());
            Assert.Equal(104, e.Errno);
        }
    }

    [Fact]
    public async Task DisposingAnEndCompletesBothDirectionsForThePeer()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (b)
        {
            await a.Output.WriteAsync(Pattern(5));
            a.Dispose();
            Assert.Equal(Pattern(5), await Bounded(new ValueTask<byte[]>(ReadToEnd(b.Input)), "read"));
            FlushResult flushed = await Bounded(b.Output.WriteAsync(Pattern(5)), "write");
            Assert.True(flushed.IsCompleted);
        }
    }

    [Fact]
    public async Task DisposeWakesItsOwnPendingReadWithObjectDisposed()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        {
            ValueTask<ReadResult> read = b.Input.ReadAsync();
            Assert.False(read.IsCompleted);
            b.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await Bounded(read, "read"));
            Assert.Throws<ObjectDisposedException>(() => b.Input);
            Assert.Throws<ObjectDisposedException>(() => b.Output);
        }
    }

    [Fact]
    public void ReadingAfterTheReaderCompletedIsAnError()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            b.Input.Complete();
            Assert.Throws<InvalidOperationException>(() => b.Input.TryRead(out _));
            a.Output.Complete();
            Assert.Throws<InvalidOperationException>(() => a.Output.GetSpan());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4095)]
    [InlineData(6000)]
    [InlineData(2048)]
    [InlineData(int.MinValue)]
    public void RingSizeMustBeAPowerOfTwoFrom4KiBTo1GiB(int size) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UintrPipeOptions { RingSize = size });

    [Fact]
    public void RingSizeLimitsAreAccepted()
    {
        Assert.Equal(4096, new UintrPipeOptions { RingSize = 4096 }.RingSize);
        Assert.Equal(1 << 30, new UintrPipeOptions { RingSize = 1 << 30 }.RingSize);
        Assert.Equal(1 << 20, new UintrPipeOptions().RingSize);
    }
}
