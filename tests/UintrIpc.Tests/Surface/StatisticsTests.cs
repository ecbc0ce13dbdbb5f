namespace UintrIpc.Tests.Surface;

/// <summary>The receiver's counters and the fd's fdinfo-like ToString.</summary>
public sealed class StatisticsTests
{
    [Fact]
    public void A_fresh_receiver_has_all_counters_zero()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        Assert.Equal(default, receiver.Statistics);
    }

    [Fact]
    public void Posts_count_collected_posts_once_per_coalesced_batch_and_deliveries_count_handler_calls()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd a = receiver.CreateFd(1), b = receiver.CreateFd(2);
        using var sa = UintrSender.Register(a);
        using var sb = UintrSender.Register(b);
        for (int i = 0; i < 10; i++)
            sa.Send();
        sb.Send();
        Assert.Equal(2, receiver.Poll());
        sa.Send();
        Assert.True(receiver.Wait(Until.Hang));
        var stats = receiver.Statistics;
        Assert.Equal(3, stats.Posts);
        Assert.Equal(3, stats.Deliveries);
        Assert.Equal(0, stats.Blocks);
    }

    [Fact]
    public void Posts_collected_while_interrupts_are_disabled_count_as_posts_not_deliveries()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        receiver.DisableInterrupts();
        sender.Send();
        Assert.Equal(0, receiver.Poll());
        Assert.Equal(new UintrReceiverStatistics(1, 0, 0, 0, 0), receiver.Statistics);
        receiver.EnableInterrupts();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal(new UintrReceiverStatistics(1, 1, 0, 0, 0), receiver.Statistics);
    }

    [Fact]
    public void A_wait_that_slept_counts_a_block_and_the_senders_wakeup()
    {
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
        Until.Blocked(receiver);
        sender.Send();
        Assert.True(waiter.Result());
        var stats = receiver.Statistics;
        Assert.Equal(1, stats.Blocks);
        Assert.Equal(1, stats.Wakeups);
        Assert.Equal(1, stats.Posts);
        Assert.Equal(1, stats.Deliveries);
        Assert.Equal(0, stats.SpuriousWakeups);
    }

    [Fact]
    public void A_wait_that_times_out_counts_a_block_but_no_wakeup()
    {
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(1);
        Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(20)));
        var stats = receiver.Statistics;
        Assert.Equal(1, stats.Blocks);
        Assert.Equal(0, stats.Wakeups);
        Assert.Equal(0, stats.Posts);
    }

    [Fact]
    public void A_wait_satisfied_at_entry_does_not_block()
    {
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        for (int i = 0; i < 100; i++)
        {
            sender.Send();
            Assert.True(receiver.Wait(Until.Hang));
        }
        Assert.Equal(new UintrReceiverStatistics(100, 100, 0, 0, 0), receiver.Statistics);
    }

    [Fact]
    public void Fd_ToString_names_the_vector_and_the_receiver_pid()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(37);
        string text = fd.ToString();
        Assert.Contains("user_vector:37", text);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
        using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
        Assert.Contains("user_vector:37", adopted.ToString());
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), adopted.ToString());
    }

    [Fact]
    public void Fd_ToString_works_after_dispose()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        UintrFd fd = receiver.CreateFd(5);
        fd.Dispose();
        Assert.Contains("user_vector:5", fd.ToString());
    }

    [Fact]
    public unsafe void A_wakeup_that_finds_nothing_counts_as_spurious_and_the_wait_goes_on()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
            Until.Blocked(receiver);
            // Another holder sets ON and wakes the word without posting anything.
            nint upid = page + 64; // vector 1's UPID is in cache line 1 (ABI section 2)
            ref uint status = ref *(uint*)upid;
            Assert.Equal(0x00EB0000u, Interlocked.CompareExchange(ref status, 0x00EB0001u, 0x00EB0000u));
            Sys.FutexWakeAll((uint*)upid);
            Until.Blocked(receiver, 1);
            Assert.False(waiter.IsFinished);
            sender.Send();
            Assert.True(waiter.Result());
            var stats = receiver.Statistics;
            Assert.Equal(1, stats.SpuriousWakeups);
            Assert.Equal(2, stats.Wakeups);
            Assert.Equal(2, stats.Blocks);
            Assert.Equal([1], recorder.Calls);
        }
        finally
        {
            Sys.Unmap(page);
        }
    }
}
