namespace UintrIpc.Tests.Surface;

/// <summary>Wait: its result, its timeout argument, pending posts at entry, and sleeping for ever.</summary>
public sealed class WaitTests
{
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    [Fact]
    public void Wait_returns_true_once_a_handler_ran()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(2);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal([2], recorder.Calls);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public void Wait_returns_false_on_timeout_and_not_before_it(int milliseconds)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(2);
        var timeout = TimeSpan.FromMilliseconds(milliseconds);
        var clock = Stopwatch.StartNew();
        Assert.False(receiver.Wait(timeout));
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(1), $"returned false after {clock.Elapsed}, before the {timeout} timeout");
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public void Wait_without_any_vector_times_out()
    {
        using var receiver = UintrReceiver.Register(_ => { }, NoSpin);
        Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(20)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]      // the default spin
    [InlineData(1000)]
    public void Pending_at_entry_is_delivered_at_once_even_with_a_zero_timeout(int spinMicroseconds)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(spinMicroseconds) });
        using UintrFd fd = receiver.CreateFd(11);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.True(receiver.Wait(TimeSpan.Zero));
        Assert.Equal([11], recorder.Calls);
        Assert.False(receiver.Wait(TimeSpan.Zero));
    }

    [Fact]
    public void Infinite_timeout_waits_until_another_thread_sends()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(6);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan));
        Until.Blocked(receiver);
        Assert.False(waiter.IsFinished);
        sender.Send();
        Assert.True(waiter.Result());
        Assert.Equal([6], recorder.Calls);
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(-1000)]
    public void Negative_timeout_other_than_infinite_is_rejected(int milliseconds)
    {
        using var receiver = UintrReceiver.Register(_ => { });
        Assert.Throws<ArgumentOutOfRangeException>(() => receiver.Wait(TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Throws<ArgumentOutOfRangeException>(() => receiver.Wait(TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => receiver.Wait(TimeSpan.MinValue, CancellationToken.None));
    }

    [Fact]
    public void A_vector_created_while_the_wait_sleeps_is_watched_by_it()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd first = receiver.CreateFd(1);
        var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
        Until.Blocked(receiver);
        using UintrFd added = receiver.CreateFd(2);
        Until.Blocked(receiver, 1); // asleep again, now on both pages
        Assert.False(waiter.IsFinished);
        using var sender = UintrSender.Register(added);
        sender.Send();
        Assert.True(waiter.Result());
        Assert.Equal([2], recorder.Calls);
    }
}
