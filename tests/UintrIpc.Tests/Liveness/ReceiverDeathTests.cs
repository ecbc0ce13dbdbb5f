using System.Net.Sockets;
using Xunit.Abstractions;

namespace UintrIpc.Tests.Liveness;

/// <summary>
/// The receiver's death is in the page (docs/ABI.md sections 2.3 and 6): a sender sees it at
/// S1 however its descriptor reached it, with the latency measured from the <c>kill</c> call,
/// as a user would see it, not from the reaping.
/// </summary>
public sealed class ReceiverDeathTests(ITestOutputHelper output)
{
    private const int ESHUTDOWN = 108;

    /// <summary>How the sender's descriptor reached it from the receiver's process.</summary>
    public enum Route
    {
        /// <summary>Over a socket whose peer is the receiver itself.</summary>
        Direct,

        /// <summary>Through a second socket, from a process that is not the receiver.</summary>
        Forwarded,

        /// <summary>Adopted from a bare descriptor number (<see cref="UintrFd.FromFileDescriptor"/>).</summary>
        Adopted,
    }

    [Theory]
    [InlineData(Route.Direct)]
    [InlineData(Route.Forwarded)]
    [InlineData(Route.Adopted)]
    public void Send_throws_ESHUTDOWN_within_a_second_of_kill_9_of_the_receiver(Route route)
    {
        var descriptors = Descriptors.Snapshot();
        using (var peer = PeerProcess.StartPeer("receiver", "9"))
        {
            using UintrFd direct = peer.ReceiveUintrFd();
            using UintrFd? reached = Reach(direct, route);
            using var sender = UintrSender.Register(reached ?? direct);
            sender.Send();
            peer.Expect('V');
            Assert.Equal(9, peer.ReadByte());

            AssertDeathSeen(sender, kill: peer.Process.Kill, $"{route}");
        }
        descriptors.AssertNoneAdded("after the receiver died and everything was disposed");
    }

    [Fact]
    public void A_receiver_in_a_child_that_inherited_one_end_of_a_socketpair_is_seen_dead()
    {
        var descriptors = Descriptors.Snapshot();
        var (mine, theirs) = Sys.SocketPair(LibC.SOCK_STREAM);
        using (mine)
        {
            // The child inherits `theirs` (close-on-exec cleared); SO_PEERCRED on `mine` names this
            // process, not the child: the case a pidfd watch could never cover.
            int inherited = (int)theirs.SafeHandle.DangerousGetHandle();
            Assert.Equal(0, LibC.fcntl(inherited, LibC.F_SETFD, 0));
            var info = new ProcessStartInfo(PeerProcess.DotnetHost, [PeerProcess.PeerDll, "inherited-receiver", inherited.ToString(), "5"])
            {
                UseShellExecute = false,
                RedirectStandardError = true,
            };
            using Process child = Process.Start(info)!;
            theirs.Dispose();
            try
            {
                mine.ReceiveTimeout = (int)Until.Hang.TotalMilliseconds;
                using UintrFd fd = mine.ReceiveUintrFd();
                Assert.Equal(child.Id, fd.ReceiverPid);
                using var sender = UintrSender.Register(fd);
                sender.Send();
                var reply = new byte[2];
                Assert.Equal(1, mine.Receive(reply, 0, 1, SocketFlags.None));
                Assert.Equal(1, mine.Receive(reply, 1, 1, SocketFlags.None));
                Assert.Equal([(byte)'V', 5], reply);

                AssertDeathSeen(sender, kill: child.Kill, "inherited socketpair");
            }
            finally
            {
                if (!child.HasExited)
                    child.Kill();
                Assert.True(child.WaitForExit(Until.Hang), "the child survived SIGKILL");
            }
        }
        descriptors.AssertNoneAdded("after the child died and everything was disposed");
    }

    [Fact]
    public void Registering_a_descriptor_of_a_dead_receiver_is_ESHUTDOWN_however_it_arrived()
    {
        using var peer = PeerProcess.StartPeer("receiver", "11");
        using UintrFd direct = peer.ReceiveUintrFd();
        using UintrFd forwarded = Reach(direct, Route.Forwarded)!;
        peer.Kill();
        Assert.Equal(ESHUTDOWN, Assert.Throws<UintrException>(() => UintrSender.Register(direct)).Errno);
        Assert.Equal(ESHUTDOWN, Assert.Throws<UintrException>(() => UintrSender.Register(forwarded)).Errno);
    }

    /// <summary>Kills the receiver's process and sends until Send fails; the clock starts at the kill.</summary>
    private void AssertDeathSeen(UintrSender sender, Action kill, string how)
    {
        long killedAt = Stopwatch.GetTimestamp();
        kill();
        UintrException? shutdown = null;
        int sends = 0;
        var spin = new SpinWait();
        while (Stopwatch.GetElapsedTime(killedAt) < TimeSpan.FromSeconds(5))
        {
            try
            {
                sends++;
                sender.Send();
            }
            catch (UintrException e)
            {
                shutdown = e;
                break;
            }
            spin.SpinOnce(sleep1Threshold: -1);
        }
        TimeSpan elapsed = Stopwatch.GetElapsedTime(killedAt);
        output.WriteLine($"{how}: ESHUTDOWN {elapsed.TotalMilliseconds:F3} ms after the kill call, after {sends} sends");
        Assert.True(shutdown is not null, $"{how}: Send never threw within 5 s of kill -9 ({sends} sends succeeded)");
        Assert.Equal(ESHUTDOWN, shutdown.Errno);
        Assert.True(elapsed <= TimeSpan.FromSeconds(1), $"{how}: ESHUTDOWN came {elapsed.TotalMilliseconds:F0} ms after the kill; the contract is within 1 s");
        Assert.Equal(ESHUTDOWN, Assert.Throws<UintrException>(() => UintrSender.SendUipi(sender.Index)).Errno);
    }

    /// <summary>Another descriptor for the same page, reached by <paramref name="route"/>; null for <see cref="Route.Direct"/>.</summary>
    private static UintrFd? Reach(UintrFd direct, Route route)
    {
        if (route == Route.Direct)
            return null;
        if (route == Route.Adopted)
            return UintrFd.FromFileDescriptor(Sys.Dup(direct.FileDescriptor));
        var (a, b) = Sys.SocketPair(LibC.SOCK_SEQPACKET);
        using (a)
        using (b)
        {
            a.SendUintrFd(direct);
            return b.ReceiveUintrFd();
        }
    }
}
