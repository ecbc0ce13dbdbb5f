using UintrIpc.Engine;

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
        Assert.Equal(1, FutexEngine.Waiting);
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
        // One disposer thread for every iteration: a thread per iteration would itself add
        // mappings (glibc caches thread stacks) and hide or fake a leak.
        using var request = new SemaphoreSlim(0);
        using var done = new SemaphoreSlim(0);
        UintrReceiver? target = null;
        bool stop = false;
        var disposer = new TestThread<bool>(() =>
        {
            while (true)
            {
                request.Wait();
                if (Volatile.Read(ref stop))
                    return true;
                Volatile.Read(ref target)!.Dispose();
                done.Release();
            }
        }, "disposer");

        int iteration = 0;
        void Iteration()
        {
            var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
            using UintrFd fd = receiver.CreateFd(0);
            Volatile.Write(ref target, receiver);
            request.Release();
            if ((++iteration & 1) == 0)
                Thread.SpinWait(iteration % 500); // sometimes the dispose comes first, sometimes the wait
            try
            {
                AsyncWait.Finish(AsyncWait.WithoutContext(() => receiver.WaitAsync(Timeout.InfiniteTimeSpan)));
                Assert.Fail("a wait on a disposed receiver returned");
            }
            catch (ObjectDisposedException)
            {
            }
            Assert.True(done.Wait(Until.Hang), "the disposer hung");
        }

        AsyncWait.AssertNoLeak(Iteration, 300);
        Volatile.Write(ref stop, true);
        request.Release();
        Assert.True(disposer.Result());
    }

    [Fact]
    public void Dispose_during_WaitAsync_leaks_no_descriptor_or_mapping()
    {
        static void Iteration()
        {
            var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
            using UintrFd a = receiver.CreateFd(0), b = receiver.CreateFd(63);
            using var sender = UintrSender.Register(a);
            ValueTask<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(Timeout.InfiniteTimeSpan));
            AsyncWait.Asleep(receiver);
            receiver.Dispose();
            Assert.Throws<ObjectDisposedException>(() => AsyncWait.Finish(wait));
        }

        AsyncWait.AssertNoLeak(Iteration, 200);
    }
}
