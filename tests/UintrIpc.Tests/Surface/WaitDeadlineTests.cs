namespace UintrIpc.Tests.Surface;

/// <summary>
/// Wait's deadline arithmetic at the edges: a timeout that is over before the wait would sleep,
/// and timeouts and spins so long that adding them to the clock overflows.
/// </summary>
public sealed class WaitDeadlineTests
{
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    // Waits of a millisecond or less: ten seconds is still ten thousand times too long.
    private static readonly TimeSpan ShortHang = TimeSpan.FromSeconds(10);

    [Fact]
    public void Timeout_shorter_than_the_spin_returns_false_instead_of_sleeping_for_ever()
    {
        // The whole timeout passes while spinning, so the deadline is already behind when the
        // wait would sleep: it must return false, not sleep without a deadline.
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMilliseconds(20) });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(TimeSpan.FromMilliseconds(1)));
        bool finished = waiter.Join(ShortHang);
        if (!finished)
            sender.Send(); // frees the stuck thread
        Assert.True(finished, "Wait(1 ms) with a 20 ms spin never returned");
        Assert.False(waiter.Result());
    }

    [Fact]
    public void Tiny_timeouts_always_return()
    {
        // A deadline that passes between computing it and going to sleep must not turn into an
        // unbounded sleep; many tiny timeouts give that window many chances.
        using var receiver = UintrReceiver.Register(_ => { }, NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() =>
        {
            for (int i = 0; i < 2000; i++)
                Assert.False(receiver.Wait(TimeSpan.FromTicks(1 + (i % 20))));
        });
        bool finished = waiter.Join(ShortHang);
        if (!finished)
            sender.Send();
        Assert.True(finished, "a Wait with a timeout of a few hundred nanoseconds never returned");
        waiter.Result();
    }

    [Fact]
    public void Huge_finite_timeout_does_not_return_false_early()
    {
        // TimeSpan.MaxValue is a valid, non-negative timeout that has not passed when another
        // thread creates a vector (which wakes the sleeping Wait so it watches the new page).
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(TimeSpan.MaxValue));
        Until.Blocked(receiver);
        using UintrFd other = receiver.CreateFd(2);
        Assert.True(Until.True(() => waiter.IsFinished || receiver.Statistics.Blocks >= 2), "Wait never went back to sleep");
        sender.Send();
        Assert.True(waiter.Result(), "Wait(TimeSpan.MaxValue) returned false long before its timeout");
        Assert.Equal([1], recorder.Calls);
    }

    [Fact]
    public void SpinDuration_of_TimeSpan_MaxValue_spins_instead_of_sleeping()
    {
        // "How long Wait spins before it sleeps": the longest spin must not turn into none.
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.MaxValue });
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan));
        // A correct Wait never blocks, so this poll always runs to its end; it only finds the bug.
        bool slept = Until.True(() => receiver.Statistics.Blocks > 0, TimeSpan.FromMilliseconds(500));
        sender.Send();
        Assert.True(waiter.Result());
        Assert.False(slept, "Wait went to sleep in the kernel although SpinDuration is TimeSpan.MaxValue");
        Assert.Equal(0, receiver.Statistics.Blocks);
    }
}
