using UintrIpc.TestInterop;
using UintrIpc.Engine;

namespace UintrIpc.Tests.Async;

/// <summary>
/// The futex engine's leader/followers: the code after an await runs on the engine thread the
/// kernel woke, which gave its duties away first, so a continuation that blocks or throws never
/// stalls the engine or loses another receiver's wake.
/// </summary>
public sealed class EngineTests
{
    private const int Others = 100;

    private sealed class Client : IDisposable
    {
        public readonly UintrReceiver Receiver;
        public readonly UintrFd Fd;
        public readonly UintrSender Sender;

        public Client(int vector, UintrHandler? handler = null)
        {
            Receiver = UintrReceiver.Register(handler ?? (_ => { }), AsyncWait.NoSpin);
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
    public void The_code_after_an_await_runs_on_the_engine_thread_the_kernel_woke_which_leads_no_longer()
    {
        using var client = new Client(9);
        int[] leadersDuringContinuation = [];
        int continuationTid = 0;
        Task<bool> run = AsyncWait.WithoutContext(async () =>
        {
            bool result = await client.Receiver.WaitAsync(Until.Hang);
            continuationTid = LibC.gettid();
            leadersDuringContinuation = FutexEngine.LeaderThreadIds();
            return result;
        });
        AsyncWait.Asleep(client.Receiver);
        int[] leadersAsleep = FutexEngine.LeaderThreadIds();
        client.Sender.Send();
        Assert.True(AsyncWait.Finish(run));
        Assert.Contains(continuationTid, leadersAsleep);
        Assert.DoesNotContain(continuationTid, leadersDuringContinuation);
    }

    [Fact]
    public void A_continuation_blocked_for_100_ms_and_more_delays_none_of_100_other_receivers_posted_meanwhile()
    {
        using var blocker = new Client(0);
        var others = Enumerable.Range(0, Others).Select(i => new Client(1 + (i % 63))).ToArray();
        try
        {
            using var blocked = new ManualResetEventSlim();
            using var othersDone = new CountdownEvent(Others);
            bool othersFinishedWhileBlocked = false;
            Task blocking = AsyncWait.WithoutContext(async () =>
            {
                await blocker.Receiver.WaitAsync(Until.Hang);
                blocked.Set();
                // Blocks the engine thread it resumed on: at least 100 ms, and until every other
                // receiver has completed (a stalled engine never gets there: the bound fails it).
                Thread.Sleep(100);
                othersFinishedWhileBlocked = othersDone.Wait(Until.Hang);
            });
            var waits = others.Select(c => AsyncWait.WithoutContext(async () =>
            {
                bool result = await c.Receiver.WaitAsync(Until.Hang);
                othersDone.Signal();
                return result;
            })).ToArray();
            Assert.True(Until.True(() => FutexEngine.Waiting >= Others + 1), $"{FutexEngine.Waiting} registrations in the engine");

            blocker.Sender.Send();
            Assert.True(blocked.Wait(Until.Hang), "the blocking continuation never ran");
            var clock = Stopwatch.StartNew();
            foreach (Client other in others)
                other.Sender.Send();
            Assert.All(waits, w => Assert.True(AsyncWait.Finish(w)));
            Console.WriteLine($"100 receivers posted beside a blocked continuation: all resumed after {clock.Elapsed.TotalMilliseconds:F1} ms");
            AsyncWait.Finish(blocking);
            Assert.True(othersFinishedWhileBlocked, "the other receivers completed only after the blocked continuation returned");
            AsyncWait.DispatcherEmpty();
        }
        finally
        {
            foreach (Client other in others)
                other.Dispose();
        }
    }

    [Fact]
    public void Continuations_and_handlers_that_throw_lose_no_other_receivers_wake()
    {
        var clients = Enumerable.Range(0, Others).Select(i => new Client(i % 64, i % 3 == 0 ? _ => throw new InvalidTimeZoneException() : null)).ToArray();
        try
        {
            for (int round = 0; round < 3; round++)
            {
                var waits = clients.Select((c, i) => AsyncWait.WithoutContext(async () =>
                {
                    bool result = await c.Receiver.WaitAsync(Until.Hang);
                    if (i % 3 == 1)
                        throw new InvalidProgramException("a continuation that throws");
                    return result;
                })).ToArray();
                Assert.True(Until.True(() => FutexEngine.Waiting >= Others), $"{FutexEngine.Waiting} registrations in the engine");
                foreach (Client client in clients)
                    client.Sender.Send();
                AsyncWait.Settle(waits);
                for (int i = 0; i < waits.Length; i++)
                {
                    if (i % 3 == 0)
                        Assert.IsType<InvalidTimeZoneException>(waits[i].Exception!.InnerException);
                    else if (i % 3 == 1)
                        Assert.IsType<InvalidProgramException>(waits[i].Exception!.InnerException);
                    else
                        Assert.True(AsyncWait.Finish(waits[i]));
                }
            }
            AsyncWait.DispatcherEmpty();
        }
        finally
        {
            foreach (Client client in clients)
                client.Dispose();
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Cancel_or_dispose_an_infinite_WaitAsync_while_the_leader_sleeps_in_the_kernel(bool dispose)
    {
        const int Iterations = 300;
        var bound = TimeSpan.FromSeconds(5);
        for (int i = 0; i < Iterations; i++)
        {
            var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
            using UintrFd fd = receiver.CreateFd(i % 64);
            using var cts = new CancellationTokenSource();
            Task<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(cts.Token).AsTask());
            AsyncWait.Asleep(receiver);
            // Asleep in the kernel's futex_waitv with this receiver's words, not just registered.
            Assert.True(Until.True(() => FutexEngine.LeaderThreadIds().Any(Threads.AsleepInFutex), bound),
                $"iteration {i}: no engine leader asleep in a futex wait");
            if (dispose)
                receiver.Dispose();
            else
                cts.Cancel();
            Assert.True(AsyncWait.Ends(wait, bound), $"iteration {i}: the WaitAsync did not end within {bound.TotalSeconds} s of the {(dispose ? "Dispose" : "Cancel")}");
            if (dispose)
                Assert.IsType<ObjectDisposedException>(wait.Exception!.InnerException);
            else
                Assert.True(wait.IsCanceled);
            receiver.Dispose();
        }
        AsyncWait.DispatcherEmpty();
    }

    [Fact]
    public void Dispose_racing_a_wake_ends_every_wait_and_loses_no_post_thousands_of_times()
    {
        const int Iterations = 3000;
        int delivered = 0, disposedFirst = 0;
        using var go = new Barrier(2);
        UintrSender? sender = null;
        var poster = new Thread(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                go.SignalAndWait();
                try
                {
                    Volatile.Read(ref sender)!.Send();
                }
                catch (UintrException e) when (e.Errno == 104)
                {
                    // ECONNRESET: the dispose closed the vector first
                }
                go.SignalAndWait(); // done with this iteration's sender
            }
        }) { IsBackground = true, Name = "poster" };
        poster.Start();
        for (int i = 0; i < Iterations; i++)
        {
            int before = delivered;
            var receiver = UintrReceiver.Register(_ => delivered++, AsyncWait.NoSpin);
            UintrFd fd = receiver.CreateFd(i % 64);
            Volatile.Write(ref sender, UintrSender.Register(fd));
            Task<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(Until.Hang).AsTask());
            go.SignalAndWait(Until.Hang); // the poster spins into Send while this disposes
            if ((i & 1) == 0)
                Thread.SpinWait(i % 300);
            receiver.Dispose();
            Assert.True(AsyncWait.Ends(wait, Until.Hang), $"iteration {i}: the WaitAsync never ended");
            if (wait.IsCompletedSuccessfully)
                Assert.Equal(before + 1, delivered); // the post won: delivered, exactly once
            else
            {
                Assert.IsType<ObjectDisposedException>(wait.Exception!.InnerException);
                Assert.Equal(before, delivered);
                disposedFirst++;
            }
            go.SignalAndWait(Until.Hang);
            sender!.Dispose();
            fd.Dispose();
        }
        Assert.True(poster.Join(Until.Hang));
        Console.WriteLine($"dispose vs wake: {Iterations - disposedFirst} delivered, {disposedFirst} ended by the dispose");
        AsyncWait.DispatcherEmpty();
    }
}
