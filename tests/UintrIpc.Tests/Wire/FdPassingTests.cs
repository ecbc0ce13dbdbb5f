using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>Passing descriptors: what arrives is close-on-exec, and an async receive can be cancelled without losing a message.</summary>
public sealed class FdPassingTests
{
    public static TheoryData<int> SocketTypes => new() { LibC.SOCK_STREAM, LibC.SOCK_SEQPACKET };

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_received_uintr_fd_is_close_on_exec(int type)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(12);
        var (a, b) = Sys.SocketPair(type);
        using (a)
        using (b)
        {
            a.SendUintrFd(fd);
            using UintrFd received = b.ReceiveUintrFd();
            Assert.NotEqual(fd.FileDescriptor, received.FileDescriptor);
            Assert.True(Sys.IsCloseOnExec(received.FileDescriptor), "the received uintr fd is not close-on-exec");
            Assert.Equal(12, received.Vector);

            // And it is the same page: a sender on it posts vector 12 of this receiver.
            using var sender = UintrSender.Register(received);
            sender.Send();
            Assert.Equal(1, receiver.Poll());
            Assert.Equal([12], recorder.Calls);
        }
    }

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public async Task A_received_uintr_fd_is_close_on_exec_async(int type)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(12);
        var (a, b) = Sys.SocketPair(type);
        using (a)
        using (b)
        {
            ValueTask<UintrFd> pending = b.ReceiveUintrFdAsync();
            await a.SendUintrFdAsync(fd);
            using UintrFd received = await pending.AsTask().WaitAsync(Until.Hang);
            Assert.True(Sys.IsCloseOnExec(received.FileDescriptor), "the uintr fd received asynchronously is not close-on-exec");
        }
    }

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_received_plain_descriptor_is_close_on_exec(int type)
    {
        int eventfd = Sys.EventFd();
        Assert.False(Sys.IsCloseOnExec(eventfd));
        using var original = new Microsoft.Win32.SafeHandles.SafeFileHandle(eventfd, ownsHandle: true);
        var (a, b) = Sys.SocketPair(type);
        using (a)
        using (b)
        {
            a.SendFileDescriptor(original);
            using var received = b.ReceiveFileDescriptor();
            Assert.False(received.IsInvalid);
            Assert.True(Sys.IsCloseOnExec((int)received.DangerousGetHandle()), "the received descriptor is not close-on-exec");
        }
    }

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public async Task Cancelling_a_pending_ReceiveUintrFdAsync_throws_and_leaves_the_next_message_queued(int type)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd first = receiver.CreateFd(40);
        using UintrFd second = receiver.CreateFd(41);
        var descriptors = Descriptors.Snapshot();
        var (a, b) = Sys.SocketPair(type);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            Task<UintrFd> pending = b.ReceiveUintrFdAsync(cts.Token).AsTask();
            Assert.False(pending.IsCompleted, "ReceiveUintrFdAsync completed with nothing sent");
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Until.Hang));

            // The cancelled receive did not take the message that comes next.
            a.SendUintrFd(first);
            using (UintrFd got = b.ReceiveUintrFd())
                Assert.Equal(40, got.Vector);

            // And the socket still works asynchronously after a cancellation.
            Task<UintrFd> again = b.ReceiveUintrFdAsync().AsTask();
            a.SendUintrFd(second);
            using (UintrFd got = await again.WaitAsync(Until.Hang))
                Assert.Equal(41, got.Vector);
        }
        descriptors.AssertNoneAdded();
    }

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public async Task ReceiveUintrFdAsync_with_a_token_cancelled_beforehand_throws_and_consumes_nothing(int type)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(42);
        var (a, b) = Sys.SocketPair(type);
        using (a)
        using (b)
        {
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.ReceiveUintrFdAsync(cts.Token).AsTask().WaitAsync(Until.Hang));

            a.SendUintrFd(fd);
            using UintrFd got = b.ReceiveUintrFd();
            Assert.Equal(42, got.Vector);
        }
    }

    [Fact]
    public async Task Cancelling_ReceiveUintrFdAsync_on_a_connection_to_a_child_leaves_the_childs_message_queued()
    {
        using var peer = PeerProcess.StartPeer("hold");
        using var cts = new CancellationTokenSource();
        // "hold" waits for a descriptor from us: nothing arrives for this receive until we send.
        Task<UintrFd> pending = peer.Socket.ReceiveUintrFdAsync(cts.Token).AsTask();
        Assert.False(pending.IsCompleted);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Until.Hang));

        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(43);
        peer.Socket.SendUintrFd(fd);
        peer.Expect('K'); // the byte after the cancelled receive arrives intact
    }
}
