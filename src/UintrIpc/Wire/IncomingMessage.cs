using System.Buffers.Binary;
using System.Net.Sockets;
using UintrIpc.Interop;
using static UintrIpc.Wire.DescriptorMessageLayout;

namespace UintrIpc.Wire;

/// <summary>
/// One descriptor message being received (docs/ABI.md section 10): its header bytes and every
/// descriptor that arrived with any piece of it, which it owns until <see cref="Accept"/> hands
/// one out; disposing closes the rest.
/// </summary>
/// <remarks>
/// On a stream socket the whole 16-byte header is read before anything is checked, so that a
/// refused message leaves the stream at the next message rather than in the middle of this one.
/// Later pieces are read with <c>recvmsg</c> too: a descriptor riding on one is seen (and closed)
/// instead of silently dropped by a plain receive. The first read of a stream header takes one
/// byte only: Linux glues queued pieces into one read and hands over a descriptor with the read
/// that reaches its piece, so a longer first read could not tell a descriptor sent with byte 0
/// from one sent with a later piece (docs/ABI.md section 10).
/// </remarks>
internal sealed class IncomingMessage(bool stream) : IDisposable
{
    private readonly byte[] _header = new byte[HeaderSize];
    private readonly List<int> _fds = new(1);
    private int _received;
    private int _pieces;
    private bool _controlTruncated;
    private bool _dataTruncated;
    private bool _descriptorOnLaterPiece;

    /// <summary>A seqpacket message after one receive; a stream header once all 16 bytes are in.</summary>
    public bool Complete { get; private set; }

    /// <summary>One <c>recvmsg</c> of (the rest of) the header.</summary>
    /// <returns>False when it would block (the socket is non-blocking or <paramref name="dontWait"/>).</returns>
    /// <exception cref="UintrException">
    /// ECONNRESET when the peer closed the connection (before or in the middle of the message);
    /// EBADMSG for an empty seqpacket message; the errno of a failed <c>recvmsg</c>.
    /// </exception>
    public bool ReceivePiece(Socket socket, bool dontWait)
    {
        using var socketFd = new HandleLease(socket.SafeHandle);
        int before = _fds.Count;
        Span<byte> rest = _header.AsSpan(_received, stream && _pieces == 0 ? 1 : HeaderSize - _received);
        long result;
        bool controlTruncated, dataTruncated;
        do
            result = SocketMessages.Receive(socketFd.Fd, rest, _fds, out controlTruncated, out dataTruncated, dontWait);
        while (result == -Errno.EINTR);
        if (result == -Errno.EAGAIN)
            return false;
        if (result < 0)
            throw new UintrException((int)-result, $"recvmsg failed: {Errno.Describe((int)-result)}");

        bool first = _pieces++ == 0;
        _controlTruncated |= controlTruncated;
        _dataTruncated |= dataTruncated;
        _descriptorOnLaterPiece |= !first && _fds.Count > before;
        if (result == 0 && _fds.Count == before)
        {
            // 0 bytes is the end of a stream; on seqpacket it may also be an empty message.
            if (!stream && Shim.PeerHungUp(socketFd.Fd) == 0)
                throw new UintrException(Errno.EBADMSG, "The message was empty: it carried no descriptor.");
            throw new UintrException(Errno.ECONNRESET, first
                ? "The peer closed the connection."
                : $"The peer closed the connection in the middle of a descriptor message ({_received} of {HeaderSize} header bytes).");
        }
        _received += (int)result;
        Complete = !stream || _received == HeaderSize;
        return true;
    }

    /// <summary>Checks the whole message and hands out its one descriptor.</summary>
    /// <exception cref="UintrException">
    /// In docs/ABI.md section 10's order: EMSGSIZE (control data truncated), EBADMSG (a descriptor
    /// on a later piece of a stream header, no descriptor, several), EPROTO (a seqpacket message
    /// shorter or longer than 16 bytes, not a UintrIpc header, a non-zero reserved field, or a
    /// kind not in <paramref name="kinds"/>).
    /// </exception>
    public ReceivedDescriptor Accept(ReadOnlySpan<ushort> kinds)
    {
        if (!Complete)
            throw new InvalidOperationException("The message is not complete.");
        if (_controlTruncated)
            throw new UintrException(Errno.EMSGSIZE, "The descriptor message's control data was truncated (MSG_CTRUNC).");
        if (_descriptorOnLaterPiece)
            throw new UintrException(Errno.EBADMSG, "A descriptor arrived with a later piece of the header; a descriptor message carries one, with its first byte.");
        if (_fds.Count == 0)
            throw new UintrException(Errno.EBADMSG, "The message carried no descriptor.");
        if (_fds.Count > 1)
            throw new UintrException(Errno.EBADMSG, $"The message carried {_fds.Count} descriptors; a descriptor message carries one.");
        if (_received < HeaderSize)
            throw Malformed($"a {_received}-byte message"); // seqpacket: a message is whole or wrong
        if (_dataTruncated)
            throw Malformed($"a message longer than {HeaderSize} bytes");
        if (BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(MagicOffset)) != HeaderMagic
            || BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(VersionOffset)) != HeaderVersion)
            throw Malformed($"no UintrIpc descriptor header, version {HeaderVersion}");
        if (BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(ReservedOffset)) != 0)
            throw Malformed("a non-zero reserved field");
        ushort kind = BinaryPrimitives.ReadUInt16LittleEndian(_header.AsSpan(KindOffset));
        if (!kinds.Contains(kind))
            throw Malformed($"a descriptor of kind {kind} where kind {string.Join(" or ", kinds.ToArray())} was expected");
        int vector = (int)BinaryPrimitives.ReadUInt32LittleEndian(_header.AsSpan(VectorOffset));
        var handle = new SafeFileDescriptorHandle(_fds[0]);
        _fds.Clear();
        return new(handle, kind, vector);
    }

    public void Dispose()
    {
        foreach (int fd in _fds)
            _ = Shim.Close(fd);
        _fds.Clear();
    }

    private static UintrException Malformed(string what) =>
        new(Errno.EPROTO, $"The descriptor message is malformed: {what}.");
}

/// <summary>A descriptor taken out of an accepted message, with what its header said; the caller owns the handle.</summary>
internal readonly record struct ReceivedDescriptor(SafeFileDescriptorHandle Handle, ushort Kind, int Vector);
