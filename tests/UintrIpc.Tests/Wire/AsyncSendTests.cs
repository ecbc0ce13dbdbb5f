using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>
/// SendUintrFdAsync on a full socket waits for the socket to become writable: it stays pending
/// while the peer reads nothing, completes once the peer drains, and can be cancelled.
/// </summary>
public sealed class AsyncSendTests
{
    /// <summary>Fills <paramref name="socket"/>'s send buffer; returns how many bytes it took.</summary>
    private static long Fill(Socket socket)
    {
        socket.Blocking = false;
        var chunk = new byte[4096];
        long total = 0;
        while (true)
        {
            int n = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out SocketError error);
            if (error == SocketError.WouldBlock)
                break;
            Assert.Equal(SocketError.Success, error);
            total += n;
        }
        // A stream may still take a short piece; fill byte by byte to the brim.
        while (socket.Send(chunk, 0, 1, SocketFlags.None, out SocketError error) == 1 && error == SocketError.Success)
            total++;
        socket.Blocking = true;
        return total;
    }

    private static void Drain(Socket socket, long bytes)
    {
        var buffer = new byte[65536];
        socket.ReceiveTimeout = (int)Until.Hang.TotalMilliseconds;
        while (bytes > 0)
            bytes -= socket.Receive(buffer, 0, (int)Math.Min(buffer.Length, bytes), SocketFlags.None);
    }

    [Theory]
    [InlineData(SocketType.Stream)]
    [InlineData(SocketType.Seqpacket)]
    public void A_send_on_a_full_socket_completes_when_the_peer_reads(SocketType type)
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd fd = receiver.CreateFd(9))
        {
            var (a, b) = UintrFdPassing.CreateSocketPair(type);
            using (a)
            using (b)
            {
                long filler = type == SocketType.Stream ? Fill(a) : FillRecords(a, out _);
                Task send = a.SendUintrFdAsync(fd).AsTask();
                Assert.False(Ends(send, TimeSpan.FromMilliseconds(100)), "the send completed while the socket was full");
                if (type == SocketType.Stream)
                    Drain(b, filler);
                else
                    DrainRecords(b, filler);
                Assert.True(Ends(send, Until.Hang), "the send did not complete after the peer drained the socket");
                using UintrFd received = b.ReceiveUintrFd();
                Assert.Equal(9, received.Vector);
            }
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void Cancelling_a_waiting_send_throws_and_sends_nothing()
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd fd = receiver.CreateFd(9))
        {
            var (a, b) = UintrFdPassing.CreateSocketPair();
            using (a)
            using (b)
            {
                long filler = Fill(a);
                using var cts = new CancellationTokenSource();
                Task send = a.SendUintrFdAsync(fd, cts.Token).AsTask();
                Assert.False(Ends(send, TimeSpan.FromMilliseconds(50)));
                cts.Cancel();
                Assert.True(Ends(send, Until.Hang));
                Assert.True(send.IsCanceled, $"status {send.Status}");
                Drain(b, filler);
                b.Blocking = false;
                Assert.Equal(0, b.Available);
                // Still usable, in step.
                b.Blocking = true;
                a.SendUintrFd(fd);
                using UintrFd received = b.ReceiveUintrFd();
                Assert.Equal(9, received.Vector);
            }
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void Disposing_the_socket_ends_a_waiting_send_with_ObjectDisposedException()
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd fd = receiver.CreateFd(9))
        {
            var (a, b) = UintrFdPassing.CreateSocketPair();
            using (b)
            {
                Fill(a);
                Task send = a.SendUintrFdAsync(fd).AsTask();
                Assert.False(Ends(send, TimeSpan.FromMilliseconds(50)));
                a.Dispose();
                Assert.True(Ends(send, Until.Hang), "the send outlived its socket");
                Assert.IsType<ObjectDisposedException>(send.Exception!.InnerException);
            }
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void Many_sends_waiting_at_once_all_complete()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(9);
        var pairs = Enumerable.Range(0, 50).Select(_ => UintrFdPassing.CreateSocketPair()).ToArray();
        try
        {
            long[] filler = pairs.Select(p => Fill(p.First)).ToArray();
            Task[] sends = pairs.Select(p => p.First.SendUintrFdAsync(fd).AsTask()).ToArray();
            Assert.DoesNotContain(sends, s => s.IsCompleted);
            for (int i = 0; i < pairs.Length; i++)
                Drain(pairs[i].Second, filler[i]);
            Assert.True(Ends(Task.WhenAll(sends), Until.Hang));
            foreach (var (_, second) in pairs)
            {
                using UintrFd received = second.ReceiveUintrFd();
                Assert.Equal(9, received.Vector);
            }
        }
        finally
        {
            foreach (var (first, second) in pairs)
            {
                first.Dispose();
                second.Dispose();
            }
        }
    }

    /// <summary>Whether <paramref name="task"/> ends (in any state) within <paramref name="timeout"/>.</summary>
    private static bool Ends(Task task, TimeSpan timeout) => task.ContinueWith(_ => { }, TaskScheduler.Default).Wait(timeout);

    /// <summary>Fills a seqpacket socket with 1-byte records; returns how many.</summary>
    private static long FillRecords(Socket socket, out int size)
    {
        size = 1;
        socket.Blocking = false;
        long count = 0;
        var one = new byte[1];
        while (socket.Send(one, 0, 1, SocketFlags.None, out SocketError error) == 1 && error == SocketError.Success)
            count++;
        socket.Blocking = true;
        return count;
    }

    private static void DrainRecords(Socket socket, long count)
    {
        var buffer = new byte[16];
        socket.ReceiveTimeout = (int)Until.Hang.TotalMilliseconds;
        for (long i = 0; i < count; i++)
            socket.Receive(buffer);
    }
}
