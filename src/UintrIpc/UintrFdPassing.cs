using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UintrIpc.Wire;
using UintrIpc.Interop;
using UintrIpc.Hardware;
using UintrIpc.Liveness;
using UintrIpc.FutexPath;
using static UintrIpc.Wire.DescriptorMessageLayout;

namespace UintrIpc;

/// <summary>
/// Passing uintr fds (and, for comparisons, any descriptor) between processes over a connected
/// <c>AF_UNIX</c> socket, stream or seqpacket, with <c>SCM_RIGHTS</c> (docs/ABI.md section 10).
/// </summary>
/// <remarks>
/// <para>
/// A received descriptor is close-on-exec. A message that is not a well-formed uintr fd message
/// is rejected with a <see cref="UintrException"/> and every descriptor that arrived with it is
/// closed: EBADMSG (no descriptor, several, or one riding on a later piece of a stream header),
/// EMSGSIZE (control data truncated), EPROTO (not a UintrIpc header, the wrong kind, or a short
/// seqpacket message), EOPNOTSUPP (the descriptor is not a uintr fd), ECONNRESET (the peer closed
/// the connection, before or in the middle of a message).
/// </para>
/// <para>
/// After a rejection the connection stays usable: a receive consumes exactly one message, on a
/// stream socket the whole 16-byte header, before it checks anything, so the next receive starts
/// at the next message. Only ECONNRESET ends the connection, and a cancelled asynchronous receive
/// that had taken part of a stream header leaves the stream in the middle of that message.
/// </para>
/// </remarks>
public static class UintrFdPassing
{
    private static readonly ushort[] s_uintrKinds = [KindFutexPage, KindNative, KindNativeSimulated];
    private static readonly ushort[] s_plainKinds = [KindPlain];

    /// <summary>
    /// Creates a connected pair of <c>AF_UNIX</c> sockets (<c>socketpair(2)</c>), both ends
    /// close-on-exec: one end for this process, the other for a thread or, made inheritable with
    /// <see cref="AllowInheritance"/>, for a child process.
    /// </summary>
    /// <param name="type"><see cref="SocketType.Stream"/> or <see cref="SocketType.Seqpacket"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="type"/> is another type.</exception>
    /// <exception cref="UintrException">socketpair failed (e.g. EMFILE).</exception>
    public static (Socket First, Socket Second) CreateSocketPair(SocketType type = SocketType.Stream)
    {
        if (type is not (SocketType.Stream or SocketType.Seqpacket))
            throw new ArgumentOutOfRangeException(nameof(type), type, "Descriptors pass over stream and seqpacket Unix sockets.");
        Errno.Check(SocketCalls.SocketPair(type == SocketType.Stream, out int first, out int second), "socketpair");
        Socket? firstSocket = null;
        try
        {
            firstSocket = new Socket(new SafeSocketHandle(first, ownsHandle: true));
            return (firstSocket, new Socket(new SafeSocketHandle(second, ownsHandle: true)));
        }
        catch
        {
            if (firstSocket is null)
                _ = Shim.Close(first);
            firstSocket?.Dispose();
            _ = Shim.Close(second);
            throw;
        }
    }

    /// <summary>
    /// Lets a child process started after this call inherit <paramref name="socket"/> (clears
    /// close-on-exec); pass <see cref="Socket.Handle"/>'s number on the child's command line and
    /// adopt it there with <c>new Socket(new SafeSocketHandle((IntPtr)number, ownsHandle: true))</c>.
    /// </summary>
    /// <remarks>
    /// Every child started while the flag is clear inherits the socket, including children other
    /// threads start; call it just before starting the child and dispose this process's copy (or
    /// call <see cref="PreventInheritance"/>) once the child runs.
    /// </remarks>
    public static void AllowInheritance(this Socket socket) => SetCloseOnExec(socket, closeOnExec: false);

    /// <summary>Makes <paramref name="socket"/> close-on-exec again (undoes <see cref="AllowInheritance"/>).</summary>
    public static void PreventInheritance(this Socket socket) => SetCloseOnExec(socket, closeOnExec: true);


    /// <summary>Sends <paramref name="fd"/> to the peer; the caller keeps its own descriptor.</summary>
    public static void SendUintrFd(this Socket socket, UintrFd fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        DescriptorMessage.Send(socket, fd.Handle, fd.Kind, fd.Vector);
    }

