using System.Buffers.Binary;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UintrIpc.Interop;
using UintrIpc.Native;
using UintrIpc.Peers;
using UintrIpc.Protocol;
using static UintrIpc.Protocol.FdMessage;

namespace UintrIpc;

/// <summary>
/// Passing uintr fds (and, for comparisons, any descriptor) between processes over a connected
/// <c>AF_UNIX</c> socket, stream or seqpacket, with <c>SCM_RIGHTS</c> (docs/ABI.md section 10).
/// </summary>
/// <remarks>
/// A received descriptor is close-on-exec. A message that is not a well-formed uintr fd message
/// is rejected with a <see cref="UintrException"/> and every descriptor that arrived with it is
/// closed: EBADMSG (no descriptor, or several), EMSGSIZE (control data truncated), EPROTO (not a
/// UintrIpc header, or the wrong kind), EOPNOTSUPP (the descriptor is not a uintr fd),
/// ECONNRESET (the peer closed the connection).
/// </remarks>
public static class UintrFdPassing
{

    /// <summary>Sends <paramref name="fd"/> to the peer; the caller keeps its own descriptor.</summary>
    public static void SendUintrFd(this Socket socket, UintrFd fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        SendDescriptor(socket, fd.Handle, Header(fd.Kind, fd.Vector));
    }

    /// <summary>Receives a uintr fd sent with <see cref="SendUintrFd"/>; blocks until one arrives.</summary>
    public static UintrFd ReceiveUintrFd(this Socket socket) =>
        AcceptUintrFd(socket, ReceiveDescriptor(socket, uintr: true));

    /// <summary>Sends <paramref name="fd"/> without blocking a thread while the socket is full.</summary>
    public static ValueTask SendUintrFdAsync(this Socket socket, UintrFd fd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return SendDescriptorAsync(socket, fd.Handle, Header(fd.Kind, fd.Vector), cancellationToken);
    }

