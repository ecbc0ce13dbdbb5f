using UintrIpc.Diagnostics;
using UintrIpc.Interop;
using UintrIpc.Hardware;
using UintrIpc.Liveness;
using UintrIpc.FutexPath;
using UintrIpc.Senders;

namespace UintrIpc;

/// <summary>
/// A registered sender of one vector (the RFC's <c>uintr_register_sender</c>): an entry in the
/// process's target table whose <see cref="Send"/> posts the vector (<c>SENDUIPI</c>).
/// </summary>
public sealed class UintrSender : IDisposable, IAsyncDisposable
{
    private readonly Upid _upid;
    private readonly HardwareSender? _native; // the native path: SENDUIPI instead of the page
    private readonly ulong _pirBit;
    private readonly int _index;
    private readonly int _vector;
    private int _state; // one of the constants below: the send path tests a single word
    private IDisposable? _watch;
    private IDisposable? _vectorWatch;

    private const int Registered = 0;
    private const int ReceiverGone = 1;
    private const int Disposed = 2;
    private const int VectorGone = 3; // the native path: closed by a receiver in this process

    private UintrSender(int index, Upid upid, HardwareSender? native, int vector)
    {
        _index = index;
        _upid = upid;
        _native = native;
        _vector = vector;
        _pirBit = 1UL << vector;
    }

    /// <summary>Registers the calling process as a sender of <paramref name="fd"/>'s vector.</summary>
    /// <exception cref="UintrException">
    /// EISCONN when the same vector page is already registered in this process; ECONNRESET
    /// when its vector or receiver was disposed; ESHUTDOWN when the receiver's process has
    /// exited; ENOSPC when the table is full.
    /// </exception>
    /// <remarks>
    /// On the futex path the vector page itself says when the receiver's process has died (the
    /// kernel marks it, docs/ABI.md section 6), however the descriptor reached this process.
    /// A native descriptor has no page: there the sender watches the process the descriptor
    /// came from over a Unix socket, when that was the receiver itself.
    /// </remarks>
    public static UintrSender Register(UintrFd fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        if (!KernelUintrFd.IsHardwareKind(fd.Kind))
        {
            int index = Uitt<UintrSender>.TakeMapped(fd.Handle, fd.Vector, out Upid upid, out int vector);
            return Publish(new UintrSender(index, upid, native: null, vector));
        }
        SafeFileDescriptorHandle? pidfd = fd.ReceiverPidfd;
        if (pidfd is not null && ProcessWatcher.HasExited(pidfd))
            throw SenderErrors.ReceiverDied(fd.Vector);
        UintrSender sender = RegisterHardware(fd);
        if (pidfd is not null)
            sender._watch = ProcessWatcher.Watch(pidfd, sender.OnReceiverExit);
        return sender;
    }

    /// <summary>The index in the process's target table (the RFC's <c>uipi_index</c>), for <see cref="SendUipi"/>.</summary>
    public int Index
    {
        get
        {
            ThrowIfDisposed();
            return _index;
        }
    }

    /// <summary>The vector this sender posts.</summary>
    public int Vector
    {
        get
        {
            ThrowIfDisposed();
            return _vector;
        }
    }

    /// <summary>
    /// Posts the vector (<c>SENDUIPI</c>), from any thread. Never blocks; makes a system call
    /// only when the receiver is asleep and nobody has woken it yet, or (native path, RFC v1
    /// kernel) on a thread's first post, which registers that thread (docs/NATIVE.md).
    /// </summary>
    /// <exception cref="UintrException">
    /// ECONNRESET when the receiver disposed the vector or itself (on the native path: a
    /// receiver in this process); ESHUTDOWN when the receiver's process has exited (seen within
    /// a second of its death); on an RFC v1 kernel, EISCONN when another sender of the same
    /// uintr_fd was registered on this thread.
    /// </exception>
    public void Send()
    {
        if (Volatile.Read(ref _state) != Registered)
            ThrowForState();
        Post();
    }

