using UintrIpc.Interop;

namespace UintrIpc.Hardware;

/// <summary>
/// A registered native sender: <c>uintr_register_sender</c> gives a UITT index, <see cref="Post"/>
/// is the SENDUIPI instruction, <see cref="Dispose"/> is <c>uintr_unregister_sender</c>.
/// </summary>
/// <remarks>
/// <para><b>Hardware-only: runs only on UINTR CPUs with the uintr kernel.</b> The constructor
/// throws <see cref="UintrException"/> EOPNOTSUPP unless <see cref="UintrCapabilities.NativeAvailable"/>
/// is true, before any uintr instruction or system call.</para>
/// <para>SENDUIPI through an index that is not a valid UITT entry raises #GP, which Linux turns
/// into SIGSEGV in native code: the process dies. Everything here keeps that from happening:
/// the path holds its own reference to the uintr_fd while registered (so the kernel cannot
/// release the descriptor and invalidate the entry under it), posts only while registered (an
/// in-flight count makes <see cref="Dispose"/> wait for posts already past the check), and on
/// RFC v1, where the UITT belongs to the registering thread, posts only from that thread.</para>
/// <para>The kernel does not tell a sender that the receiver closed the vector or went away:
/// SENDUIPI still succeeds into the receiver's UPID (suppressed once its handler is unregistered)
/// and the post is dropped there. Receiver death must be watched by other means (the runtime's
/// pidfd watch).</para>
/// </remarks>
internal sealed class HardwareSender : IDisposable
{
    private const int Registered = 0;
    private const int Disposed = 1;

    private readonly UintrSyscallTable _table;
    private readonly SafeFileDescriptorHandle? _fd; // set once registered
    private readonly int _index;
    private readonly int _ownerThreadId;
    private readonly bool _threadBound;
    private int _state;
    private int _inFlight;

    /// <summary>
    /// Registers the calling thread (RFC v1) or process (later trees) as a sender of the kernel
    /// uintr_fd <paramref name="fd"/> (<c>uintr_register_sender(fd, 0)</c>). The path references
    /// <paramref name="fd"/> until it is disposed; the caller keeps ownership.
    /// Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when the native path is not available (nothing native was executed), or
    /// <paramref name="fd"/> is not a uintr_fd; EISCONN when already registered; ECONNRESET when
    /// the receiver unregistered its handler (the kernel's ESHUTDOWN); EBADF; ENOSPC (UITT full).
    /// </exception>
    public HardwareSender(SafeFileDescriptorHandle fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        UintrCapabilities capabilities = UintrCapabilities.Current;
        capabilities.ThrowIfNativeUnavailable(nameof(HardwareSender));
        _table = capabilities.SyscallTable!;
        _threadBound = _table.Abi == UintrSyscallAbi.RfcV1;
        _ownerThreadId = Environment.CurrentManagedThreadId;

        bool referenced = false;
        fd.DangerousAddRef(ref referenced);
        try
        {
            int index = Shim.UintrRegisterSender(_table.RegisterSender, fd.Fd, 0);
            if (index == -Errno.ESHUTDOWN)
                throw new UintrException(Errno.ECONNRESET, "The receiver of this uintr_fd has unregistered its handler (disposed or exited).");
            if (index == -Errno.EISCONN)
                throw new UintrException(Errno.EISCONN, "This uintr_fd is already registered as a sender by this thread/process.");
            Errno.Check(index, "uintr_register_sender");
            _index = index;
            _fd = fd;
        }
        catch
        {
            fd.DangerousRelease();
            GC.SuppressFinalize(this);
            throw;
        }
    }

    /// <summary>The UITT index (<c>uipi_index</c>) SENDUIPI takes.</summary>
    public int Index => _index;

    /// <summary>Whether <see cref="Post"/> must run on the registering thread (RFC v1: the UITT is per thread).</summary>
    public bool ThreadBound => _threadBound;

    /// <summary>The managed id of the registering thread.</summary>
    public int OwnerThreadId => _ownerThreadId;

    /// <summary>
    /// SENDUIPI <see cref="Index"/>: posts the vector. Never blocks, no system call.
    /// Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The sender was disposed.</exception>
    /// <exception cref="InvalidOperationException">RFC v1 and not the registering thread.</exception>
    public void Post()
    {
        if (_threadBound && Environment.CurrentManagedThreadId != _ownerThreadId)
            ThrowWrongThread();
        Interlocked.Increment(ref _inFlight);
        try
        {
            // Pairs with Dispose's exchange-then-read: either this sees Disposed, or Dispose
            // sees the post in flight and waits before the entry goes away.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) != Registered, this);
            Shim.Senduipi((ulong)_index);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>
    /// <c>uintr_unregister_sender</c> (RFC v1: by descriptor; later trees: by index), then drops
    /// the path's reference to the uintr_fd. On RFC v1 from a thread other than the registering
    /// one the kernel cannot find the registration (it matches the calling task): the entry then
    /// stays in the registering thread's UITT until that thread exits or every reference to the
    /// uintr_fd is closed, and is never posted through again.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Disposed) == Disposed)
            return;
        var wait = new SpinWait();
        while (Volatile.Read(ref _inFlight) != 0)
            wait.SpinOnce();
        try
        {
            if (!_threadBound || Environment.CurrentManagedThreadId == _ownerThreadId)
            {
                long target = _table.Abi == UintrSyscallAbi.RfcV1 ? _fd!.Fd : _index;
                Shim.UintrUnregisterSender(_table.UnregisterSender, target, 0);
            }
        }
        finally
        {
            _fd!.DangerousRelease();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>
    /// A sender dropped without <see cref="Dispose"/> gives its descriptor reference back (nothing
    /// can post through it any more); the UITT entry stays until the registering thread exits or
    /// the uintr_fd's last reference closes, since unregistering needs that thread.
    /// </summary>
    ~HardwareSender()
    {
        if (_fd is not null && Interlocked.Exchange(ref _state, Disposed) != Disposed)
            _fd.DangerousRelease();
    }

    private void ThrowWrongThread() =>
        throw new InvalidOperationException(
            $"On RFC v1 kernels the UITT belongs to the thread that registered the sender (managed thread {_ownerThreadId}): "
            + "SENDUIPI on another thread would use that thread's table. Post from the registering thread, or register a sender per thread.");
}
