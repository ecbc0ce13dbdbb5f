using UintrIpc.Engine;

namespace UintrIpc.Tests.Async;

/// <summary>Wait, WaitAsync and Poll exclude each other on one receiver: the second caller gets InvalidOperationException and the first is unharmed.</summary>
public sealed class WaitAsyncExclusionTests
{
    [Fact]
    public void A_second_WaitAsync_while_one_sleeps_is_an_InvalidOperationException()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        ValueTask<bool> first = receiver.WaitAsync(Until.Hang);
        AsyncWait.Asleep(receiver);
        Assert.Throws<InvalidOperationException>(() => receiver.WaitAsync(Until.Hang));
        Assert.Throws<InvalidOperationException>(() => receiver.Wait(TimeSpan.Zero));
        Assert.Throws<InvalidOperationException>(() => receiver.Poll());
        Assert.Equal(1, FutexEngine.Waiting);
        sender.Send();
        Assert.True(AsyncWait.Finish(first));
        Assert.Equal([1], recorder.Calls);
    }

    [Fact]
    public void WaitAsync_while_another_thread_is_in_Wait_is_an_InvalidOperationException()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        var waiter = new TestThread<bool>(() => receiver.Wait(Until.Hang));
        Until.Blocked(receiver);
        Assert.Throws<InvalidOperationException>(() => receiver.WaitAsync(Until.Hang));
        sender.Send();
        Assert.True(waiter.Result());
    }

    [Fact]
    public void Racing_WaitAsync_and_Wait_callers_never_both_get_in()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(1);
        for (int i = 0; i < 2000; i++)
        {
            using var start = new Barrier(2);
            var sync = new TestThread<Exception?>(() =>
            {
                start.SignalAndWait();
                try
                {
                    receiver.Wait(TimeSpan.FromMilliseconds(1));
                    return null;
                }
                catch (InvalidOperationException e)
                {
                    return e;
                }
            });
            start.SignalAndWait();
            Exception? asyncRefused = null;
            ValueTask<bool> wait = default;
            try
            {
                wait = receiver.WaitAsync(TimeSpan.FromMilliseconds(1));
            }
            catch (InvalidOperationException e)
            {
                asyncRefused = e;
            }
            Exception? syncRefused = sync.Result();
            if (asyncRefused is null)
                Assert.False(AsyncWait.Finish(wait));
            // Both may get in one after the other; both refused is impossible.
            Assert.False(asyncRefused is not null && syncRefused is not null, "both callers were refused");
        }
        AsyncWait.DispatcherEmpty();
    }
}

/// <summary>A native-path receiver belongs to its registering thread: WaitAsync is refused with EOPNOTSUPP, and Wait still works.</summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwareWaitAsyncTests
{
    [Hardware.HardwareOnlyFact]
    public void WaitAsync_on_a_native_receiver_is_EOPNOTSUPP_and_leaves_it_usable()
    {
        var worker = new TestThread<bool>(() =>
        {
            using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { Mode = UintrMode.Native });
            using UintrFd fd = receiver.CreateFd(1);
            var refused = Assert.Throws<UintrException>(() => receiver.WaitAsync(TimeSpan.Zero));
            Assert.Equal(95, refused.Errno);
            using var sender = UintrSender.Register(fd);
            sender.Send();
            return receiver.Wait(Until.Hang);
        });
        Assert.True(worker.Result());
    }
}
