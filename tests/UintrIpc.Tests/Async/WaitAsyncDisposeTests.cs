using UintrIpc.Dispatch;

namespace UintrIpc.Tests.Async;

/// <summary>Disposing a receiver whose WaitAsync sleeps in the dispatcher: the await throws, the slot is freed, nothing leaks.</summary>
public sealed class WaitAsyncDisposeTests
{
    [Fact]
    public void Dispose_during_WaitAsync_throws_ObjectDisposedException_promptly_and_frees_the_slot()
    {
        var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        UintrFd fd = receiver.CreateFd(3);
        ValueTask<bool> wait = receiver.WaitAsync(Timeout.InfiniteTimeSpan);
        AsyncWait.Asleep(receiver);
        Assert.Equal(1, Dispatcher.Waiting);
        long start = Stopwatch.GetTimestamp();
        receiver.Dispose();
        Assert.Throws<ObjectDisposedException>(() => AsyncWait.Finish(wait));
        // Reported, not asserted (timing never decides a test here); the bound is 100 ms.
        Console.WriteLine($"dispose to ObjectDisposedException: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F2} ms");
        AsyncWait.DispatcherEmpty();
        fd.Dispose();
    }

    [Fact]
    public void A_sender_of_a_receiver_disposed_during_WaitAsync_gets_ECONNRESET()
    {
        var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        ValueTask<bool> wait = receiver.WaitAsync(Timeout.InfiniteTimeSpan);
        AsyncWait.Asleep(receiver);
        receiver.Dispose();
        Assert.Throws<ObjectDisposedException>(() => AsyncWait.Finish(wait));
        Assert.Equal(104, Assert.Throws<UintrException>(sender.Send).Errno);
    }

    [Fact]
    public void Dispose_racing_WaitAsync_always_ends_it_and_leaks_nothing()
    {
        static void Iteration()
        {
            var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
            using UintrFd fd = receiver.CreateFd(0);
            using var go = new ManualResetEventSlim();
            var disposer = new TestThread<bool>(() =>
            {
                go.Wait();
                receiver.Dispose();
                return true;
            });
            go.Set();
            try
            {
                AsyncWait.Finish(receiver.WaitAsync(Timeout.InfiniteTimeSpan));
                Assert.Fail("a wait on a disposed receiver returned");
            }
            catch (ObjectDisposedException)
            {
            }
            Assert.True(disposer.Result());
        }

        Iteration();
        var before = ProcessResources.Settled();
        for (int i = 0; i < 300; i++)
            Iteration();
        AsyncWait.DispatcherEmpty();
        var after = ProcessResources.Settled();
        Assert.True(after.SameCounts(before), after.DescribeChangesSince(before));
    }

    [Fact]
    public void Dispose_during_WaitAsync_leaks_no_descriptor_or_mapping()
    {
        static void Iteration()
        {
            var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
            using UintrFd a = receiver.CreateFd(0), b = receiver.CreateFd(63);
            using var sender = UintrSender.Register(a);
            ValueTask<bool> wait = receiver.WaitAsync(Timeout.InfiniteTimeSpan);
            AsyncWait.Asleep(receiver);
            receiver.Dispose();
            Assert.Throws<ObjectDisposedException>(() => AsyncWait.Finish(wait));
        }

        Iteration();
        Iteration();
        string? failure = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var before = ProcessResources.Settled();
            for (int i = 0; i < 200; i++)
                Iteration();
            AsyncWait.DispatcherEmpty();
            var after = ProcessResources.Now();
            if (after.SameCounts(before))
                return;
            failure = after.DescribeChangesSince(before);
        }
        Assert.Fail(failure);
    }
}
