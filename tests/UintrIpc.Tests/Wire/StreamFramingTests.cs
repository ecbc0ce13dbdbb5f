using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>
/// A stream carries one 16-byte header per message, and a receive consumes exactly one header,
/// accepted or refused, before it checks anything: after any refusal the next well-formed
/// message gets through. A descriptor riding on a later piece of a header is refused with every
/// descriptor of the message closed (the kernel would otherwise drop it unseen).
/// </summary>
public sealed class StreamFramingTests
{
    private const int EBADMSG = 74, EPROTO = 71, ECONNRESET = 104, EOPNOTSUPP = 95;
    private const ushort KindFutex = 1;

    /// <summary>
    /// <paramref name="send"/> writes a refused message on a stream pair; the receive throws
    /// <paramref name="errno"/>, nothing that arrived stays open, and then (sync or async) a
    /// well-formed message is received.
    /// </summary>
    private static void AssertRefusedThenInStep(int errno, Action<Socket, UintrFd> send, bool async)
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(30))
        {
            var (hostile, victim) = UintrFdPassing.CreateSocketPair();
            using (hostile)
            using (victim)
            {
                var open = Descriptors.Snapshot();
                send(hostile, payload);
                hostile.SendUintrFd(payload); // already queued behind the refused message
                var e = Assert.Throws<UintrException>(() => Receive(victim, async));
                Assert.True(e.Errno == errno, $"errno {e.Errno} ({e.Message}), expected {errno}");
                using (UintrFd next = Receive(victim, async))
                    Assert.Equal(30, next.Vector);
                open.AssertNoneAdded("after the refused and the accepted message");
            }
        }
        descriptors.AssertNoneAdded();
    }

    private static UintrFd Receive(Socket socket, bool async)
    {
        if (!async)
            return socket.ReceiveUintrFd();
        Task<UintrFd> task = socket.ReceiveUintrFdAsync().AsTask();
        Assert.True(((Task)task).ContinueWith(_ => { }).Wait(Until.Hang), "ReceiveUintrFdAsync hung");
        return task.GetAwaiter().GetResult();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_second_descriptor_on_a_later_piece_is_EBADMSG_and_both_are_closed(bool async) =>
        AssertRefusedThenInStep(EBADMSG, (s, payload) =>
        {
            byte[] header = Sys.Header(KindFutex, 30);
            int second = Sys.EventFd();
            Sys.SendRaw(s, header.AsSpan(0, 5), payload.FileDescriptor);
            Sys.SendRaw(s, header.AsSpan(5), second);
            Sys.Close(second);
        }, async);

    /// <summary>
    /// A lone descriptor sent with a later piece is EBADMSG even though both pieces are queued
    /// before the receive, so that Linux would glue them into one read that hands the descriptor
    /// over with byte 0: the receiving side's first read takes one byte only.
    /// </summary>
    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 5)]
    [InlineData(true, 8)]
    [InlineData(false, 15)]
    public void A_lone_descriptor_on_a_later_piece_is_EBADMSG_even_when_the_pieces_merge(bool async, int firstPiece) =>
        AssertRefusedThenInStep(EBADMSG, (s, payload) =>
        {
            byte[] header = Sys.Header(KindFutex, 30);
            Sys.SendRaw(s, header.AsSpan(0, firstPiece));
            Sys.SendRaw(s, header.AsSpan(firstPiece), payload.FileDescriptor);
        }, async);

    [Theory]
    [InlineData(false, 1)]
    [InlineData(false, 5)]
    [InlineData(true, 5)]
    [InlineData(false, 15)]
    public void A_header_without_a_descriptor_in_pieces_is_consumed_whole(bool async, int firstPiece) =>
        AssertRefusedThenInStep(EBADMSG, (s, _) =>
        {
            byte[] header = Sys.Header(KindFutex, 30);
            Sys.SendRaw(s, header.AsSpan(0, firstPiece));
            Sys.SendRaw(s, header.AsSpan(firstPiece));
        }, async);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_junk_header_with_a_descriptor_in_pieces_is_EPROTO_and_consumed_whole(bool async) =>
        AssertRefusedThenInStep(EPROTO, (s, payload) =>
        {
            byte[] junk = "not a uintr hdr!"u8.ToArray();
            Sys.SendRaw(s, junk.AsSpan(0, 3), payload.FileDescriptor);
            Sys.SendRaw(s, junk.AsSpan(3, 4));
            Sys.SendRaw(s, junk.AsSpan(7));
        }, async);

    [Fact]
    public void A_foreign_descriptor_under_a_valid_header_in_pieces_is_EOPNOTSUPP_and_consumed_whole() =>
        AssertRefusedThenInStep(EOPNOTSUPP, (s, _) =>
        {
            byte[] header = Sys.Header(KindFutex, 30);
            int eventFd = Sys.EventFd();
            Sys.SendRaw(s, header.AsSpan(0, 2), eventFd);
            Sys.SendRaw(s, header.AsSpan(2));
            Sys.Close(eventFd);
        }, async: false);

    /// <summary>
    /// End of stream in the middle of a header: ECONNRESET, and the descriptors of both pieces
    /// that did arrive are closed; every later receive is ECONNRESET too.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void End_of_stream_in_the_middle_is_ECONNRESET_with_every_arrived_descriptor_closed(bool async)
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(30))
        {
            var (hostile, victim) = UintrFdPassing.CreateSocketPair();
            using (victim)
            {
                using (hostile)
                {
                    byte[] header = Sys.Header(KindFutex, 30);
                    int second = Sys.EventFd();
                    Sys.SendRaw(hostile, header.AsSpan(0, 4), payload.FileDescriptor);
                    Sys.SendRaw(hostile, header.AsSpan(4, 6), second);
                    Sys.Close(second);
                }
                var e = Assert.Throws<UintrException>(() => Receive(victim, async));
                Assert.Equal(ECONNRESET, e.Errno);
                Assert.Contains("middle", e.Message);
                Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(() => Receive(victim, async)).Errno);
            }
        }
        descriptors.AssertNoneAdded();
    }

    /// <summary>Several refused messages in a row, each in pieces, then a good one: still in step.</summary>
    [Fact]
    public void Many_refusals_in_a_row_keep_the_stream_in_step()
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(30))
        {
            var (hostile, victim) = UintrFdPassing.CreateSocketPair();
            using (hostile)
            using (victim)
            {
                byte[] header = Sys.Header(KindFutex, 30);
                for (int i = 1; i < 16; i++)
                {
                    // The kernel ends a receive after a piece with descriptors: the second
                    // piece's descriptor is always seen on its own receive.
                    Sys.SendRaw(hostile, header.AsSpan(0, i), payload.FileDescriptor);
                    Sys.SendRaw(hostile, header.AsSpan(i), payload.FileDescriptor);
                }
                hostile.SendUintrFd(payload);
                for (int i = 1; i < 16; i++)
                    Assert.Equal(EBADMSG, Assert.Throws<UintrException>(() => victim.ReceiveUintrFd()).Errno);
                using UintrFd next = victim.ReceiveUintrFd();
                Assert.Equal(30, next.Vector);
            }
        }
        descriptors.AssertNoneAdded();
    }
}
