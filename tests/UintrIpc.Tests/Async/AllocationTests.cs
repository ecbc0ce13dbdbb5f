namespace UintrIpc.Tests.Async;

/// <summary>A steady-state WaitAsync that sleeps in the dispatcher and is woken allocates nothing.</summary>
public sealed class AllocationTests
{
    private const int Iterations = 5_000;

    /// <summary>The smallest object on the managed heap: any per-iteration allocation adds at least this much each time.</summary>
    private const int SmallestObject = 24;

    [Fact]
    public void Steady_state_sleep_and_wake_allocates_nothing()
    {
        using var receiver = UintrReceiver.Register(static _ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var sender = UintrSender.Register(fd);
        var loop = new SleepWakeLoop(receiver, sender);
        AsyncWait.WithoutContext(() => loop.Run(Iterations)); // warm-up: JIT, pools, the dispatcher thread
        long before = GC.GetTotalAllocatedBytes(precise: true);
        long blocks = receiver.Statistics.Blocks;
        AsyncWait.WithoutContext(() => loop.Run(Iterations));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(receiver.Statistics.Blocks - blocks >= Iterations / 2, "the loop did not go through the dispatcher");
        // The whole process is counted, the test runner's own threads too: allow a tenth of the
        // smallest object per iteration, far below what any allocation made every time would add.
        Assert.True(allocated < SmallestObject * Iterations / 10, $"{allocated} bytes allocated over {Iterations} sleeps and wakes");
    }

    [Fact]
    public void Pending_at_entry_allocates_nothing()
    {
        using var receiver = UintrReceiver.Register(static _ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var sender = UintrSender.Register(fd);
        for (int i = 0; i < 100; i++)
        {
            sender.Send();
            _ = receiver.WaitAsync(TimeSpan.Zero);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            sender.Send();
            if (!receiver.WaitAsync(TimeSpan.Zero).IsCompletedSuccessfully)
                Assert.Fail("a pending post did not complete WaitAsync at once");
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>WaitAsync, then a send from the same thread once it is asleep, then a busy wait for its completion: no Task, no blocking.</summary>
    private sealed class SleepWakeLoop(UintrReceiver receiver, UintrSender sender)
    {
        public int Run(int iterations)
        {
            for (int i = 0; i < iterations; i++)
            {
                ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
                sender.Send();
                long start = Stopwatch.GetTimestamp();
                while (!wait.IsCompleted)
                {
                    if (Stopwatch.GetElapsedTime(start) > Until.Hang)
                        Assert.Fail("a WaitAsync never completed");
                    Thread.SpinWait(20);
                }
                if (!wait.GetAwaiter().GetResult())
                    Assert.Fail("a WaitAsync returned false");
            }
            return iterations;
        }
    }
}
