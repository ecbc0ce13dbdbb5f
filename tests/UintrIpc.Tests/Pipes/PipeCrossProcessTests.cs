using System.Buffers;
using System.IO.Pipelines;
using Xunit.Abstractions;
using UintrIpc.Tests.CrossProcess;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Pipes;

/// <summary>Pipes between two processes: Connect/Accept over a Unix socket, and the peer's death.</summary>
public class PipeCrossProcessTests(ITestOutputHelper output)
{
    private static byte StreamByte(long position) => (byte)(position * 131 + (position >> 11));

    [Fact]
    public async Task EchoThroughAnotherProcess()
    {
        using PeerProcess child = PeerProcess.StartPeer("pipe-echo");
        using UintrPipe pipe = await Bounded(child.Socket.AcceptUintrPipeAsync(), "accept");
        byte[] data = Pattern(3_000_000); // larger than the connector's 1 MiB ring
        Task<byte[]> echoed = ReadToEnd(pipe.Input);
        await Bounded(pipe.Output.WriteAsync(data), "write");
        await pipe.Output.CompleteAsync();
        Assert.Equal(data, await Bounded(new ValueTask<byte[]>(echoed), "echo"));
        Assert.Equal(0, child.WaitForExit());
    }

    [Fact]
    public async Task ConnectAndAcceptInOneProcessMakeAWorkingPipeOfTheConnectorsRingSize()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            ValueTask<UintrPipe> connect = first.ConnectUintrPipeAsync(new UintrPipeOptions { RingSize = 8192 });
            using UintrPipe accepted = await Bounded(second.AcceptUintrPipeAsync(new UintrPipeOptions { RingSize = 65536 }), "accept");
            using UintrPipe connected = await Bounded(connect, "connect");
            Assert.Equal(8192, accepted.InputRing.Size);
            Assert.Equal(8192, accepted.OutputRing.Size);
            byte[] data = Pattern(40_000);
            Task<byte[]> read = ReadToEnd(accepted.Input);
            await connected.Output.WriteAsync(data);
            connected.Output.Complete();
            Assert.Equal(data, await Bounded(new ValueTask<byte[]>(read), "read"));
            await accepted.Output.WriteAsync(data.AsMemory(0, 10));
            ReadResult back = await Bounded(connected.Input.ReadAsync(), "read back");
            Assert.Equal(data[..10], back.Buffer.ToArray());
            connected.Input.AdvanceTo(back.Buffer.End);
        }
    }

    [Fact]
    public async Task AcceptRefusesSomethingThatIsNotARing()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            using var receiver = UintrReceiver.Register(_ => { });
            using UintrFd fd = receiver.CreateFd(0);
            first.SendUintrFd(fd); // a uintr fd (kind 1) where a ring (kind 3) is expected
            var e = await Assert.ThrowsAsync<UintrException>(async () => await Bounded(second.AcceptUintrPipeAsync(), "accept"));
            Assert.Equal(71, e.Errno);
        }
    }

    /// <summary>
    /// kill -9 of a streaming producer at random points: the reader gets every byte published
    /// before the death, each the right one, then ESHUTDOWN; never a hang.
    /// </summary>
    [Fact]
    public async Task PeerKilledWhileStreamingReaderGetsEveryPublishedByteThenEshutdown()
    {
        var random = new Random(42);
        TimeSpan worst = TimeSpan.Zero;
        for (int iteration = 0; iteration < 100; iteration++)
        {
            using PeerProcess child = PeerProcess.StartPeer("pipe-stream", iteration.ToString());
            using UintrPipe pipe = await Bounded(child.Socket.AcceptUintrPipeAsync(), "accept");
            long killAt = random.Next(0, 600_000);
            long position = 0;
            bool killed = false;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan killedAt = TimeSpan.Zero;
            UintrException? end = null;
            while (end is null)
            {
                ReadResult result;
                try
                {
                    result = await Bounded(pipe.Input.ReadAsync(), $"read in iteration {iteration}");
                }
                catch (UintrException e)
                {
                    end = e;
                    break;
                }
                Assert.False(result.IsCompleted, "the stream completed without an error");
                foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                {
                    ReadOnlySpan<byte> span = segment.Span;
                    for (int i = 0; i < span.Length; i++)
                    {
                        if (span[i] != StreamByte(position + i))
                            Assert.Fail($"iteration {iteration}: wrong byte at {position + i}");
                    }
                    position += span.Length;
                }
                pipe.Input.AdvanceTo(result.Buffer.End);
                if (!killed && position >= killAt)
                {
                    child.Kill();
                    killed = true;
                    killedAt = clock.Elapsed;
                }
            }
            Assert.True(killed, $"iteration {iteration}: the stream ended before the kill: {end}");
            Assert.Equal(108, end.Errno);
            // Everything published is read: the position equals the producer's last published one.
            Assert.Equal(pipe.InputRing.Tail, (ulong)position);
            TimeSpan took = clock.Elapsed - killedAt;
            if (took > worst)
                worst = took;
        }
        output.WriteLine($"slowest ESHUTDOWN after the kill (including draining the ring): {worst.TotalMilliseconds:F1} ms");
    }
}
