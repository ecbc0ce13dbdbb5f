namespace UintrIpc.Tests.Surface;

/// <summary>Every member but Dispose of a disposed receiver, fd or sender throws ObjectDisposedException; Dispose twice is fine.</summary>
public sealed class DisposeTests
{
    public static TheoryData<string> ReceiverMembers => new()
    {
        "CreateFd", "Wait", "WaitWithToken", "WaitInfinite", "Poll", "EnableInterrupts", "DisableInterrupts",
        "InterruptsEnabled", "PendingVectors", "Mode", "Statistics",
    };

    private static void Use(UintrReceiver receiver, string member)
    {
        _ = member switch
        {
            "CreateFd" => receiver.CreateFd(1),
            "Wait" => receiver.Wait(TimeSpan.Zero),
            "WaitWithToken" => receiver.Wait(TimeSpan.FromSeconds(1), CancellationToken.None),
            "WaitInfinite" => receiver.Wait(Timeout.InfiniteTimeSpan),
            "Poll" => receiver.Poll(),
            "EnableInterrupts" => Do(receiver.EnableInterrupts),
            "DisableInterrupts" => Do(receiver.DisableInterrupts),
            "InterruptsEnabled" => receiver.InterruptsEnabled,
            "PendingVectors" => receiver.PendingVectors,
            "Mode" => receiver.Mode,
            "Statistics" => (object)receiver.Statistics,
            _ => throw new ArgumentException(member),
        };
    }

    private static object Do(Action action)
    {
        action();
        return true;
    }

    [Theory]
    [MemberData(nameof(ReceiverMembers))]
    public void Disposed_receiver_member_throws_ObjectDisposedException(string member)
    {
        var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(0);
        receiver.Dispose();
        var waiter = TestThread.Start(() => Use(receiver, member)); // a hang would be a bug too
        waiter.Exception<ObjectDisposedException>();
    }

    [Fact]
    public void Disposed_fd_members_throw_ObjectDisposedException()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(0);
        fd.Dispose();
        Assert.Throws<ObjectDisposedException>(() => fd.Vector);
        Assert.Throws<ObjectDisposedException>(() => fd.FileDescriptor);
        Assert.Throws<ObjectDisposedException>(() => fd.ReceiverPid);
        Assert.Throws<ObjectDisposedException>(() => UintrSender.Register(fd));
    }

    [Fact]
    public void Disposed_adopted_fd_members_throw_ObjectDisposedException()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(0);
        UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        adopted.Dispose();
        Assert.Throws<ObjectDisposedException>(() => adopted.Vector);
        Assert.Throws<ObjectDisposedException>(() => adopted.FileDescriptor);
        Assert.Throws<ObjectDisposedException>(() => UintrSender.Register(adopted));
    }

    [Fact]
    public void Disposed_sender_members_throw_ObjectDisposedException()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(0);
        var sender = UintrSender.Register(fd);
        sender.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sender.Index);
        Assert.Throws<ObjectDisposedException>(() => sender.Vector);
        Assert.Throws<ObjectDisposedException>(sender.Send);
        Assert.Equal(0UL, receiver.PendingVectors);
    }

    [Fact]
    public void Dispose_twice_is_fine_for_every_type()
    {
        var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(0);
        UintrFd other = receiver.CreateFd(1);
        var sender = UintrSender.Register(fd);
        int descriptor = other.FileDescriptor;
        sender.Dispose();
        sender.Dispose();
        other.Dispose();
        other.Dispose();
        receiver.Dispose();
        receiver.Dispose();
        fd.Dispose();
        fd.Dispose();
        Assert.Throws<ObjectDisposedException>(() => receiver.Poll());
        Assert.False(Sys.IsOpen(descriptor));
    }

    [Fact]
    public void Receiver_fd_outlives_the_receiver_until_disposed()
    {
        // Disposing the receiver closes its vectors, not the descriptors the user holds.
        var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(0);
        int descriptor = fd.FileDescriptor;
        receiver.Dispose();
        Assert.Equal(0, fd.Vector);
        Assert.True(Sys.IsOpen(descriptor));
        fd.Dispose();
        Assert.False(Sys.IsOpen(descriptor));
    }

    [Fact]
    public void Disposing_the_receiver_from_inside_its_handler_stops_delivery()
    {
        var recorder = new Recorder();
        var receiver = UintrReceiver.Register(recorder.Handler);
        recorder.Inside = _ => receiver.Dispose();
        using UintrFd a = receiver.CreateFd(1), b = receiver.CreateFd(2);
        using var sa = UintrSender.Register(a);
        using var sb = UintrSender.Register(b);
        sa.Send();
        sb.Send();
        Record.Exception(() => receiver.Poll()); // returning or ObjectDisposedException are both fine
        Assert.Equal([2], recorder.Calls); // vector 1 closed before its turn
        Assert.Throws<ObjectDisposedException>(() => receiver.Poll());
        Assert.Equal(104, Assert.Throws<UintrException>(sa.Send).Errno);
    }
}
