using Xunit.Abstractions;

namespace UintrIpc.Tests.Liveness;

/// <summary>
/// <c>kill -9</c> of the peer at random points of a cross-process ping-pong: the survivor never
/// hangs, sees ESHUTDOWN within a second of the kill, and ends with the descriptors and vector
/// page mappings it started with.
/// </summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int ESHUTDOWN = 108;
    private const int Iterations = 20;
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void Kill_9_at_random_points_of_a_ping_pong_never_hangs_the_survivor_and_leaks_nothing()
    {
        int seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        RunOne(random, iteration: -1); // warm-up: the process-wide machinery (keeper thread, socket engine) starts once
        var descriptors = Descriptors.Snapshot();
        int pages = PageMappings();
        var latencies = new List<double>();
        for (int i = 0; i < Iterations; i++)
            latencies.Add(RunOne(random, i));
        descriptors.AssertNoneAdded($"after {Iterations} killed ping-pongs");
        Assert.True(Until.True(() => PageMappings() == pages), $"vector page mappings went from {pages} to {PageMappings()}");
        latencies.Sort();
        output.WriteLine($"ESHUTDOWN after the kill call: median {latencies[latencies.Count / 2]:F3} ms, max {latencies[^1]:F3} ms");
    }

    /// <summary>One ping-pong killed at a random round, at a random side of this process's send; the ms from kill to ESHUTDOWN.</summary>
    private double RunOne(Random random, int iteration)
    {
        // The child either sleeps at once in every Wait (spin 0) or spins first (default), so the
        // kill finds it asleep in the kernel, spinning, in its handler or in the middle of a Send.
        bool childSpins = random.Next(2) == 0;
        int killAtRound = random.Next(1, 400);
        bool killBeforeSend = random.Next(2) == 0;
        string where = $"iteration {iteration}: child {(childSpins ? "spinning" : "sleeping")}, killed {(killBeforeSend ? "before" : "after")} our send in round {killAtRound}";

        long deliveries = 0;
        using var receiver = UintrReceiver.Register(_ => deliveries++, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(random.Next(2) * 30) });
        using UintrFd mine = receiver.CreateFd(3);
        using var peer = PeerProcess.StartPeer("pingpong", childSpins ? ["100000"] : ["100000", "0"]);
        peer.Socket.SendUintrFd(mine);
        using UintrFd theirs = peer.ReceiveUintrFd();
        using var sender = UintrSender.Register(theirs);

        long killedAt = 0;
        for (int round = 1; ; round++)
        {
            if (round == killAtRound && killBeforeSend)
                killedAt = Kill(peer);
            try
            {
                sender.Send();
            }
            catch (UintrException e) when (killedAt != 0)
            {
                Assert.Equal(ESHUTDOWN, e.Errno);
                break;
            }
            if (round == killAtRound && !killBeforeSend)
                killedAt = Kill(peer);
            // Bounded: a dead peer never answers, so after the kill this only ever times out.
            bool delivered = receiver.Wait(killedAt == 0 ? RoundTimeout : TimeSpan.FromMilliseconds(1));
            Assert.True(delivered || killedAt != 0, $"lost wake-up in round {round} before the kill; {where}");
            Assert.True(Stopwatch.GetElapsedTime(killedAt == 0 ? Stopwatch.GetTimestamp() : killedAt) < TimeSpan.FromSeconds(1),
                $"Send still succeeded a second after the kill; {where}");
        }
        double ms = Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds;
        Assert.True(Until.True(() => peer.Process.HasExited), $"the child survived SIGKILL; {where}");
        return ms;
    }

    private static long Kill(PeerProcess peer)
    {
        long at = Stopwatch.GetTimestamp();
        peer.Process.Kill();
        return at;
    }

    /// <summary>This process's mappings of vector pages (memfds named uintr-ipc:vN).</summary>
    private static int PageMappings() =>
        File.ReadLines("/proc/self/maps").Count(line => line.Contains("uintr-ipc:", StringComparison.Ordinal));
}
