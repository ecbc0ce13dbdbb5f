using Xunit.Abstractions;

namespace UintrIpc.Tests.FutexPath;

/// <summary>
/// No post is ever lost between a sender and a receiver going to sleep: strict ping-pong
/// between two threads and many senders racing one waiter, each wait bounded so that a lost
/// wake-up shows as a timeout instead of a hang.
/// </summary>
public sealed class LostWakeupTests(ITestOutputHelper output)
{
    private const int Rounds = 50_000;
    private static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);

    [Fact]
    public void Ping_pong_without_spinning_never_loses_a_wakeup() =>
        PingPong(new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });

    [Fact]
    public void Ping_pong_with_the_default_spin_never_loses_a_wakeup() =>
        PingPong(new UintrReceiverOptions());

    /// <summary>
    /// One side spins for a millisecond, the other sleeps at once: the spinner's reply lands while
    /// the sleeper is between W4 and W7, round after round, which is where a sender whose post
    /// is not a full barrier (a plain store instead of S4's fetch_or) loses a wake-up through
    /// the store buffer (a few per million rounds). Symmetric ping-pongs rarely hit that window.
    /// </summary>
    [Fact]
    public void Asymmetric_ping_pong_spinner_against_sleeper_never_loses_a_wakeup() =>
        PingPong(new UintrReceiverOptions { SpinDuration = TimeSpan.FromMilliseconds(1) },
                 new UintrReceiverOptions { SpinDuration = TimeSpan.Zero }, AsymmetricRounds);

    private const int AsymmetricRounds = 1_000_000;

    private void PingPong(UintrReceiverOptions options) => PingPong(options, options, Rounds);

    private void PingPong(UintrReceiverOptions pingerOptions, UintrReceiverOptions pongerOptions, int rounds)
    {
        long pings = 0, pongs = 0;
        using var a = UintrReceiver.Register(_ => pings++, pingerOptions);
        using var b = UintrReceiver.Register(_ => pongs++, pongerOptions);
        using UintrFd fdA = a.CreateFd(1), fdB = b.CreateFd(2);
        using var toA = UintrSender.Register(fdA);
        using var toB = UintrSender.Register(fdB);
        using var start = new Barrier(2);

        var pinger = TestThread.Start(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < rounds; i++)
            {
                toB.Send();
                if (!a.Wait(LostWakeup))
                    return $"pinger timed out in round {i}";
            }
            return null;
        }, "pinger");
        var ponger = TestThread.Start(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < rounds; i++)
            {
                if (!b.Wait(LostWakeup))
                    return $"ponger timed out in round {i}";
                toA.Send();
            }
            return null;
        }, "ponger");

        var deadline = TimeSpan.FromSeconds(rounds >= AsymmetricRounds ? 240 : 120);
        Assert.Null(ponger.Result(deadline));
        Assert.Null(pinger.Result(deadline));
        // Strict alternation: every send was one delivery, nothing coalesced or invented.
        Assert.Equal(rounds, pings);
        Assert.Equal(rounds, pongs);
        Assert.Equal(rounds, a.Statistics.Deliveries);
        Assert.Equal(rounds, b.Statistics.Deliveries);
        output.WriteLine($"{rounds} rounds; A: {a.Statistics}");
        output.WriteLine($"B: {b.Statistics}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void Many_senders_each_waiting_for_its_delivery_are_all_served(int spinMicroseconds)
    {
        const int Senders = 4, PerSender = 1500;
        var delivered = new SemaphoreSlim[Senders];
        for (int i = 0; i < Senders; i++)
            delivered[i] = new SemaphoreSlim(0);
        const int StopVector = 63;
        bool stopSeen = false;
        var recorder = new Recorder(v =>
        {
            if (v == StopVector)
                stopSeen = true;
            else
                delivered[v - 10].Release();
        });
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(spinMicroseconds) });
        var fds = Enumerable.Range(10, Senders).Append(StopVector).Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        int finished = 0;
        try
        {
            var threads = Enumerable.Range(0, Senders).Select(i => TestThread.Start(() =>
            {
                try
                {
                    for (int r = 0; r < PerSender; r++)
                    {
                        senders[i].Send();
                        if (!delivered[i].Wait(LostWakeup))
                            return $"vector {10 + i}: send {r} was never delivered";
                    }
                    return null;
                }
                finally
                {
                    Interlocked.Increment(ref finished);
                }
            }, $"sender {i}")).ToArray();

            var waiter = TestThread.Start(() =>
            {
                while (!stopSeen)
                {
                    if (!receiver.Wait(LostWakeup) && Volatile.Read(ref finished) < Senders)
                        return "the receiver timed out while senders were waiting for deliveries";
                }
                return null;
            }, "receiver");

            foreach (var thread in threads)
                Assert.Null(thread.Result(TimeSpan.FromSeconds(120)));
            senders[Senders].Send(); // the stop vector
            Assert.Null(waiter.Result(TimeSpan.FromSeconds(120)));
            for (int i = 0; i < Senders; i++)
                Assert.Equal(PerSender, recorder.Count(10 + i));
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void Senders_blasting_while_the_receiver_waits_all_get_through_and_nothing_is_left()
    {
        const int Senders = 6, PerSender = 50_000;
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        var fds = Enumerable.Range(0, Senders).Select(i => receiver.CreateFd(i * 10)).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            int done = 0;
            using var start = new Barrier(Senders + 1);
            var waiter = TestThread.Start(() =>
            {
                start.SignalAndWait();
                while (Volatile.Read(ref done) < Senders)
                    receiver.Wait(TimeSpan.FromMilliseconds(100));
                // Every post made before the senders finished is collected by now or by this.
                receiver.Poll();
            }, "receiver");
            var threads = Enumerable.Range(0, Senders).Select(i => TestThread.Start(() =>
            {
                start.SignalAndWait();
                for (int n = 0; n < PerSender; n++)
                    senders[i].Send();
                Interlocked.Increment(ref done);
            }, $"sender {i}")).ToArray();
            foreach (var thread in threads)
                thread.Result(TimeSpan.FromSeconds(60));
            waiter.Result(TimeSpan.FromSeconds(60));

            Assert.Equal(0UL, receiver.PendingVectors);
            var calls = recorder.Calls;
            for (int i = 0; i < Senders; i++)
                Assert.Contains(i * 10, calls);
            Assert.All(calls, v => Assert.Equal(0, v % 10));
            Assert.InRange(calls.Length, Senders, Senders * PerSender);
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }
}
