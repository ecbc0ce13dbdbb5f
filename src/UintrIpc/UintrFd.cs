using UintrIpc.FutexPath;
using UintrIpc.Hardware;
using UintrIpc.Interop;
using UintrIpc.Wire;

namespace UintrIpc;

/// <summary>
/// One vector of one receiver, as a file descriptor (the RFC's <c>uintr_fd</c>): whoever holds
/// it can register a <see cref="UintrSender"/> and post that vector, and nothing else.
/// </summary>
/// <remarks>
/// The descriptor is a sealed 4096-byte memfd (docs/ABI.md) or, on the native path, the
/// kernel's <c>uintr_fd</c>. Pass it to another process over a Unix
/// socket (<c>SCM_RIGHTS</c>) or by inheritance; the instance owns the descriptor and closes
/// it on <see cref="Dispose"/>. Disposing the instance <see cref="UintrReceiver.CreateFd"/>
/// returned also closes the vector: later sends to it fail with ECONNRESET.
/// </remarks>
public sealed class UintrFd : IDisposable, IAsyncDisposable
{
    private readonly SafeFileDescriptorHandle _handle;
    private readonly int _vector;
    private UintrReceiver? _receiver;
    private int _disposed;

    internal UintrFd(SafeFileDescriptorHandle handle, int vector, int receiverPid, ulong receiverId, UintrReceiver? receiver,
        SafeFileDescriptorHandle? receiverPidfd = null, ushort kind = DescriptorMessageLayout.KindFutexPage)
    {
        Kind = kind;
        ReceiverPidfd = receiverPidfd;
        _handle = handle;
        _vector = vector;
        ReceiverPidUnchecked = receiverPid;
        ReceiverId = receiverId;
        _receiver = receiver;
    }

    /// <summary>The vector this descriptor posts, 0–63.</summary>
    public int Vector
    {
        get
        {
            ThrowIfDisposed();
            return _vector;
        }
    }

    /// <summary>The descriptor number, for passing it on; the instance still owns it.</summary>
    public int FileDescriptor
    {
        get
        {
            ThrowIfDisposed();
            return _handle.Fd;
        }
    }

    /// <summary>
    /// The descriptor as a <see cref="System.Runtime.InteropServices.SafeHandle"/>, for APIs that take one and for
    /// borrowing the number safely (<c>DangerousAddRef</c>). The instance still owns it: do not
    /// dispose it; dispose the <see cref="UintrFd"/>.
    /// </summary>
    public SafeHandle SafeHandle => Handle;

    /// <summary>
    /// The pid of the receiving process, as the page names it (in the receiver's pid namespace).
    /// Informational: a page a hostile process made can name any pid.
    /// </summary>
    public int ReceiverPid
    {
        get
        {
            ThrowIfDisposed();
            return ReceiverPidUnchecked;
        }
    }

    internal int ReceiverPidUnchecked { get; }

    internal ulong ReceiverId { get; }

    /// <summary>What the descriptor is: a futex-path vector page or a kernel uintr_fd (docs/ABI.md section 10).</summary>
    internal ushort Kind { get; }

    /// <summary>The delivery path of the receiver this descriptor posts to.</summary>
    public UintrMode Mode
    {
        get
        {
            ThrowIfDisposed();
            return KernelUintrFd.IsHardwareKind(Kind) ? UintrMode.Native : UintrMode.Futex;
        }
    }

    /// <summary>A pidfd of the receiving process when it handed this descriptor over a socket itself.</summary>
    internal SafeFileDescriptorHandle? ReceiverPidfd { get; }

    internal SafeFileDescriptorHandle Handle
    {
        get
        {
            ThrowIfDisposed();
            return _handle;
        }
    }

    /// <summary>
    /// Adopts an open uintr descriptor, e.g. one inherited from a parent process: the new
    /// instance owns it from then on. On failure the caller keeps the descriptor.
    /// </summary>
    /// <remarks>
    /// Every kind the library creates is adopted: a futex-path vector page (its vector and
    /// receiver come from the page) and, where this process can use the native path, a kernel
    /// <c>uintr_fd</c> (its vector from the kernel's <c>/proc/self/fdinfo</c>). Nothing here
    /// learns who the receiver is, so no pidfd watch is set up: the page itself reports the
    /// receiver's death.
    /// </remarks>
    /// <exception cref="UintrException">EBADF when it is not open; EOPNOTSUPP when it is not a uintr fd.</exception>
    public static UintrFd FromFileDescriptor(int fileDescriptor)
    {
        if (fileDescriptor >= 0 && KernelFdInfo.IsKernelUintrFd(fileDescriptor))
        {
            int nativeVector = KernelUintrFd.Validate(fileDescriptor, KernelFdInfo.Vector(fileDescriptor), KernelUintrFd.Kind);
            return new UintrFd(new SafeFileDescriptorHandle(fileDescriptor), nativeVector, receiverPid: 0, receiverId: 0,
                receiver: null, receiverPidfd: null, KernelUintrFd.Kind);
        }
        var (vector, receiverPid, receiverId) = VectorPageFile.Validate(fileDescriptor);
        return new UintrFd(new SafeFileDescriptorHandle(fileDescriptor), vector, receiverPid, receiverId, receiver: null);
    }

    /// <summary>
    /// Adopts the open uintr descriptor <paramref name="handle"/> holds (any
    /// <see cref="System.Runtime.InteropServices.SafeHandle"/>, e.g. a <c>SafeFileHandle</c>):
    /// on success the new instance owns the descriptor and <paramref name="handle"/> is marked
    /// invalid, so that it no longer closes it; on failure the caller keeps it.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is closed.</exception>
    /// <exception cref="UintrException">EBADF when it is invalid or not open; EOPNOTSUPP when it is not a uintr fd.</exception>
    public static UintrFd FromFileDescriptor(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        if (handle.IsInvalid)
            throw new UintrException(UintrError.BadDescriptor, "The handle is invalid.");
        UintrFd adopted;
        using (var lease = new HandleLease(handle))
            adopted = FromFileDescriptor(lease.Fd);
        handle.SetHandleAsInvalid(); // ownership moved to the new instance
        return adopted;
    }

    /// <summary>Detaches the instance from its receiver when the receiver closes the vector itself.</summary>
    internal void DetachFromReceiver() => Volatile.Write(ref _receiver, null);

    /// <summary>Closes the descriptor; for the receiver's own instance, also closes the vector.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Interlocked.Exchange(ref _receiver, null)?.CloseVector(_vector, this);
        _handle.Dispose();
        ReceiverPidfd?.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>, which never waits: completes at once.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A line like the RFC's fdinfo: <c>user_vector:3 receiver_pid:1234 fd:17</c>.</summary>
    public override string ToString() => Volatile.Read(ref _disposed) != 0
        ? $"user_vector:{_vector} receiver_pid:{ReceiverPidUnchecked} (disposed)"
        : $"user_vector:{_vector} receiver_pid:{ReceiverPidUnchecked} fd:{_handle.Fd}{(Volatile.Read(ref _receiver) is null ? "" : " owner:receiver")}";

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
