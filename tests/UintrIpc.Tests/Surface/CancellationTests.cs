namespace UintrIpc.Tests.Surface;

/// <summary>A cancelled token ends Wait with OperationCanceledException, before and during the sleep.</summary>
public sealed class CancellationTests
{
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    [Fact]
    public void Token_cancelled_before_the_wait_throws()
    {
        using var receiver = UintrReceiver.Register(_ => { }, NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token));
    }

    [Fact]
    public void Token_cancelled_while_asleep_in_the_kernel_throws()
    {
        using var receiver = UintrReceiver.Register(_ => { }, NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var cts = new CancellationTokenSource();
        var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token));
        Until.Blocked(receiver);
        cts.Cancel();
        var e = waiter.Exception<OperationCanceledException>();
        Assert.Equal(cts.Token, e.CancellationToken);
    }

    [Fact]
    public void Token_cancelled_while_spinning_throws()
    {
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.FromHours(1) });
        using UintrFd fd = receiver.CreateFd(0);
        using var cts = new CancellationTokenSource();
        using var entered = new ManualResetEventSlim();
        var waiter = TestThread.Start(() =>
        {
            entered.Set();
            return receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token);
        });
        entered.Wait(Until.Hang);
        cts.Cancel();
        waiter.Exception<OperationCanceledException>();
    }

    [Fact]
    public void Receiver_keeps_working_after_a_cancelled_wait()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(8);
        using var sender = UintrSender.Register(fd);
        for (int i = 0; i < 200; i++)
        {
            using var cts = new CancellationTokenSource();
            long blocks = receiver.Statistics.Blocks;
            var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token));
            Until.Blocked(receiver, blocks);
            cts.Cancel();
            waiter.Exception<OperationCanceledException>();
        }
        sender.Send();
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal([8], recorder.Calls);
    }

    [Fact]
    public void Cancellation_racing_the_start_of_the_wait_always_ends_it()
    {
        // Cancel at every point from before the call to deep in the sleep: the wait must always
        // end with OperationCanceledException (never hang, never return).
        using var receiver = UintrReceiver.Register(_ => { }, NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        for (int i = 0; i < 500; i++)
        {
            using var cts = new CancellationTokenSource();
            using var start = new Barrier(2);
            var waiter = TestThread.Start(() =>
            {
                start.SignalAndWait();
                return receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token);
            });
            start.SignalAndWait();
            for (int spin = 0; spin < i % 50; spin++)
                Thread.SpinWait(20);
            cts.Cancel();
            waiter.Exception<OperationCanceledException>();
        }
    }
}
