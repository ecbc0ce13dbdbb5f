using System.Threading.Channels;
using UintrIpc.Tests.Infrastructure;
using static UintrIpc.Tests.Channels.ChannelTestKit;
using static UintrIpc.Tests.Pipes.PipeTestKit;

namespace UintrIpc.Tests.Channels;

/// <summary>
/// Channels between processes: connect/accept, role mistakes, many producers in several
/// processes, and kill -9 of a producer at each step and of the consumer (docs/CHANNEL.md sections 6, 8-10).
/// </summary>
public class ChannelCrossProcessTests
{
    [Fact]
    public async Task EchoThroughAnotherProcess()
    {
        using PeerProcess child = PeerProcess.StartPeer("channel-echo");
        using UintrChannel channel = await Bounded(child.Socket.ConnectUintrChannelAsync(Ring(65536)), "connect");
        const int Count = 5000;
        Task writer = Task.Run(async () =>
        {
            for (int n = 0; n < Count; n++)
                await channel.Writer.WriteAsync(Message(0, n));
            channel.Writer.Complete();
        });
        int expected = 0;
        await Bounded(Task.Run(async () =>
        {
            await foreach (ReadOnlyMemory<byte> message in channel.Reader.ReadAllAsync())
                Assert.Equal((0, expected++), Check(message.Span));
        }), "echo");
        Assert.Equal(Count, expected);
        await Bounded(writer, "writer");
        Assert.Equal(0, child.WaitForExit());
    }

    [Fact]
    public async Task BothConnectingOrBothAcceptingFailsOnBothSidesSayingOneMustAccept()
    {
        foreach (bool connect in new[] { true, false })
        {
            var (first, second) = SocketPair();
            using (first)
            using (second)
            {
                ValueTask<UintrChannel> a = connect ? first.ConnectUintrChannelAsync() : first.AcceptUintrChannelAsync();
                ValueTask<UintrChannel> b = connect ? second.ConnectUintrChannelAsync() : second.AcceptUintrChannelAsync();
                var ea = await Assert.ThrowsAsync<UintrException>(() => Bounded(a, "first"));
                var eb = await Assert.ThrowsAsync<UintrException>(() => Bounded(b, "second"));
                Assert.Equal(71, ea.Errno);
                Assert.Contains(connect ? "one side must accept" : "one side must connect", ea.Message);
                Assert.Contains(connect ? "one side must accept" : "one side must connect", eb.Message);
            }
        }
    }

    /// <summary>Four producer processes and the channel's own writer into one reader: every message once, each producer's in its order.</summary>
    [Fact]
    public async Task ManyProducerProcessesIntoOneReaderKeepEachOnesOrder()
    {
        const int Count = 4000;
        var (a, b) = UintrChannel.CreatePair(Ring(16384));
        using (a)
        using (b)
        {
            var children = new List<PeerProcess>();
            try
            {
                for (int id = 1; id <= 4; id++)
                {
                    PeerProcess child = PeerProcess.StartPeer("channel-produce", id.ToString(), Count.ToString(), "complete");
                    children.Add(child);
                    await Bounded(b.AddProducerAsync(child.Socket).AsTask(), "add producer");
                }
                Task own = Task.Run(async () =>
                {
                    for (int n = 0; n < Count; n++)
                        await a.Writer.WriteAsync(Message(0, n));
                    a.Writer.Complete();
                });
                int[] next = new int[5];
                while (true)
                {
                    ReadOnlyMemory<byte> message;
                    try
                    {
                        message = await Bounded(b.Reader.ReadAsync(), $"read after {string.Join(',', next)}: {Describe(b.InputRing!)}");
                    }
                    catch (ChannelClosedException)
                    {
                        break;
                    }
                    var (producer, n) = Check(message.Span);
                    Assert.Equal(next[producer], n);
                    next[producer]++;
                }
                Assert.All(next, n => Assert.Equal(Count, n));
                await Bounded(own, "own writer");
                foreach (PeerProcess child in children)
                    Assert.Equal(0, child.WaitForExit());
            }
            finally
            {
                foreach (PeerProcess child in children)
                    child.Dispose();
            }
        }
    }

