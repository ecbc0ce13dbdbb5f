namespace UintrIpc.Tests.Async;

/// <summary>A steady-state WaitAsync that sleeps in the dispatcher and is woken allocates nothing.</summary>
public sealed class AllocationTests
{
    private const int Iterations = 5_000;

    /// <summary>
    /// The sleeping half runs on this thread (WaitAsync: W1–W7 up to the hand-off), the waking half
    /// (W9–W11, the handler, the completion) in a synchronization context with a thread of its
    /// own; each thread counts what it allocates, so the test runner's other threads do not count.
    /// </summary>
    [Fact]
    public void Steady_state_sleep_and_wake_allocates_nothing()
    {
        using var receiver = UintrReceiver.Register(static _ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(0);
        using var sender = UintrSender.Register(fd);
        using var context = new DedicatedThreadContext();
        var loop = new SleepWakeLoop(receiver, sender);
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            loop.Run(Iterations); // warm-up: JIT, the dispatcher thread
            long blocks = receiver.Statistics.Blocks;
            long contextBefore = context.AllocatedBytes;
            long before = GC.GetAllocatedBytesForCurrentThread();
            loop.Run(Iterations);
            long mine = GC.GetAllocatedBytesForCurrentThread() - before;
            long resuming = context.AllocatedBytes - contextBefore;
            Assert.Equal(Iterations, receiver.Statistics.Blocks - blocks);
            Assert.Equal(0, mine);
            Assert.Equal(0, resuming);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
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

    /// <summary>Runs posted callbacks one at a time on its own thread, and reports that thread's allocations; posting allocates nothing.</summary>
    private sealed class DedicatedThreadContext : SynchronizationContext, IDisposable
    {
        private readonly SemaphoreSlim _posted = new(0);
        private readonly Thread _thread;
        private SendOrPostCallback? _callback;
        private object? _state;
        private long _allocated;
        private volatile bool _stopping;

        public DedicatedThreadContext()
        {
            _thread = new Thread(Loop) { IsBackground = true, Name = "test context" };
            _thread.Start();
        }

        /// <summary>Bytes the context's thread allocated after its first callback, read after it went idle.</summary>
        public long AllocatedBytes => Volatile.Read(ref _allocated);

        public override void Post(SendOrPostCallback d, object? state)
        {
            _callback = d;
            Volatile.Write(ref _state, state);
            _posted.Release();
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException();

        public void Dispose()
        {
            _stopping = true;
            _posted.Release();
            Assert.True(_thread.Join(Until.Hang));
            _posted.Dispose();
        }

        private void Loop()
        {
            SetSynchronizationContext(this);
            while (true)
            {
                _posted.Wait();
                if (_stopping)
                    return;
                long before = GC.GetAllocatedBytesForCurrentThread();
                _callback!(Volatile.Read(ref _state));
                Volatile.Write(ref _allocated, _allocated + GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }
    }
}
