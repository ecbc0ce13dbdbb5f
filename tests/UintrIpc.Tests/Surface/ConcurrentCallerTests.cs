namespace UintrIpc.Tests.Surface;

/// <summary>Only one thread may be inside Wait/Poll: a second one gets InvalidOperationException, the first keeps working.</summary>
public sealed class ConcurrentCallerTests
{
    [Fact]
    public void Poll_and_Wait_from_a_second_thread_while_one_waits_throw_and_the_waiter_keeps_working()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(5);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
        Until.Blocked(receiver);

        Assert.Throws<InvalidOperationException>(() => receiver.Poll());
        Assert.Throws<InvalidOperationException>(() => receiver.Wait(TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => receiver.Wait(Timeout.InfiniteTimeSpan, CancellationToken.None));
        Assert.False(waiter.IsFinished);

        sender.Send();
        Assert.True(waiter.Result());
        Assert.Equal([5], recorder.Calls);
        // And once it left, this thread may wait.
        sender.Send();
        Assert.True(receiver.Wait(Until.Hang));
    }

    [Fact]
    public void Poll_from_another_thread_while_a_handler_runs_throws()
    {
        using var inHandler = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var recorder = new Recorder(_ =>
        {
            inHandler.Set();
            release.Wait(Until.Hang);
        });
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(5);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        var poller = TestThread.Start(receiver.Poll);
        Assert.True(inHandler.Wait(Until.Hang));
        Assert.Throws<InvalidOperationException>(() => receiver.Poll());
        release.Set();
        Assert.Equal(1, poller.Result());
    }

    [Fact]
    public void Two_threads_polling_at_once_never_run_the_handler_concurrently()
    {
        int inside = 0, overlap = 0, calls = 0;
        using var receiver = UintrReceiver.Register(_ =>
        {
            if (Interlocked.Increment(ref inside) != 1)
                Interlocked.Increment(ref overlap);
            Interlocked.Increment(ref calls);
            Interlocked.Decrement(ref inside);
        });
        using UintrFd fd = receiver.CreateFd(5);
        using var sender = UintrSender.Register(fd);
        using var start = new Barrier(2);
        int rejected = 0;
        int Poller()
        {
            start.SignalAndWait();
            int delivered = 0;
            for (int i = 0; i < 20_000; i++)
            {
                sender.Send();
                try
                {
                    delivered += receiver.Poll();
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref rejected);
                }
            }
            return delivered;
        }
        var a = TestThread.Start(Poller);
        var b = TestThread.Start(Poller);
        int total = a.Result() + b.Result();
        total += receiver.Poll();
        Assert.Equal(0, overlap);
        Assert.Equal(calls, total);
        Assert.Equal(0UL, receiver.PendingVectors);
    }
}
