using System.Net.Sockets;

namespace UintrIpc.Tests.Wire;

/// <summary>The header fields docs/ABI.md section 10 makes a receiving side check beyond magic, version and kind.</summary>
public sealed class HeaderFieldTests
{
    private const int EPROTO = 71;

    [Theory]
    [InlineData(SocketType.Stream, 1u)]
    [InlineData(SocketType.Seqpacket, 0x8000_0000u)]
    public void A_non_zero_reserved_field_is_EPROTO(SocketType type, uint reserved) =>
        AssertRefused(type, payload => Sys.Header(1, (uint)payload.Vector, reserved: reserved));

    [Theory]
    [InlineData(SocketType.Stream, 29u)]
    [InlineData(SocketType.Seqpacket, 31u)]
    [InlineData(SocketType.Stream, 0xFFFF_FFFFu)]
    public void A_header_vector_other_than_the_pages_is_EPROTO(SocketType type, uint vector) =>
        AssertRefused(type, _ => Sys.Header(1, vector));

    /// <summary>
    /// A seqpacket message is whole or wrong: one longer than the 16-byte header (the kernel
    /// discards the rest, MSG_TRUNC) is refused like a shorter one, and the next gets through.
    /// </summary>
    [Theory]
    [InlineData(17)]
    [InlineData(64)]
    public void A_seqpacket_message_longer_than_16_bytes_is_EPROTO(int length) =>
        AssertRefused(SocketType.Seqpacket, payload =>
        {
            var message = new byte[length];
            Sys.Header(1, (uint)payload.Vector).CopyTo(message, 0);
            return message;
        });

    private static void AssertRefused(SocketType type, Func<UintrFd, byte[]> header)
    {
        var descriptors = Descriptors.Snapshot();
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd payload = receiver.CreateFd(30))
        {
            var (a, b) = UintrFdPassing.CreateSocketPair(type);
            using (a)
            using (b)
            {
                Sys.SendRaw(a, header(payload), payload.FileDescriptor);
                Assert.Equal(EPROTO, Assert.Throws<UintrException>(() => b.ReceiveUintrFd()).Errno);
                a.SendUintrFd(payload);
                using UintrFd next = b.ReceiveUintrFd();
                Assert.Equal(30, next.Vector);
            }
        }
        descriptors.AssertNoneAdded();
    }
}
