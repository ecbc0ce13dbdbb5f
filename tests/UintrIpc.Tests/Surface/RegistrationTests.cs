namespace UintrIpc.Tests.Surface;

/// <summary>Register and CreateFd: the receiver's initial state and the vector allocation rules.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public void Register_returns_a_receiver_with_interrupts_enabled_and_nothing_pending()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        Assert.True(receiver.InterruptsEnabled);
        Assert.Equal(0UL, receiver.PendingVectors);
        Assert.Equal(0, receiver.Poll());
    }

    [Fact]
    public void Register_with_futex_mode_uses_the_futex_path()
    {
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { Mode = UintrMode.Futex });
        Assert.Equal(UintrMode.Futex, receiver.Mode);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(200)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void CreateFd_outside_0_to_63_fails_with_ENOSPC(int vector)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        var e = Assert.Throws<UintrException>(() => receiver.CreateFd(vector));
        Assert.Equal(28, e.Errno);
    }

    [Fact]
    public void CreateFd_accepts_every_vector_from_0_to_63()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        var fds = new List<UintrFd>();
        try
        {
            for (int v = 0; v < 64; v++)
            {
                UintrFd fd = receiver.CreateFd(v);
                fds.Add(fd);
                Assert.Equal(v, fd.Vector);
                Assert.True(Sys.IsOpen(fd.FileDescriptor));
            }
            Assert.Equal(64, fds.Select(f => f.FileDescriptor).Distinct().Count());
        }
        finally
        {
            fds.ForEach(f => f.Dispose());
        }
    }

    [Fact]
    public void CreateFd_for_a_vector_with_a_live_fd_fails_with_EBUSY()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(7);
        var e = Assert.Throws<UintrException>(() => receiver.CreateFd(7));
        Assert.Equal(16, e.Errno);
        Assert.Equal(7, fd.Vector); // the live fd is untouched
    }

    [Fact]
    public void Disposing_the_fd_frees_the_vector_for_a_new_CreateFd()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        receiver.CreateFd(9).Dispose();
        using UintrFd again = receiver.CreateFd(9);
        using var sender = UintrSender.Register(again);
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([9], recorder.Calls);
    }

    [Fact]
    public void Disposing_an_adopted_duplicate_does_not_close_the_vector()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(4);
        UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor)).Dispose();
        Assert.Equal(16, Assert.Throws<UintrException>(() => receiver.CreateFd(4)).Errno);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([4], recorder.Calls);
    }
}