    /// <summary>Receives a uintr fd without blocking a thread while none has arrived.</summary>
    public static async ValueTask<UintrFd> ReceiveUintrFdAsync(this Socket socket, CancellationToken cancellationToken = default) =>
        AcceptUintrFd(socket, await ReceiveDescriptorAsync(socket, uintr: true, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Sends any descriptor (an eventfd, a pipe end, a memfd), e.g. to compare UintrIpc with
    /// other mechanisms between the same two processes.
    /// </summary>
    public static void SendFileDescriptor(this Socket socket, SafeHandle descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        SendDescriptor(socket, descriptor, Header(KindPlain, 0));
    }

    /// <summary>Receives a descriptor sent with <see cref="SendFileDescriptor"/>; the caller owns it.</summary>
    public static SafeFileHandle ReceiveFileDescriptor(this Socket socket)
    {
        SafeFileDescriptorHandle handle = ReceiveDescriptor(socket, uintr: false).Handle;
        var file = new SafeFileHandle(handle.Fd, ownsHandle: true);
        handle.SetHandleAsInvalid(); // ownership moves to the SafeFileHandle
        return file;
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

    private static void SendDescriptor(Socket socket, SafeHandle descriptor, byte[] header)
    {
        int sent = SendFirst(socket, descriptor, header, dontWait: false, out bool wouldBlock);
        while (wouldBlock)
        {
            socket.Poll(-1, SelectMode.SelectWrite);
            sent = SendFirst(socket, descriptor, header, dontWait: false, out wouldBlock);
        }
        while (sent < header.Length) // a stream socket may take the header in pieces
            sent += socket.Send(header, sent, header.Length - sent, SocketFlags.None);
    }

    private static async ValueTask SendDescriptorAsync(Socket socket, SafeHandle descriptor, byte[] header, CancellationToken cancellationToken)
    {
        // .NET has no asynchronous wait for writability; a full socket buffer is rare for a
        // 16-byte message, so back off with timers rather than hold a thread.
        int delayMs = 1;
        int sent;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sent = SendFirst(socket, descriptor, header, dontWait: true, out bool wouldBlock);
            if (!wouldBlock)
                break;
            await Task.Delay(delayMs, cancellationToken).ConfigureAwait(false);
            delayMs = Math.Min(delayMs * 2, 50);
        }
        while (sent < header.Length)
            sent += await socket.SendAsync(header.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    private static int SendFirst(Socket socket, SafeHandle descriptor, byte[] header, bool dontWait, out bool wouldBlock)
    {
        ThrowIfNotUnix(socket);
        using var socketFd = new HandleLease(socket.SafeHandle);
        using var descriptorFd = new HandleLease(descriptor);
        while (true)
        {
            long result = SocketMessages.Send(socketFd.Fd, header, descriptorFd.Fd, dontWait);
            wouldBlock = result == -Errno.EAGAIN;
            if (result == -Errno.EINTR)
                continue;
            if (result < 0 && !wouldBlock)
                throw new UintrException((int)-result, $"sendmsg failed: {Errno.Describe((int)-result)}");
            return wouldBlock ? 0 : (int)result;
        }
    }

    private static Descriptor ReceiveDescriptor(Socket socket, bool uintr)
    {
        var header = new byte[HeaderSize];
        ReceivedMessage? message;
        while ((message = ReceiveFirst(socket, header, dontWait: false)) is null)
            socket.Poll(-1, SelectMode.SelectRead); // async use left the socket non-blocking
        using (message)
        {
            while (message.NeedsMore)
                message.Add(socket.Receive(header, message.Received, HeaderSize - message.Received, SocketFlags.None));
            return message.Accept(header, uintr);
        }
    }

    private static async ValueTask<Descriptor> ReceiveDescriptorAsync(Socket socket, bool uintr, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        ReceivedMessage? message;
        while ((message = ReceiveFirst(socket, header, dontWait: true)) is null)
        {
            // Wait for readability without taking the message: a peek leaves data and descriptors queued.
            await socket.ReceiveAsync(new byte[1], SocketFlags.Peek, cancellationToken).ConfigureAwait(false);
        }
        using (message)
        {
            while (message.NeedsMore)
                message.Add(await socket.ReceiveAsync(header.AsMemory(message.Received), SocketFlags.None, cancellationToken).ConfigureAwait(false));
            return message.Accept(header, uintr);
        }
    }

    /// <summary>The first <c>recvmsg</c> of a message, checked; null when it would block.</summary>
    private static ReceivedMessage? ReceiveFirst(Socket socket, byte[] header, bool dontWait)
    {
        ThrowIfNotUnix(socket);
        var fds = new List<int>(1);
        long result;
        bool truncated;
        using (var socketFd = new HandleLease(socket.SafeHandle))
        {
            do
                result = SocketMessages.Receive(socketFd.Fd, header, fds, out truncated, dontWait);
            while (result == -Errno.EINTR);
            // 0 bytes is the end of a stream, but on seqpacket it may be an empty message.
            if (result == 0 && fds.Count == 0 && socket.SocketType != SocketType.Stream && Shim.PeerHungUp(socketFd.Fd) == 0)
                result = -Errno.EBADMSG;
        }
        var message = new ReceivedMessage(fds, (int)Math.Max(result, 0), socket.SocketType == SocketType.Stream);
        if (result == -Errno.EAGAIN && fds.Count == 0)
            return null;
        try
        {
            message.CheckFirst(result, truncated);
            return message;
        }
        catch
        {
            message.Dispose();
            throw;
        }
    }

    private static UintrFd AcceptUintrFd(Socket socket, Descriptor received)
    {
        SafeFileDescriptorHandle handle = received.Handle;
        try
        {
            using var socketFd = new HandleLease(socket.SafeHandle);
            if (NativeUintrFd.IsNativeKind(received.Kind))
            {
                int vector = NativeUintrFd.Validate(handle.Fd, received.Vector, received.Kind);
                int peer = Shim.PeerPid(socketFd.Fd);
                return new UintrFd(handle, vector, peer, receiverId: 0, receiver: null,
                    PeerIdentity.ReceiverPidfd(socketFd.Fd, peer), received.Kind);
            }
            var (pageVector, receiverPid, receiverId) = VectorPageFile.Validate(handle.Fd);
            return new UintrFd(handle, pageVector, receiverPid, receiverId, receiver: null,
                PeerIdentity.ReceiverPidfd(socketFd.Fd, receiverPid));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void ThrowIfNotUnix(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.AddressFamily != AddressFamily.Unix)
            throw new UintrException(Errno.EAFNOSUPPORT, $"Descriptors pass only over AF_UNIX sockets, not {socket.AddressFamily}.");
    }

    /// <summary>A descriptor taken out of an accepted message, with what its header said.</summary>
    private readonly record struct Descriptor(SafeFileDescriptorHandle Handle, ushort Kind, int Vector);

    /// <summary>A message being received: owns every descriptor that came with it until accepted.</summary>
    private sealed class ReceivedMessage(List<int> fds, int received, bool stream) : IDisposable
    {
        public int Received { get; private set; } = received;

        /// <summary>A stream may deliver the header in pieces (CheckFirst refuses a short seqpacket message).</summary>
        public bool NeedsMore => Received < HeaderSize;

        public void CheckFirst(long result, bool controlTruncated)
        {
            if (result == -Errno.EBADMSG)
                throw new UintrException(Errno.EBADMSG, "The message was empty: it carried no descriptor.");
            if (result < 0)
                throw new UintrException((int)-result, $"recvmsg failed: {Errno.Describe((int)-result)}");
            if (result == 0 && fds.Count == 0)
                throw new UintrException(Errno.ECONNRESET, "The peer closed the connection.");
            if (controlTruncated)
                throw new UintrException(Errno.EMSGSIZE, "The descriptor message's control data was truncated (MSG_CTRUNC).");
            if (fds.Count == 0)
                throw new UintrException(Errno.EBADMSG, "The message carried no descriptor.");
            if (fds.Count > 1)
                throw new UintrException(Errno.EBADMSG, $"The message carried {fds.Count} descriptors; a descriptor message carries one.");
            if (!stream && Received < HeaderSize)
                throw Malformed($"a {Received}-byte message"); // a seqpacket message is whole or wrong
        }

        public void Add(int count)
        {
            if (count == 0)
                throw new UintrException(Errno.ECONNRESET, "The peer closed the connection in the middle of a descriptor message.");
            Received += count;
        }

        /// <summary>Checks the header and hands out the message's one descriptor.</summary>
        public Descriptor Accept(byte[] header, bool uintr)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(MagicOffset)) != HeaderMagic
                || BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(VersionOffset)) != HeaderVersion)
                throw Malformed("no UintrIpc descriptor header, version 1");
            ushort kind = BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(KindOffset));
            if (uintr ? kind is not (KindFutexPage or KindNative or KindNativeSimulated) : kind != KindPlain)
                throw Malformed($"a descriptor of kind {kind} where {(uintr ? "a uintr fd (kind 1, 2 or 3)" : "a plain descriptor (kind 0)")} was expected");
            int vector = (int)BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(VectorOffset));
            var handle = new SafeFileDescriptorHandle(fds[0]);
            fds.Clear();
            return new(handle, kind, vector);
        }

        public void Dispose()
        {
            foreach (int fd in fds)
                Shim.Close(fd);
            fds.Clear();
        }

        private static UintrException Malformed(string what) =>
            new(Errno.EPROTO, $"The descriptor message is malformed: {what}.");
    }
}
