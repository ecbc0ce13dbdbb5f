using Xunit.Abstractions;

namespace UintrIpc.Tests.Surface;

/// <summary>
/// A ping-pong with a child process: each side posts the other's vector and waits for its own,
/// strictly alternating, so every round is one post, one wake-up (or spin hit) and exactly one
/// delivery on each side. A lost wake-up shows as a 10-second timeout on either side.
/// </summary>
public sealed class PingPongTests(ITestOutputHelper output)
{
    private const int Rounds = 3000;
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(0)]       // SpinDuration zero: every wait sleeps in the kernel, every send must wake
    [InlineData(-1)]      // the default spin
    public void PingPong_with_a_child_process_loses_no_wakeup(int spinMicroseconds)
    {
        var options = spinMicroseconds < 0
            ? new UintrReceiverOptions()
            : new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(spinMicroseconds) };
        long deliveries = 0;
        int lastVector = -1;
        using var receiver = UintrReceiver.Register(v => { deliveries++; lastVector = v; }, options);
        using UintrFd mine = receiver.CreateFd(3);
        string[] args = spinMicroseconds < 0 ? [Rounds.ToString()] : [Rounds.ToString(), spinMicroseconds.ToString()];
        using var peer = PeerProcess.StartPeer("pingpong", args);

        peer.Socket.SendUintrFd(mine);
        using UintrFd theirs = peer.ReceiveUintrFd();
        Assert.Equal(1, theirs.Vector);
        Assert.Equal(peer.Pid, theirs.ReceiverPid);
        using var sender = UintrSender.Register(theirs);

        var clock = Stopwatch.StartNew();
        for (int round = 1; round <= Rounds; round++)
        {
            sender.Send();
            if (!receiver.Wait(RoundTimeout))
                Assert.Fail($"lost wake-up: no delivery within {RoundTimeout} in round {round} of {Rounds}; {peer.Describe()}");
            Assert.True(deliveries == round, $"{deliveries} deliveries after round {round}");
            Assert.Equal(3, lastVector);
        }
        clock.Stop();

        Assert.True(peer.WaitForExit() == 0, $"the child failed: {peer.Describe()}");
        Assert.Equal(0, receiver.Poll());
        var stats = receiver.Statistics;
        output.WriteLine($"{Rounds} rounds in {clock.Elapsed.TotalMilliseconds:F0} ms " +
            $"({clock.Elapsed.TotalMicroseconds / Rounds:F1} µs per round trip); this side: {stats}");
    }
}
