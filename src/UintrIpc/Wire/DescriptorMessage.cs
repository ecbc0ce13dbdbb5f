using System.Buffers.Binary;
using System.Net.Sockets;
using UintrIpc.Wire;
using UintrIpc.Interop;
using static UintrIpc.Wire.DescriptorMessageLayout;

namespace UintrIpc.Wire;

/// <summary>
/// Sending and receiving one descriptor with a 16-byte header of a given kind over a connected
/// <c>AF_UNIX</c> socket (docs/ABI.md section 10). <see cref="UintrFdPassing"/> builds on it; so
/// can any other message kind that carries one descriptor.
/// </summary>
internal static class DescriptorMessage
{
    /// <summary>Sends <paramref name="descriptor"/> under a header naming <paramref name="kind"/> and <paramref name="vector"/>.</summary>
    public static void Send(Socket socket, SafeHandle descriptor, ushort kind, int vector)
    {
        byte[] header = Header(kind, vector);
        int sent;
        while (!TrySendFirst(socket, descriptor, header, dontWait: false, out sent))
            socket.Poll(-1, SelectMode.SelectWrite); // async use left the socket non-blocking
        while (sent < header.Length) // a stream socket may take the header in pieces
            sent += socket.Send(header, sent, header.Length - sent, SocketFlags.None);
    }

    /// <summary>As <see cref="Send"/>, waiting for room in the socket without holding a thread.</summary>
    public static async ValueTask SendAsync(Socket socket, SafeHandle descriptor, ushort kind, int vector, CancellationToken cancellationToken)
    {
        byte[] header = Header(kind, vector);
        int sent;
        while (!TrySendFirst(socket, descriptor, header, dontWait: true, out sent))
            await SocketWritability.WaitAsync(socket, cancellationToken).ConfigureAwait(false);
        while (sent < header.Length)
            sent += await socket.SendAsync(header.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Receives one message and accepts it if its kind is one of <paramref name="kinds"/>;
    /// otherwise throws, having closed every descriptor that arrived. Either way a stream is
    /// left at the next message (the whole header is consumed), unless the peer closed it.
    /// </summary>
    public static ReceivedDescriptor Receive(Socket socket, ReadOnlySpan<ushort> kinds)
    {
        ThrowIfNotUnix(socket);
        using var message = new IncomingMessage(socket.SocketType == SocketType.Stream);
        while (!message.Complete)
        {
            if (!message.ReceivePiece(socket, dontWait: false))
                socket.Poll(-1, SelectMode.SelectRead); // async use left the socket non-blocking
        }
        return message.Accept(kinds);
    }

    /// <summary>
    /// As <see cref="Receive"/>, without holding a thread while nothing has arrived. Cancelled
    /// after part of a stream header arrived, the part is discarded and the stream is no longer
    /// at a message boundary: the connection is then unusable for descriptor messages.
    /// </summary>
    public static async ValueTask<ReceivedDescriptor> ReceiveAsync(Socket socket, ushort[] kinds, CancellationToken cancellationToken)
    {
        ThrowIfNotUnix(socket);
        using var message = new IncomingMessage(socket.SocketType == SocketType.Stream);
        while (!message.Complete)
        {
            // Wait for readability without taking anything: a peek leaves data and descriptors queued.
            if (!message.ReceivePiece(socket, dontWait: true))
                await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cancellationToken).ConfigureAwait(false);
        }
        return message.Accept(kinds);
    }

    internal static void ThrowIfNotUnix(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
            throw new UintrException(Errno.EAFNOSUPPORT, $"Descriptors pass only over AF_UNIX sockets, not {socket.AddressFamily}.");
    }

    private static byte[] Header(ushort kind, int vector)
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(MagicOffset), HeaderMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(VersionOffset), HeaderVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(KindOffset), kind);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(VectorOffset), (uint)vector);
        return header;
    }

    /// <summary>The first <c>sendmsg</c>, which carries the descriptor; false when the socket is full.</summary>
    private static bool TrySendFirst(Socket socket, SafeHandle descriptor, byte[] header, bool dontWait, out int sent)
    {
        ThrowIfNotUnix(socket);
        using var socketFd = new HandleLease(socket.SafeHandle);
        using var descriptorFd = new HandleLease(descriptor);
        long result;
        do
            result = SocketMessages.Send(socketFd.Fd, header, descriptorFd.Fd, dontWait);
        while (result == -Errno.EINTR);
        sent = (int)Math.Max(result, 0);
        if (result == -Errno.EAGAIN)
            return false;
        if (result < 0)
            throw new UintrException((int)-result, $"sendmsg failed: {Errno.Describe((int)-result)}");
        return true;
    }
}