    /// <summary>Receives a uintr fd sent with <see cref="SendUintrFd"/>; blocks until one arrives.</summary>
    public static UintrFd ReceiveUintrFd(this Socket socket) =>
        AcceptUintrFd(socket, DescriptorMessage.Receive(socket, s_uintrKinds));

    /// <summary>
    /// Sends <paramref name="fd"/> without blocking a thread: while the socket is full it waits
    /// for the socket to become writable (one shared thread polls every such socket).
    /// </summary>
    public static ValueTask SendUintrFdAsync(this Socket socket, UintrFd fd, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return DescriptorMessage.SendAsync(socket, fd.Handle, fd.Kind, fd.Vector, cancellationToken);
    }

    /// <summary>Receives a uintr fd without blocking a thread while none has arrived.</summary>
    public static async ValueTask<UintrFd> ReceiveUintrFdAsync(this Socket socket, CancellationToken cancellationToken = default) =>
        AcceptUintrFd(socket, await DescriptorMessage.ReceiveAsync(socket, s_uintrKinds, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Sends any descriptor (an eventfd, a pipe end, a memfd, a socket) in the same framed message
    /// as a uintr fd (docs/ABI.md section 10, kind "plain"), so that one socket can carry both:
    /// the peer receives it with <see cref="ReceiveFileDescriptor"/> and owns the copy. The
    /// descriptor passed stays open and owned by the caller.
    /// </summary>
    /// <param name="socket">A connected Unix socket.</param>
    /// <param name="descriptor">The descriptor to send a copy of.</param>
    public static void SendFileDescriptor(this Socket socket, SafeHandle descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        DescriptorMessage.Send(socket, descriptor, KindPlain, 0);
    }

    /// <summary>
    /// Receives a descriptor sent with <see cref="SendFileDescriptor"/>; the caller owns it. A
    /// message that carries a uintr fd instead, or a broken one, is consumed whole and refused with
    /// a <see cref="UintrException"/>, as <see cref="ReceiveUintrFd"/> refuses a plain descriptor.
    /// </summary>
    /// <param name="socket">A connected Unix socket.</param>
    /// <returns>The received descriptor.</returns>
    public static SafeFileHandle ReceiveFileDescriptor(this Socket socket)
    {
        SafeFileDescriptorHandle handle = DescriptorMessage.Receive(socket, s_plainKinds).Handle;
        var file = new SafeFileHandle(handle.Fd, ownsHandle: true);
        handle.SetHandleAsInvalid(); // ownership moves to the SafeFileHandle
        return file;
    }

    private static UintrFd AcceptUintrFd(Socket socket, ReceivedDescriptor received)
    {
        SafeFileDescriptorHandle handle = received.Handle;
        try
        {
            if (KernelUintrFd.IsHardwareKind(received.Kind))
            {
                // A kernel uintr_fd has no page to carry the receiver's death: watch the socket's
                // peer, when it is the receiver (docs/ABI.md section 10, "Who sent it").
                using var socketFd = new HandleLease(socket.SafeHandle);
                int vector = KernelUintrFd.Validate(handle.Fd, received.Vector, received.Kind);
                int peer = Shim.PeerPid(socketFd.Fd);
                return new UintrFd(handle, vector, peer, receiverId: 0, receiver: null,
                    PeerIdentity.ReceiverPidfd(socketFd.Fd, peer), received.Kind);
            }
            // A vector page says itself when its receiver dies (the owner word): no pidfd needed.
            var (pageVector, receiverPid, receiverId) = VectorPageFile.Validate(handle.Fd);
            if (pageVector != received.Vector)
                throw new UintrException(Errno.EPROTO, $"The descriptor message names vector {received.Vector}, but the page is vector {pageVector}.");
            return new UintrFd(handle, pageVector, receiverPid, receiverId, receiver: null);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static void SetCloseOnExec(Socket socket, bool closeOnExec)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var socketFd = new HandleLease(socket.SafeHandle);
        Errno.Check(SocketCalls.SetCloseOnExec(socketFd.Fd, closeOnExec), "fcntl(F_SETFD)");
    }
}