    /// <summary>
    /// kill -9 of one producer waiting for room (before its claim), holding a claim, or after
    /// its last commit, beside a producer that goes on: every committed message arrives once,
    /// the survivor's all, then ESHUTDOWN; no descriptor or mapping is left behind.
    /// </summary>
    [Theory]
    [InlineData("full")]
    [InlineData("claim")]
    [InlineData("committed")]
    public async Task AProducerKilledAtAnyStepNeverWedgesTheChannel(string mode)
    {
        await Warm();
        ProcessResources before = ProcessResources.Settled();
        for (int iteration = 0; iteration < 3; iteration++)
            await KillOneProducer(mode, killedCount: 20 + (iteration * 7));
        ProcessResources after = ProcessResources.Settled();
        // Exact for what a channel opens and maps (memfds); the runtime's own mappings move by a
        // few lines either way (PipeLeakTests says why); a fall is idle engine threads ending and
        // freeing their stacks, not a leak.
        int Memfds(ProcessResources r) => r.MappingLines.Count(line => line.Contains("memfd:uintr-ipc", StringComparison.Ordinal));
        Assert.Equal(before.Descriptors, after.Descriptors);
        Assert.Equal(Memfds(before), Memfds(after));
        Assert.True(after.Mappings - before.Mappings <= 8, $"mappings {before.Mappings} -> {after.Mappings}");
    }

    private static async Task KillOneProducer(string mode, int killedCount)
    {
        const int SurvivorCount = 3000;
        var (a, b) = UintrChannel.CreatePair(Ring(8192));
        using (a)
        using (b)
        {
            a.Writer.Complete();
            using PeerProcess killed = PeerProcess.StartPeer("channel-produce", "1", killedCount.ToString(), mode);
            await Bounded(b.AddProducerAsync(killed.Socket).AsTask(), "add the producer to kill");
            int[] next = new int[3];
            if (mode == "full")
            {
                // The ring fills up; read nothing until the producer says it is about to wait for room.
                killed.Expect('r');
            }
            else
            {
                // Read its messages first, so that its claim is the next record.
                while (next[1] < killedCount)
                {
                    var (p, n) = Check((await Bounded(b.Reader.ReadAsync(), "read")).Span);
                    Assert.Equal((1, next[1]), (p, n));
                    next[1]++;
                }
                killed.Expect('r');
            }
            using PeerProcess survivor = PeerProcess.StartPeer("channel-produce", "2", SurvivorCount.ToString(), "complete");
            await Bounded(b.AddProducerAsync(survivor.Socket).AsTask(), "add the survivor");
            killed.Kill();
            UintrException? end = null;
            while (end is null)
            {
                ReadOnlyMemory<byte> message;
                try
                {
                    message = await Bounded(b.Reader.ReadAsync(), $"read ({mode})");
                }
                catch (UintrException e)
                {
                    end = e;
                    break;
                }
                if (message.Length < 8)
                    continue; // the zero-length fillers of "full"
                var (producer, n) = Check(message.Span);
                Assert.Equal(next[producer], n);
                next[producer]++;
            }
            Assert.Equal(108, end.Errno); // ESHUTDOWN: one producer died
            Assert.Equal(killedCount, next[1]);
            Assert.Equal(SurvivorCount, next[2]);
            Assert.Equal(0, survivor.WaitForExit());
        }
    }

    /// <summary>kill -9 of the consumer: the producer's writes fail with ESHUTDOWN once the ring is full, the reader's read too.</summary>
    [Fact]
    public async Task TheConsumerKilledMakesTheWriterAndReaderFailWithEshutdown()
    {
        using PeerProcess child = PeerProcess.StartPeer("channel-hold");
        using UintrChannel channel = await Bounded(child.Socket.ConnectUintrChannelAsync(Ring(4096)), "connect");
        child.Expect('r');
        ValueTask<ReadOnlyMemory<byte>> read = channel.Reader.ReadAsync();
        child.Kill();
        var e = await Assert.ThrowsAsync<UintrException>(() => Bounded(read, "read"));
        Assert.Equal(108, e.Errno);
        var w = await Assert.ThrowsAsync<UintrException>(() => Bounded(Task.Run(async () =>
        {
            while (true)
                await channel.Writer.WriteAsync(new byte[100]);
        }), "writes"));
        Assert.Equal(108, w.Errno);
    }

    /// <summary>Loads what a first cross-process channel loads once for good (assemblies, keeper and watcher threads).</summary>
    private static async Task Warm() => await KillOneProducer("committed", killedCount: 1);
}
