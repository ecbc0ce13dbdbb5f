using UintrIpc.FutexPath;
using UintrIpc.Hardware;
using UintrIpc.Wire;
using Xunit.Abstractions;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// 10⁵ rounds of ping-pong between two native receivers in two processes: the test peer's
/// <c>pingpong</c> role on its side, this test on the other, each sleeping in uintr_wait every
/// round (no spin), the descriptors passed over a Unix socket with the native kind. A lost
/// interrupt is a 10-second round timeout on either side; a spurious handler call is a delivery
/// count off by one (the peer exits 3). Hardware-only: under <c>UINTR_IPC_SIMULATE=1</c> both
/// processes run the simulator, and the simulator also counts this side's C handler calls.
/// </summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwarePingPongTests(ITestOutputHelper output)
{
    private const int Rounds = 100_000;
    private static readonly TimeSpan RoundTimeout = TimeSpan.FromSeconds(10);

    [HardwareOnlyFact]
    public void Cross_process_ping_pong_of_100000_rounds_loses_no_interrupt_and_calls_no_handler_spuriously() => OwnThread.Run(() =>
    {
        long deliveries = 0;
        using var receiver = UintrReceiver.Register(v => { Assert.Equal(3, v); deliveries++; },
            new UintrReceiverOptions { Mode = UintrMode.Native, SpinDuration = TimeSpan.Zero });
        using UintrFd mine = receiver.CreateFd(3);
        Assert.Equal(KernelUintrFd.Kind, mine.Kind);
        using var peer = PeerProcess.StartPeer("pingpong", Rounds.ToString(), "0");

        peer.Socket.SendUintrFd(mine);
        using UintrFd theirs = peer.ReceiveUintrFd();
        Assert.Equal(UintrMode.Native, theirs.Mode); // the peer's receiver is native too
        Assert.Equal(UintrCapabilities.Current.Simulated ? DescriptorMessageLayout.KindNativeSimulated : DescriptorMessageLayout.KindNative, theirs.Kind);
        using var sender = UintrSender.Register(theirs);

        ulong[] before = UintrCapabilities.Current.Simulated ? OwnThread.SimulatorCounters() : new ulong[5];
        var clock = Stopwatch.StartNew();
        for (int round = 1; round <= Rounds; round++)
        {
            sender.Send();
            if (!receiver.Wait(RoundTimeout))
                Assert.Fail($"lost interrupt: no delivery within {RoundTimeout} in round {round} of {Rounds}; {peer.Describe()}");
            if (deliveries != round)
                Assert.Fail($"{deliveries} handler calls after round {round}");
        }
        clock.Stop();

        Assert.True(peer.WaitForExit() == 0, $"the peer failed (2: lost interrupt, 3: wrong handler count): {peer.Describe()}");
        Assert.Equal(0, receiver.Poll());
        Assert.Equal(Rounds, receiver.Statistics.Deliveries);
        string simulator = "";
        if (UintrCapabilities.Current.Simulated)
        {
            ulong[] after = OwnThread.SimulatorCounters();
            ulong handlerCalls = after[2] - before[2];
            Assert.Equal((ulong)Rounds, handlerCalls); // one C handler call per round on this side: none spurious
            simulator = $"; simulator, this process: {after[1] - before[1]} notifications processed, {handlerCalls} handler calls, "
                + $"{after[4] - before[4]} notifications that found PIR empty";
        }
        // Not a latency figure: simulated timings say nothing about UINTR.
        output.WriteLine($"{Rounds} rounds, 0 lost, 0 spurious handler calls ({clock.Elapsed.TotalSeconds:F1} s of wall time){simulator}; this side: {receiver.Statistics}");
    });
}
