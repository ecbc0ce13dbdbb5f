namespace UintrIpc.Tests.Surface;

/// <summary>Disposal racing the other side: Wait ends promptly with ObjectDisposedException, sends succeed or fail with ECONNRESET, nothing crashes or hangs.</summary>
public sealed class DisposeRaceTests
{
    private const int ECONNRESET = 104;

    private static UintrReceiverOptions Options(int i) =>
        new() { SpinDuration = i % 2 == 0 ? TimeSpan.Zero : UintrReceiverOptions.DefaultSpinDuration };

    private static void Stagger(int i)
    {
        for (int n = 0; n < i % 64; n++)
            Thread.SpinWait(16);
    }

    [Fact]
    public void Receiver_Dispose_racing_a_Wait_ends_it_with_ObjectDisposedException()
    {
        for (int i = 0; i < 500; i++)
        {
            var receiver = UintrReceiver.Register(_ => { }, Options(i));
            using UintrFd fd = receiver.CreateFd(i % 64);
            using var start = new Barrier(2);
            var waiter = TestThread.Start(() =>
            {
                start.SignalAndWait();
                return receiver.Wait(Timeout.InfiniteTimeSpan);
            }, "waiter");
            start.SignalAndWait();
            Stagger(i);
            receiver.Dispose();
            waiter.Exception<ObjectDisposedException>();
        }
    }

    [Fact]
    public void Receiver_Dispose_of_a_sleeping_Wait_ends_it_with_ObjectDisposedException()
    {
        for (int i = 0; i < 200; i++)
        {
            var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
            using UintrFd fd = receiver.CreateFd(3);
            var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan), "waiter");
            Until.Blocked(receiver);
            receiver.Dispose();
            waiter.Exception<ObjectDisposedException>();
        }
    }

    [Fact]
    public void Receiver_Dispose_racing_Sends_and_a_Wait_only_ever_yields_success_or_ECONNRESET()
    {
        for (int i = 0; i < 300; i++)
        {
            var receiver = UintrReceiver.Register(_ => { }, Options(i));
            using UintrFd a = receiver.CreateFd(1), b = receiver.CreateFd(2);
            using var sa = UintrSender.Register(a);
            using var sb = UintrSender.Register(b);
            using var start = new Barrier(3);
            var sending = TestThread.Start(() =>
            {
                start.SignalAndWait();
                bool aClosed = false, bClosed = false;
                while (!(aClosed && bClosed))
                {
                    aClosed |= SendOrReset(sa);
                    bClosed |= SendOrReset(sb);
                }
            }, "sender");
            var waiting = TestThread.Start(() =>
            {
                start.SignalAndWait();
                while (true)
                    receiver.Wait(Until.Hang);
            }, "waiter");
            start.SignalAndWait();
            Stagger(i);
            receiver.Dispose();
            sending.Result();
            waiting.Exception<ObjectDisposedException>();
            Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(sa.Send).Errno);
        }
    }

    /// <summary>Sends once: false when it posted, true when the vector is closed (ECONNRESET). Anything else fails the test.</summary>
    private static bool SendOrReset(UintrSender sender)
    {
        try
        {
            sender.Send();
            return false;
        }
        catch (UintrException e) when (e.Errno == ECONNRESET)
        {
            return true;
        }
    }

    [Fact]
    public void Fd_Dispose_racing_a_Wait_leaves_the_receiver_waiting_on_its_other_vectors()
    {
        const int Stop = 2;
        var foreign = new List<int>();
        bool stopSeen = false;
        using var receiver = UintrReceiver.Register(v =>
        {
            if (v == Stop)
                stopSeen = true;
            else if (v != 1)
                foreign.Add(v);
        }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd stopFd = receiver.CreateFd(Stop);
        using var stop = UintrSender.Register(stopFd);
        for (int i = 0; i < 400; i++)
        {
            UintrFd fd = receiver.CreateFd(1);
            using var sender = UintrSender.Register(fd);
            stopSeen = false;
            using var start = new Barrier(2);
            var waiter = TestThread.Start(() =>
            {
                start.SignalAndWait();
                while (!stopSeen)
                {
                    if (!receiver.Wait(Until.Hang))
                        return false;
                }
                return true;
            }, "waiter");
            start.SignalAndWait();
            if (i % 3 == 0)
                sender.Send();
            Stagger(i);
            fd.Dispose();
            Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(sender.Send).Errno);
            stop.Send();
            Assert.True(waiter.Result(), $"iteration {i}: the waiter timed out");
            Assert.Equal(0UL, receiver.PendingVectors & Bits.Of(1));
        }
        Assert.Empty(foreign);
    }

    [Fact]
    public void Fd_Dispose_racing_a_sleeping_Wait_does_not_end_or_break_the_Wait()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd keep = receiver.CreateFd(7);
        using var sender = UintrSender.Register(keep);
        for (int i = 0; i < 200; i++)
        {
            UintrFd closing = receiver.CreateFd(8);
            long blocks = receiver.Statistics.Blocks;
            var waiter = TestThread.Start(() => receiver.Wait(Until.Hang), "waiter");
            Until.Blocked(receiver, blocks);
            closing.Dispose();
            sender.Send();
            Assert.True(waiter.Result());
        }
        Assert.Equal(200, recorder.Count(7));
        Assert.Equal(200, recorder.Calls.Length);
    }

    [Fact]
    public void Sender_Dispose_racing_its_own_Sends_never_crashes()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(1);
        for (int i = 0; i < 300; i++)
        {
            var sender = UintrSender.Register(fd);
            using var start = new Barrier(2);
            var sending = TestThread.Start(() =>
            {
                start.SignalAndWait();
                try
                {
                    while (true)
                        sender.Send();
                }
                catch (ObjectDisposedException)
                {
                }
            }, "sender");
            start.SignalAndWait();
            Stagger(i);
            sender.Dispose();
            sending.Result();
            receiver.Poll();
        }
        // The index and the page were freed every time: the fd registers again.
        using var last = UintrSender.Register(fd);
        last.Send();
        Assert.Equal(1, receiver.Poll());
    }
}
