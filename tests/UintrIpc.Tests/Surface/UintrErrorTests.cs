namespace UintrIpc.Tests.Surface;

/// <summary>UintrError names the errno values; UintrException.UintrErrorCode is Errno by name.</summary>
public sealed class UintrErrorTests
{
    /// <summary>Each member against the errno of the same meaning, as Mono.Posix (generated from the C headers) numbers it.</summary>
    [Theory]
    [InlineData(UintrError.OperationNotPermitted, "EPERM")]
    [InlineData(UintrError.BadDescriptor, "EBADF")]
    [InlineData(UintrError.OutOfMemory, "ENOMEM")]
    [InlineData(UintrError.Busy, "EBUSY")]
    [InlineData(UintrError.InvalidArgument, "EINVAL")]
    [InlineData(UintrError.TooManyOpenFiles, "EMFILE")]
    [InlineData(UintrError.NoSpace, "ENOSPC")]
    [InlineData(UintrError.NotImplemented, "ENOSYS")]
    [InlineData(UintrError.ProtocolError, "EPROTO")]
    [InlineData(UintrError.BadMessage, "EBADMSG")]
    [InlineData(UintrError.MessageSize, "EMSGSIZE")]
    [InlineData(UintrError.OperationNotSupported, "EOPNOTSUPP")]
    [InlineData(UintrError.AddressFamilyNotSupported, "EAFNOSUPPORT")]
    [InlineData(UintrError.ConnectionReset, "ECONNRESET")]
    [InlineData(UintrError.IsConnected, "EISCONN")]
    [InlineData(UintrError.Shutdown, "ESHUTDOWN")]
    [InlineData(UintrError.TimedOut, "ETIMEDOUT")]
    public void Each_name_is_its_errno(UintrError error, string errnoName)
    {
        var native = Enum.Parse<Mono.Unix.Native.Errno>(errnoName);
        Assert.Equal(Mono.Unix.Native.NativeConvert.FromErrno(native), (int)error);
    }

    [Fact]
    public void Every_member_is_tested()
    {
        var tested = typeof(UintrErrorTests).GetMethod(nameof(Each_name_is_its_errno))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (UintrError)a.GetData(null!).Single()[0]).ToHashSet();
        Assert.Equal(Enum.GetValues<UintrError>().ToHashSet(), tested);
    }

    [Fact]
    public void Exceptions_carry_the_name_of_their_errno()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        var outside = Assert.Throws<UintrException>(() => receiver.CreateFd(64));
        Assert.Equal(UintrError.NoSpace, outside.UintrErrorCode);
        Assert.Equal(28, outside.Errno);
        using UintrFd fd = receiver.CreateFd(5);
        Assert.Equal(UintrError.Busy, Assert.Throws<UintrException>(() => receiver.CreateFd(5)).UintrErrorCode);
        Assert.Equal(UintrError.InvalidArgument, Assert.Throws<UintrException>(() => UintrSender.SendUipi(1_000_000)).UintrErrorCode);
    }

    [Fact]
    public void An_errno_without_a_name_still_round_trips()
    {
        var e = new UintrException(5, null); // EIO
        Assert.Equal(5, e.Errno);
        Assert.Equal((UintrError)5, e.UintrErrorCode);
        Assert.False(Enum.IsDefined(e.UintrErrorCode));
        var named = new UintrException(UintrError.Shutdown, "gone");
        Assert.Equal(108, named.Errno);
        Assert.Equal("gone", named.Message);
    }
}

/// <summary>What docs/PORTING.md tells RFC users, checked.</summary>
public sealed class PortingClaimsTests
{
    [Fact]
    public void A_receiver_posts_to_itself_through_a_sender_on_its_own_fd()
    {
        int delivered = -1;
        using var receiver = UintrReceiver.Register(v => delivered = v);
        using UintrFd fd = receiver.CreateFd(12);
        using var self = UintrSender.Register(fd);
        self.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal(12, delivered);
    }

    [Fact]
    public void Interrupts_start_enabled_and_a_second_receiver_on_one_thread_is_allowed()
    {
        using var first = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { Mode = UintrMode.Futex });
        using var second = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { Mode = UintrMode.Futex });
        Assert.True(first.InterruptsEnabled);
        Assert.True(second.InterruptsEnabled);
    }

    [Fact]
    public void Disposing_the_receivers_UintrFd_closes_the_vector_for_every_copy()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd original = receiver.CreateFd(13);
        using UintrFd copy = UintrFd.FromFileDescriptor(Sys.Dup(original.FileDescriptor));
        using var sender = UintrSender.Register(copy);
        sender.Send();
        original.Dispose();
        Assert.Equal(UintrError.ConnectionReset, Assert.Throws<UintrException>(() => sender.Send()).UintrErrorCode);
    }

    [Fact]
    public void A_spinning_flag_loop_needs_Poll_the_handler_runs_only_there()
    {
        bool flag = false;
        using var receiver = UintrReceiver.Register(_ => flag = true);
        using UintrFd fd = receiver.CreateFd(14);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Thread.SpinWait(100_000);
        Assert.False(flag);           // posted, but no safe point yet
        Assert.NotEqual(0UL, receiver.PendingVectors);
        Assert.Equal(1, receiver.Poll());
        Assert.True(flag);
    }

    [Fact]
    public void The_sender_table_holds_1024_per_process()
    {
        // Distinct vectors (one descriptor registers once): 17 receivers of 64 vectors.
        var receivers = new List<UintrReceiver>();
        var fds = new List<UintrFd>();
        var senders = new List<UintrSender>();
        try
        {
            UintrException? full = null;
            for (int r = 0; r < 17 && full is null; r++)
            {
                var receiver = UintrReceiver.Register(_ => { });
                receivers.Add(receiver);
                for (int v = 0; v < 64 && full is null; v++)
                {
                    UintrFd fd = receiver.CreateFd(v);
                    fds.Add(fd);
                    try
                    {
                        senders.Add(UintrSender.Register(fd));
                    }
                    catch (UintrException e)
                    {
                        full = e;
                    }
                }
            }
            Assert.NotNull(full);
            Assert.Equal(UintrError.NoSpace, full.UintrErrorCode);
            Assert.True(senders.Count is > 256 and <= 1024, $"{senders.Count} senders before ENOSPC");
        }
        finally
        {
            senders.ForEach(s => s.Dispose());
            fds.ForEach(f => f.Dispose());
            receivers.ForEach(r => r.Dispose());
        }
    }
}
