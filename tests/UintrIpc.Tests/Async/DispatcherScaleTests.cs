using UintrIpc.Engine;

namespace UintrIpc.Tests.Async;

/// <summary>
/// Many receivers in WaitAsync at once: a handful of dispatcher threads, a post wakes only its
/// own receiver's awaiter, and create/await/dispose cycles leave threads, descriptors and memory flat.
/// </summary>
public sealed class DispatcherScaleTests
{
    private sealed class Client : IDisposable
    {
        public readonly UintrReceiver Receiver;
        public readonly UintrFd Fd;
        public readonly UintrSender Sender;
        public int Calls;

        public Client(int vector)
        {
            Receiver = UintrReceiver.Register(_ => Interlocked.Increment(ref Calls), AsyncWait.NoSpin);
            Fd = Receiver.CreateFd(vector);
            Sender = UintrSender.Register(Fd);
        }

        public void Dispose()
        {
            Sender.Dispose();
            Fd.Dispose();
            Receiver.Dispose();
        }
    }

    [Fact]
    public void A_thousand_awaited_receivers_use_few_threads_and_a_post_wakes_only_its_own()
    {
        const int Count = 1000;
        var clients = new Client[Count];
        var waits = new Task<bool>[Count];
        try
        {
            for (int i = 0; i < Count; i++)
            {
                clients[i] = new Client(i % 64);
                waits[i] = AsyncWait.WithoutContext(() => clients[i].Receiver.WaitAsync(Until.Hang)).AsTask();
            }
            Assert.True(Until.True(() => FutexEngine.Waiting == Count), $"{FutexEngine.Waiting} of {Count} in the dispatcher");
            Assert.InRange(FutexEngine.Threads, 1, 16);

            long woken = FutexEngine.Woken, leaderWakes = FutexEngine.LeaderWakes, hires = FutexEngine.Hires;
            clients[123].Sender.Send();
            Assert.True(AsyncWait.Finish(waits[123]));
            Assert.Equal(1, FutexEngine.Woken - woken);
            Assert.Equal(Count - 1, FutexEngine.Waiting);
            Assert.Equal(1, waits.Count(w => w.IsCompleted));

            foreach (Client client in clients)
            {
                if (client != clients[123])
                    client.Sender.Send();
            }
            Assert.All(waits, w => Assert.True(AsyncWait.Finish(w)));
            Assert.All(clients, c => Assert.Equal(1, c.Calls));
            Assert.Equal(Count, FutexEngine.Woken - woken);
            Assert.Equal(Count, clients.Sum(c => c.Receiver.Statistics.Wakeups));
            // One leader wake per post at most (several posts may share one); a follower is
            // hired at most once per hand-off to a continuation, so once per post at most (a
            // leader that finds posts without sleeping, after -EAGAIN, hands off without a wake).
            long wakes = FutexEngine.LeaderWakes - leaderWakes, hired = FutexEngine.Hires - hires;
            Console.WriteLine($"{Count} posts: {wakes} leader wakes, {hired} followers hired, {FutexEngine.Threads} engine threads");
            Assert.InRange(wakes, 1, Count);
            Assert.InRange(hired, 0, Count);
            Assert.InRange(FutexEngine.Threads, 1, 16);
            AsyncWait.DispatcherEmpty();
        }
        finally
        {
            foreach (Client? client in clients)
                client?.Dispose();
        }
    }

    [Fact]
    public void Receivers_with_many_vectors_are_packed_into_shards_of_127_words()
    {
        // 63 words each: two fill a shard's 127 (128 less its control word); a third starts the next.
        const int Count = 40;
        const int Vectors = 63;
        var receivers = new UintrReceiver[Count];
        var fds = new List<UintrFd>();
        var waits = new Task<bool>[Count];
        try
        {
            for (int i = 0; i < Count; i++)
            {
                receivers[i] = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
                for (int v = 0; v < Vectors; v++)
                    fds.Add(receivers[i].CreateFd(v));
                int index = i;
                waits[i] = AsyncWait.WithoutContext(() => receivers[index].WaitAsync(Until.Hang)).AsTask();
            }
            Assert.True(Until.True(() => FutexEngine.Waiting == Count));
            Assert.Equal(Count / 2, FutexEngine.Shards);
            Assert.True(FutexEngine.Threads >= Count / 2, "a shard with no leader");
            using var sender = UintrSender.Register(fds[(7 * Vectors) + 62]);
            sender.Send();
            Assert.True(AsyncWait.Finish(waits[7]));
            Assert.Equal(Count - 1, FutexEngine.Waiting);
        }
        finally
        {
            foreach (UintrFd fd in fds)
                fd.Dispose();
            foreach (UintrReceiver receiver in receivers)
                receiver?.Dispose();
        }
        AsyncWait.Settle(waits.Where(w => w is not null));
        AsyncWait.DispatcherEmpty();
    }

    [Fact]
    public void Threads_descriptors_and_memory_stay_flat_over_100000_create_await_dispose_cycles()
    {
        const int Cycles = 100_000;
        const int Window = 10_000;
        static void Cycle()
        {
            using var receiver = UintrReceiver.Register(static _ => { }, AsyncWait.NoSpin);
            using UintrFd fd = receiver.CreateFd(5);
            using var sender = UintrSender.Register(fd);
            ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
            sender.Send();
            var spin = new SpinWait();
            long start = Stopwatch.GetTimestamp();
            while (!wait.IsCompleted)
            {
                if (Stopwatch.GetElapsedTime(start) > Until.Hang)
                    Assert.Fail("a WaitAsync never completed");
                spin.SpinOnce(sleep1Threshold: -1);
            }
            if (!wait.GetAwaiter().GetResult())
                Assert.Fail("a WaitAsync returned false");
        }

        AsyncWait.WithoutContext(() =>
        {
            for (int i = 0; i < Window; i++)
                Cycle();
            var first = Sample();
            var samples = new List<(int Threads, int DispatcherThreads, int Descriptors, int Mappings, long Managed)> { first };
            for (int done = Window; done < Cycles; done += Window)
            {
                for (int i = 0; i < Window; i++)
                    Cycle();
                samples.Add(Sample());
            }
            var last = samples[^1];
            string trace = string.Join("; ", samples);
            Console.WriteLine($"(process threads, dispatcher threads, descriptors, mappings, managed bytes) every {Window} cycles: {trace}");
            // A leader, and at times a follower hired while the leader ran a completion and the
            // next wait arrived from this thread.
            Assert.True(samples.Max(s => s.DispatcherThreads) <= 2, trace);
            Assert.True(samples.Max(s => s.Descriptors) <= first.Descriptors, trace);
            // The thread pool may add a worker or two and the JIT maps code as it goes: allow a
            // little slack in threads and mappings, none that grows with the cycles.
            Assert.True(last.Threads <= first.Threads + 4, trace);
            Assert.True(last.Mappings <= first.Mappings + 40, trace);
            Assert.True(last.Managed <= first.Managed + (4 << 20), trace);
            return 0;
        });
        AsyncWait.DispatcherEmpty();
    }

    private static (int Threads, int DispatcherThreads, int Descriptors, int Mappings, long Managed) Sample()
    {
        long managed = GC.GetTotalMemory(forceFullCollection: true);
        var resources = ProcessResources.Now();
        return (Directory.GetDirectories("/proc/self/task").Length, FutexEngine.Threads, resources.Descriptors, resources.Mappings, managed);
    }
}
