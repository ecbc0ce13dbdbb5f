using System.Buffers;
using System.IO.Pipelines;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>Cancellation of ReadAsync and FlushAsync, by token and by CancelPending*, loses no byte.</summary>
public class PipeCancellationTests
{
    [Fact]
    public async Task CancelPendingReadEndsASleepingReadAndLosesNothing()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            for (int i = 0; i < 200; i++)
            {
                ValueTask<ReadResult> read = b.Input.ReadAsync();
                if (i % 2 == 0)
                    await Task.Yield(); // half the time the read is asleep, half it is about to be
                b.Input.CancelPendingRead();
                ReadResult result = await Bounded(read, "cancelled read");
                Assert.True(result.IsCanceled);
                b.Input.AdvanceTo(result.Buffer.Start);
                await a.Output.WriteAsync(new byte[] { (byte)i });
                ReadResult data = await Bounded(b.Input.ReadAsync(), "read");
                Assert.False(data.IsCanceled);
                Assert.Equal((byte)i, data.Buffer.FirstSpan[0]);
                b.Input.AdvanceTo(data.Buffer.End);
            }
        }
    }

    [Fact]
    public async Task CancelPendingReadBeforeReadMakesTheNextReadCancelled()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            b.Input.CancelPendingRead();
            ReadResult result = await Bounded(b.Input.ReadAsync(), "read");
            Assert.True(result.IsCanceled);
            b.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [Fact]
    public async Task TokenCancelsASleepingReadAndTheDataStillArrives()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            ValueTask<ReadResult> read = b.Input.ReadAsync(cts.Token);
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Bounded(read, "read"));
            await a.Output.WriteAsync(Pattern(7));
            ReadResult result = await Bounded(b.Input.ReadAsync(), "read");
            Assert.Equal(Pattern(7), result.Buffer.ToArray());
            b.Input.AdvanceTo(result.Buffer.End);
        }
    }

    [Fact]
    public async Task TokenCancelsAFlushWaitingForSpaceAndNoByteIsLost()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] data = Pattern(12_000);
            using var cts = new CancellationTokenSource();
            ValueTask<FlushResult> write = a.Output.WriteAsync(data, cts.Token);
            Assert.True(Until.True(() => a.OutputRing.SpaceWanted != 0), "the writer never waited for space");
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Bounded(write, "write"));
            Assert.True(a.Output.UnflushedBytes > 0); // the rest is kept for the next flush
            Task<byte[]> read = ReadToEnd(b.Input);
            await Bounded(a.Output.FlushAsync(), "flush");
            a.Output.Complete();
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
        }
    }

    [Fact]
    public async Task CancelPendingFlushEndsAFlushWaitingForSpaceAndNoByteIsLost()
    {
        var (a, b) = UintrPipe.CreatePair(Small());
        using (a)
        using (b)
        {
            byte[] data = Pattern(12_000, 5);
            ValueTask<FlushResult> write = a.Output.WriteAsync(data);
            Assert.True(Until.True(() => a.OutputRing.SpaceWanted != 0), "the writer never waited for space");
            a.Output.CancelPendingFlush();
            FlushResult result = await Bounded(write, "write");
            Assert.True(result.IsCanceled);
            Task<byte[]> read = ReadToEnd(b.Input);
            await Bounded(a.Output.FlushAsync(), "flush");
            a.Output.Complete();
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
        }
    }
}
