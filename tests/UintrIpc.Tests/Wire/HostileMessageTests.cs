using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>
/// ReceiveUintrFd against messages a hostile or broken peer can send (docs/ABI.md section 10),
/// over stream and seqpacket socket pairs: each is refused with the documented errno, every
/// descriptor that arrived is closed (/proc/self/fd is the same before and after), and where
/// the connection survives, the next well-formed message is received normally.
/// </summary>
public sealed class HostileMessageTests
{
    private const int EBADMSG = 74, EMSGSIZE = 90, EPROTO = 71, EOPNOTSUPP = 95, ECONNRESET = 104, EAFNOSUPPORT = 97;
    private const int Stream = LibC.SOCK_STREAM, Seqpacket = LibC.SOCK_SEQPACKET;
    private const ushort KindPlain = 0, KindFutex = 1, KindNative = 2;

    public static TheoryData<int> SocketTypes => new() { Stream, Seqpacket };

    /// <summary>
    /// Sets up a socket pair (and a receiver with vector 30 whose descriptor the hostile messages
    /// may carry), lets <paramref name="send"/> write on one end, expects ReceiveUintrFd on the
    /// other to throw <paramref name="errno"/>, then, unless the peer hung up, checks that a
    /// well-formed message still gets through; finally that no descriptor leaked.
    /// </summary>
    private static void AssertRefused(int type, int errno, Action<Socket, UintrFd> send, bool connectionSurvives = true,
        Func<Socket, object>? receive = null)
    {
        receive ??= socket => socket.ReceiveUintrFd();
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(30))
        {
            var (hostile, victim) = Sys.SocketPair(type);
            using (hostile)
            using (victim)
            {
                var open = Descriptors.Snapshot();
                send(hostile, payload);
                var e = Assert.Throws<UintrException>(() => receive(victim));
                Assert.True(e.Errno == errno, $"errno {e.Errno} ({e.Message}), expected {errno}");
                open.AssertNoneAdded("right after the refused message"); // nothing that arrived stayed open

                if (connectionSurvives)
                {
                    hostile.SendUintrFd(payload);
                    using UintrFd next = victim.ReceiveUintrFd();
                    Assert.Equal(30, next.Vector);
                }
            }
        }
        descriptors.AssertNoneAdded("after the refused message");
    }

    // ---- no descriptor, several descriptors, truncated control data ----

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_valid_header_without_a_descriptor_is_EBADMSG(int type) =>
        AssertRefused(type, EBADMSG, (s, _) => Sys.SendRaw(s, Sys.Header(KindFutex, 30)));

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void Junk_bytes_without_a_descriptor_are_EBADMSG(int type) =>
        AssertRefused(type, EBADMSG, (s, _) => Sys.SendRaw(s, "hello, receiver!"u8));

    [Theory]
    [InlineData(Stream, 2)]
    [InlineData(Seqpacket, 2)]
    [InlineData(Stream, 16)]      // exactly the room the library makes
    [InlineData(Seqpacket, 16)]
    public void Several_descriptors_are_EBADMSG_and_all_of_them_are_closed(int type, int count) =>
        AssertRefused(type, EBADMSG, (s, payload) =>
        {
            int[] extra = Enumerable.Range(0, count - 1).Select(_ => Sys.EventFd()).ToArray();
            Sys.SendRaw(s, Sys.Header(KindFutex, 30), [payload.FileDescriptor, .. extra]);
            foreach (int fd in extra)
                Sys.Close(fd);
        });

    [Theory]
    [InlineData(Stream, 17)]
    [InlineData(Seqpacket, 17)]
    [InlineData(Stream, 20)]
    [InlineData(Seqpacket, 20)]
    public void More_descriptors_than_fit_are_EMSGSIZE_and_every_one_that_arrived_is_closed(int type, int count) =>
        AssertRefused(type, EMSGSIZE, (s, payload) =>
        {
            int[] extra = Enumerable.Range(0, count - 1).Select(_ => Sys.EventFd()).ToArray();
            Sys.SendRaw(s, Sys.Header(KindFutex, 30), [payload.FileDescriptor, .. extra]);
            foreach (int fd in extra)
                Sys.Close(fd);
        });

    // ---- foreign descriptors with a valid header ----

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void An_eventfd_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, _) => SendAndClose(s, Sys.Header(KindFutex, 30), Sys.EventFd()));

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_pipe_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, _) =>
        {
            var (read, write) = Sys.Pipe();
            SendAndClose(s, Sys.Header(KindFutex, 30), read);
            Sys.Close(write);
        });

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_sealed_page_sized_memfd_of_zeros_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, _) => SendAndClose(s, Sys.Header(KindFutex, 30), Sys.JunkPageMemfd()));

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void An_unsealed_memfd_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, _) => SendAndClose(s, Sys.Header(KindFutex, 30), Sys.PlainMemfd(4096)));

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_read_only_reopening_of_a_real_vector_page_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, payload) =>
            SendAndClose(s, Sys.Header(KindFutex, 30), Sys.Reopen(payload.FileDescriptor, LibC.O_RDONLY)));

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void The_socket_itself_is_EOPNOTSUPP(int type) =>
        AssertRefused(type, EOPNOTSUPP, (s, _) => Sys.SendRaw(s, Sys.Header(KindFutex, 30), (int)s.Handle));

    // ---- headers the receiving side does not know ----

    [Theory]
    [InlineData(Stream, 0x46495544u, 1, KindFutex)]   // "DUIF": byte-swapped magic
    [InlineData(Seqpacket, 0x46495544u, 1, KindFutex)]
    [InlineData(Stream, 0u, 0, 0)]                      // all zero
    [InlineData(Seqpacket, 0u, 0, 0)]
    [InlineData(Stream, Sys.HeaderMagic, 0, KindFutex)] // version 0
    [InlineData(Seqpacket, Sys.HeaderMagic, 0, KindFutex)]
    [InlineData(Stream, Sys.HeaderMagic, 2, KindFutex)] // version 2
    [InlineData(Seqpacket, Sys.HeaderMagic, 2, KindFutex)]
    [InlineData(Stream, Sys.HeaderMagic, 1, KindPlain)] // a plain descriptor where a uintr fd was asked for
    [InlineData(Seqpacket, Sys.HeaderMagic, 1, KindPlain)]
    [InlineData(Stream, Sys.HeaderMagic, 1, 7)]         // unknown kind
    [InlineData(Seqpacket, Sys.HeaderMagic, 1, 7)]
    [InlineData(Stream, Sys.HeaderMagic, 1, 0xFFFF)]
    [InlineData(Seqpacket, Sys.HeaderMagic, 1, 0xFFFF)]
    public void An_unknown_header_carrying_a_real_uintr_fd_is_EPROTO(int type, uint magic, int version, int kind) =>
        AssertRefused(type, EPROTO, (s, payload) =>
            Sys.SendRaw(s, Sys.Header((ushort)kind, 30, magic, (ushort)version), payload.FileDescriptor));

    /// <summary>
    /// Kind 2 says "a kernel uintr_fd of a native receiver". Where this process has no native
    /// path (this machine: no UINTR) that is a mixing of kinds, refused as EOPNOTSUPP with the
    /// reason; where it has one, a futex page under kind 2 is not a uintr_fd: EOPNOTSUPP too.
    /// </summary>
    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_native_kind_message_is_refused_with_EOPNOTSUPP_saying_why(int type)
    {
        AssertRefused(type, EOPNOTSUPP, (s, payload) =>
            Sys.SendRaw(s, Sys.Header(KindNative, 30), payload.FileDescriptor));
        if (!UintrCapabilities.Current.NativeAvailable)
        {
            var (hostile, victim) = Sys.SocketPair(type);
            using (hostile)
            using (victim)
            using (var receiver = UintrReceiver.Register(_ => { }))
            using (UintrFd payload = receiver.CreateFd(30))
            {
                Sys.SendRaw(hostile, Sys.Header(KindNative, 30), payload.FileDescriptor);
                var e = Assert.Throws<UintrException>(() => victim.ReceiveUintrFd());
                Assert.Contains("native", e.Message);
                Assert.Contains(UintrCapabilities.Current.Reason, e.Message);
            }
        }
    }

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_uintr_fd_message_is_EPROTO_for_ReceiveFileDescriptor(int type) =>
        AssertRefused(type, EPROTO, (s, payload) => s.SendUintrFd(payload), receive: socket => socket.ReceiveFileDescriptor());

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void A_plain_descriptor_message_is_EPROTO_for_ReceiveUintrFd(int type) =>
        AssertRefused(type, EPROTO, (s, _) =>
        {
            using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(Sys.EventFd(), ownsHandle: true);
            s.SendFileDescriptor(handle);
        });

    // ---- short messages ----

    [Theory]
    [InlineData(8)]
    [InlineData(1)]
    [InlineData(0)]
    public void A_short_seqpacket_message_with_a_descriptor_is_EPROTO(int length) =>
        AssertRefused(Seqpacket, EPROTO, (s, payload) =>
            Sys.SendRaw(s, Sys.Header(KindFutex, 30).AsSpan(0, length), payload.FileDescriptor));

    /// <summary>
    /// A zero-length seqpacket message is a message (the peer is still there), not the end of
    /// the connection: like any other message without a descriptor it is EBADMSG, and the next
    /// message gets through. Reporting ECONNRESET here makes a caller drop a live connection.
    /// </summary>
    [Fact]
    public void An_empty_seqpacket_message_is_EBADMSG_not_a_closed_connection() =>
        AssertRefused(Seqpacket, EBADMSG, (s, _) => Sys.SendRaw(s, ReadOnlySpan<byte>.Empty));

    [Fact]
    public void A_stream_header_cut_short_by_the_peer_closing_is_ECONNRESET() =>
        AssertRefused(Stream, ECONNRESET, (s, payload) =>
        {
            Sys.SendRaw(s, Sys.Header(KindFutex, 30).AsSpan(0, 8), payload.FileDescriptor);
            s.Shutdown(SocketShutdown.Send);
        }, connectionSurvives: false);

    // ---- the peer goes away ----

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void The_peer_shutting_down_its_end_is_ECONNRESET(int type) =>
        AssertRefused(type, ECONNRESET, (s, _) => s.Shutdown(SocketShutdown.Send), connectionSurvives: false);

    [Theory]
    [MemberData(nameof(SocketTypes))]
    public void The_peer_closing_its_socket_is_ECONNRESET(int type)
    {
        var descriptors = Descriptors.Snapshot();
        var (hostile, victim) = Sys.SocketPair(type);
        using (victim)
        {
            var reader = TestThread.Start(() => victim.ReceiveUintrFd(), "receiver");
            Assert.False(reader.Join(TimeSpan.FromMilliseconds(20)), "ReceiveUintrFd returned before anything was sent");
            hostile.Dispose(); // while the receive blocks
            var e = reader.Exception<UintrException>();
            Assert.Equal(ECONNRESET, e.Errno);
            Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => victim.ReceiveUintrFd()).Errno);
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void A_socket_that_is_not_AF_UNIX_is_EAFNOSUPPORT()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(30);
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Assert.Equal(EAFNOSUPPORT, Assert.Throws<UintrException>(() => tcp.ReceiveUintrFd()).Errno);
        Assert.Equal(EAFNOSUPPORT, Assert.Throws<UintrException>(() => tcp.SendUintrFd(fd)).Errno);
        Assert.Equal(EAFNOSUPPORT, Assert.Throws<UintrException>(() => tcp.ReceiveFileDescriptor()).Errno);
    }

    // ---- well-formed corner cases that must work ----

    [Fact]
    public void A_stream_header_in_pieces_with_the_descriptor_on_the_first_piece_is_accepted()
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd fd = receiver.CreateFd(30))
        {
            var (a, b) = Sys.SocketPair(Stream);
            using (a)
            using (b)
            {
                byte[] header = Sys.Header(KindFutex, 30);
                Sys.SendRaw(a, header.AsSpan(0, 1), fd.FileDescriptor);
                Sys.SendRaw(a, header.AsSpan(1, 7));
                var reader = TestThread.Start(() => b.ReceiveUintrFd(), "receiver");
                Assert.False(reader.Join(TimeSpan.FromMilliseconds(20)), "ReceiveUintrFd returned with half a header");
                Sys.SendRaw(a, header.AsSpan(8));
                using UintrFd received = reader.Result();
                Assert.Equal(30, received.Vector);
            }
        }
        descriptors.AssertNoneAdded();
    }

    private static void SendAndClose(Socket socket, byte[] header, int fd)
    {
        Sys.SendRaw(socket, header, fd);
        Sys.Close(fd);
    }
}