    /// <summary>
    /// <see cref="Send"/> for a pipe's doorbell: its posts are the pipe's own, not sends of the
    /// application's that the Meter counts (and the count's thread-local cell costs a TLS lookup
    /// on every message). It shares <see cref="PostVector"/> with Send, which is inlined into
    /// both, rather than one path with a flag: the flag's test would sit on every Send's way.
    /// </summary>
    internal void SendUncounted()
    {
        if (Volatile.Read(ref _state) != Registered)
            ThrowForStateUncounted();
        if (PostVector() is var outcome && outcome != SendOutcome.Ok)
            throw PostFailure(outcome);
    }

    /// <summary>Posts through the sender registered at <paramref name="index"/> (<c>SENDUIPI index</c>).</summary>
    /// <exception cref="UintrException">EINVAL when no sender is registered at <paramref name="index"/>; as <see cref="Send"/> otherwise.</exception>
    public static void SendUipi(int index)
    {
        UintrSender? sender = Uitt<UintrSender>.Lookup(index);
        int state = sender is null ? Disposed : Volatile.Read(ref sender._state);
        if (state != Registered)
        {
            SendCounters.Failed();
            if (state == Disposed)
                throw SenderErrors.NoSenderAt(index);
            sender!.ThrowForStateUncounted();
        }
        // A Dispose racing from here on retires the slot to a private page: the post is
        // harmless and counts as made before the Dispose.
        sender!.Post();
    }

    /// <summary>Hardware-only: the kernel's <c>uintr_register_sender</c>, then an index in this process's table.</summary>
    private static UintrSender RegisterHardware(UintrFd fd)
    {
        int index = Uitt<UintrSender>.Take();
        HardwareSender? native = null;
        try
        {
            native = new HardwareSender(fd.Handle, fd.Vector);
            var sender = new UintrSender(index, default, native, fd.Vector);
            sender._vectorWatch = LocalVectors.Watch(fd.Handle, sender.OnVectorClosed);
            return Publish(sender);
        }
        catch
        {
            native?.Dispose();
            Uitt<UintrSender>.Free(index);
            throw;
        }
    }

    private static UintrSender Publish(UintrSender sender)
    {
        Uitt<UintrSender>.Publish(sender._index, sender);
        return sender;
    }

    private void Post()
    {
        if (PostVector() is var outcome && outcome != SendOutcome.Ok)
        {
            SendCounters.Failed();
            throw PostFailure(outcome);
        }
        SendCounters.Sent();
    }

    /// <summary>The post itself: SENDUIPI on the native path, the delivery protocol's S1-S7 otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private SendOutcome PostVector()
    {
        if (_native is null)
            return SenderProtocol.Post(_upid, _pirBit);
        _native.Post();
        return SendOutcome.Ok;
    }

    private UintrException PostFailure(SendOutcome outcome) =>
        outcome == SendOutcome.Closed ? SenderErrors.VectorClosed(_vector) : SenderErrors.ReceiverDied(_vector);

    /// <summary>Unregisters the sender (<c>uintr_unregister_sender</c>) and frees its index.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Disposed)
            return;
        _watch?.Dispose();
        _vectorWatch?.Dispose();
        Uitt<UintrSender>.Free(_index);
        _native?.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>, which never waits: completes at once.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void OnReceiverExit() => Interlocked.CompareExchange(ref _state, ReceiverGone, Registered);

    private void OnVectorClosed() => Interlocked.CompareExchange(ref _state, VectorGone, Registered);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowForState()
    {
        SendCounters.Failed();
        ThrowForStateUncounted();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowForStateUncounted()
    {
        ThrowIfDisposed();
        throw Volatile.Read(ref _state) == VectorGone ? SenderErrors.VectorClosed(_vector) : SenderErrors.ReceiverDied(_vector);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Disposed, this);
}
