using UintrIpc.Diagnostics;

namespace UintrIpc.Tests.Liveness;

/// <summary>
/// A receiver killed between two steps of closing a page never leaves the page looking alive
/// (docs/ABI.md section 6: CLOSED first, then off the robust list). The child kills itself at
/// a named point of the close (src/UintrIpc/Diagnostics/FaultPoints.cs); a sender in this
/// process then sends: before CLOSED the kernel has marked the owner word (ESHUTDOWN), after it
/// the page says CLOSED (ECONNRESET). Taken off the list before CLOSED, a death in between
/// would leave a page that is neither, and every send would return ok into the void.
/// </summary>
public sealed class DeathWhileClosingTests
{
    private const int ESHUTDOWN = 108, ECONNRESET = 104;
    private const int Killed = 128 + 9; // the exit code .NET reports for SIGKILL

    [Theory]
    [InlineData(FaultPoints.Retired, "vector", ESHUTDOWN)]
    [InlineData(FaultPoints.Closed, "vector", ECONNRESET)]
    [InlineData(FaultPoints.Unlinked, "vector", ECONNRESET)]
    [InlineData(FaultPoints.Retired, "receiver", ESHUTDOWN)]
    [InlineData(FaultPoints.Closed, "receiver", ECONNRESET)]
    [InlineData(FaultPoints.Unlinked, "receiver", ECONNRESET)]
    public void A_receiver_killed_between_two_steps_of_a_close_is_seen_closed_or_dead(string point, string what, int expected)
    {
        var descriptors = Descriptors.Snapshot();
        using (var peer = PeerProcess.StartPeer("die-closing", point, what))
        {
            using UintrFd fd = peer.ReceiveUintrFd();
            peer.Expect('K');
            using var sender = UintrSender.Register(fd);
            sender.Send(); // alive and open

            peer.Command('C');
            int exit = peer.WaitForExit();
            Assert.True(exit == Killed, $"the child did not die at '{point}' (exit code {exit}): {peer.Describe()}");
            var e = Assert.Throws<UintrException>(sender.Send);
            Assert.True(e.Errno == expected,
                $"killed at '{point}' while closing the {what}: a send got errno {e.Errno} ({e.Message}), expected {expected}");
        }
        descriptors.AssertNoneAdded("after the child died and everything was disposed");
    }
}
