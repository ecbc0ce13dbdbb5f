using System.Buffers;
using System.IO.Pipelines;
using Xunit.Abstractions;
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
            first.Send("UPC\u0001"u8); // a connector's role message (docs/PIPE.md section 7)...
            first.SendUintrFd(fd); // ...then a uintr fd (kind 1) where a ring (kind 4) is expected
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

/// <summary>
/// The owner words of a socket-connected pipe (PIPE.md section 9): each end's words are robust
/// futexes of its process, and a sleeping end is woken when the peer's word turns dead. The
/// kernel's part (marking the word at the owner's death) is played here by the test, exactly
/// as handle_futex_death does it: keep FUTEX_WAITERS, set FUTEX_OWNER_DIED, wake one waiter.
/// </summary>
public class PipeOwnerWordTests
{
    [Fact]
    public async Task ASleepingReaderWakesWithEshutdownWhenThePeersOwnerWordTurnsDead()
    {
        var (first, second) = SocketPair();
        using (first)
        using (second)
        {
            ValueTask<UintrPipe> connect = first.ConnectUintrPipeAsync(Small());
            using UintrPipe accepted = await Bounded(second.AcceptUintrPipeAsync(), "accept");
            using UintrPipe connected = await Bounded(connect, "connect");
            nint word = ProducerOwnerWord(accepted.InputRing);     // the connector's producer word
            Assert.Equal((uint)0, Load(word) & 0x4000_0000);
            Assert.NotEqual((uint)0, Load(word) & 0x3FFF_FFFF);      // a thread id: claimed
            await connected.Output.WriteAsync(Pattern(10));
            ReadResult data = await Bounded(accepted.Input.ReadAsync(), "read");
            accepted.Input.AdvanceTo(data.Buffer.End);
            ValueTask<ReadResult> sleeping = accepted.Input.ReadAsync();
            Assert.True(Until.True(() => (Load(word) & 0x8000_0000) != 0), "the watcher never set FUTEX_WAITERS");
            MarkOwnerDied(word);
            var e = await Assert.ThrowsAsync<UintrException>(async () => await Bounded(sleeping, "read"));
            Assert.Equal(108, e.Errno);
        }
    }

    private static unsafe nint ProducerOwnerWord(UintrIpc.Pipes.Ring ring) => (nint)(ring.Header + 256);

    private static unsafe uint Load(nint word) => Volatile.Read(ref *(uint*)word);

    private static unsafe void MarkOwnerDied(nint word)
    {
        uint value = Volatile.Read(ref *(uint*)word);
        Interlocked.Exchange(ref *(uint*)word, (value & 0x8000_0000) | 0x4000_0000);
        Sys.FutexWakeAll((uint*)word);
    }
}
