using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>UintrFdPassing.CreateSocketPair and the inheritance switch.</summary>
public sealed class SocketPairTests
{
    [Theory]
    [InlineData(SocketType.Stream)]
    [InlineData(SocketType.Seqpacket)]
    public void The_pair_is_connected_AF_UNIX_of_the_type_and_close_on_exec(SocketType type)
    {
        var descriptors = Descriptors.Snapshot();
        var (first, second) = UintrFdPassing.CreateSocketPair(type);
        using (first)
        using (second)
        {
            foreach (Socket s in new[] { first, second })
            {
                Assert.Equal(AddressFamily.Unix, s.AddressFamily);
                Assert.Equal(type, s.SocketType);
                Assert.True(Sys.IsCloseOnExec((int)s.Handle), "a socketpair end is not close-on-exec");
            }
            // Bytes go both ways, and so do descriptors.
            first.Send("ping"u8);
            var buffer = new byte[8];
            Assert.Equal(4, second.Receive(buffer));
            using var receiver = UintrReceiver.Register(_ => { });
            using UintrFd fd = receiver.CreateFd(7);
            second.SendUintrFd(fd);
            using UintrFd received = first.ReceiveUintrFd();
            Assert.Equal(7, received.Vector);
            using var sender = UintrSender.Register(received);
            sender.Send();
            Assert.Equal(1, receiver.Poll());
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void The_default_is_a_stream()
    {
        var (first, second) = UintrFdPassing.CreateSocketPair();
        using (first)
        using (second)
            Assert.Equal(SocketType.Stream, first.SocketType);
    }

    [Theory]
    [InlineData(SocketType.Dgram)]
    [InlineData(SocketType.Raw)]
    [InlineData(SocketType.Unknown)]
    [InlineData((SocketType)12345)]
    public void Other_types_are_ArgumentOutOfRange(SocketType type)
    {
        var descriptors = Descriptors.Snapshot();
        Assert.Throws<ArgumentOutOfRangeException>(() => UintrFdPassing.CreateSocketPair(type));
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void AllowInheritance_clears_close_on_exec_and_PreventInheritance_sets_it()
    {
        var (first, second) = UintrFdPassing.CreateSocketPair();
        using (first)
        using (second)
        {
            first.AllowInheritance();
            Assert.False(Sys.IsCloseOnExec((int)first.Handle));
            Assert.True(Sys.IsCloseOnExec((int)second.Handle));
            first.PreventInheritance();
            Assert.True(Sys.IsCloseOnExec((int)first.Handle));
        }
        Assert.Throws<ObjectDisposedException>(() => first.AllowInheritance());
    }

    /// <summary>A child started with the end inheritable sees it: bash writes into it by number.</summary>
    [Fact]
    public void A_child_inherits_an_end_made_inheritable()
    {
        var (mine, theirs) = UintrFdPassing.CreateSocketPair();
        using (mine)
        {
            using (theirs)
            {
                theirs.AllowInheritance();
                int number = (int)theirs.Handle;
                using var child = Process.Start(new ProcessStartInfo("bash", ["-c", $"printf inherited >&{number}"]) { UseShellExecute = false })!;
                Assert.True(child.WaitForExit(Until.Hang), "the child did not exit");
                Assert.Equal(0, child.ExitCode);
            }
            mine.ReceiveTimeout = (int)Until.Hang.TotalMilliseconds;
            var buffer = new byte[32];
            int n = mine.Receive(buffer);
            Assert.Equal("inherited", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
    }
}
