namespace UintrIpc.Tests.Surface;

/// <summary>UintrSender.Register, Send and SendUipi: the error numbers of API.md and delivery through an index.</summary>
public sealed class SenderRegistrationTests
{
    private const int EINVAL = 22, ECONNRESET = 104, EISCONN = 106;

    [Fact]
    public void Registering_the_same_fd_twice_fails_with_EISCONN()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        using var first = UintrSender.Register(fd);
        Assert.Equal(EISCONN, Assert.Throws<UintrException>(() => UintrSender.Register(fd)).Errno);
        first.Send(); // the first registration is untouched
        Assert.Equal(Bits.Of(3), receiver.PendingVectors);
    }

    [Fact]
    public void Registering_a_duplicate_descriptor_of_a_registered_fd_fails_with_EISCONN()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        using var first = UintrSender.Register(fd);
        using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        Assert.Equal(3, adopted.Vector);
        Assert.Equal(EISCONN, Assert.Throws<UintrException>(() => UintrSender.Register(adopted)).Errno);
    }

    [Fact]
    public void Registering_again_after_the_first_sender_was_disposed_works()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(3);
        UintrSender.Register(fd).Dispose();
        using var second = UintrSender.Register(fd);
        second.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([3], recorder.Calls);
    }

    [Fact]
    public void Registering_an_fd_whose_vector_was_disposed_fails_with_ECONNRESET()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(3);
        using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        fd.Dispose(); // closes vector 3; the duplicate still holds the page
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => UintrSender.Register(adopted)).Errno);
    }

    [Fact]
    public void Registering_an_fd_whose_receiver_was_disposed_fails_with_ECONNRESET()
    {
        var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        receiver.Dispose();
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => UintrSender.Register(fd)).Errno);
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => UintrSender.Register(adopted)).Errno);
    }

    [Fact]
    public void Send_after_the_receiver_disposed_the_vector_fails_with_ECONNRESET()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        fd.Dispose();
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(sender.Send).Errno);
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => UintrSender.SendUipi(sender.Index)).Errno);
    }

    [Fact]
    public void Send_after_the_receiver_disposed_itself_fails_with_ECONNRESET()
    {
        var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        receiver.Dispose();
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(sender.Send).Errno);
    }

    [Fact]
    public void A_sender_of_a_closed_vector_does_not_post_the_vector_created_again()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        UintrFd old = receiver.CreateFd(3);
        using UintrFd oldCopy = UintrFd.FromFileDescriptor(Sys.Dup(old.FileDescriptor));
        using var oldSender = UintrSender.Register(oldCopy);
        old.Dispose();
        using UintrFd fresh = receiver.CreateFd(3);
        Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(oldSender.Send).Errno);
        Assert.Equal(0, receiver.Poll());
        using var freshSender = UintrSender.Register(fresh);
        freshSender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([3], recorder.Calls);
    }

    [Fact]
    public void SendUipi_by_index_delivers_that_senders_vector()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd a = receiver.CreateFd(10), b = receiver.CreateFd(20);
        using var sa = UintrSender.Register(a);
        using var sb = UintrSender.Register(b);
        Assert.NotEqual(sa.Index, sb.Index);
        Assert.Equal(10, sa.Vector);
        Assert.Equal(20, sb.Vector);
        UintrSender.SendUipi(sa.Index);
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([10], recorder.Calls);
        UintrSender.SendUipi(sb.Index);
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal([10, 20], recorder.Calls);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    [InlineData(1_000_000)]
    public void SendUipi_with_an_index_that_is_not_registered_fails_with_EINVAL(int index)
    {
        Assert.Equal(EINVAL, Assert.Throws<UintrException>(() => UintrSender.SendUipi(index)).Errno);
    }

    [Fact]
    public void SendUipi_with_a_freed_index_fails_with_EINVAL()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        var sender = UintrSender.Register(fd);
        int index = sender.Index;
        sender.Dispose();
        Assert.Equal(EINVAL, Assert.Throws<UintrException>(() => UintrSender.SendUipi(index)).Errno);
        Assert.Equal(0UL, receiver.PendingVectors);
    }

    [Fact]
    public void SendUipi_racing_the_senders_Dispose_either_posts_or_fails_with_EINVAL()
    {
        // SendUipi is given an index, not an object: once the index is freed the contract says
        // EINVAL, so a caller racing the unregistration must see success or EINVAL only.
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(3);
        var unexpected = new List<Exception>();
        for (int i = 0; i < 300; i++)
        {
            var sender = UintrSender.Register(fd);
            int index = sender.Index;
            using var start = new Barrier(2);
            var poster = TestThread.Start(() =>
            {
                start.SignalAndWait();
                for (int n = 0; n < 2000; n++)
                {
                    try
                    {
                        UintrSender.SendUipi(index);
                    }
                    catch (UintrException e) when (e.Errno == EINVAL)
                    {
                        return;
                    }
                }
            });
            start.SignalAndWait();
            sender.Dispose();
            if (Record.Exception(() => poster.Result()) is { } e)
                unexpected.Add(e);
        }
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} SendUipi calls failed otherwise, first: {unexpected.FirstOrDefault()}");
    }
}
