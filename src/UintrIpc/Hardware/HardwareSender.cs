using System.Numerics;
using UintrIpc.Interop;
using UintrIpc.Senders;

namespace UintrIpc.Hardware;

/// <summary>
/// A registered native sender: <c>uintr_register_sender</c> gives a UITT index, <see cref="Post"/>
/// is the SENDUIPI instruction, <see cref="Dispose"/> is <c>uintr_unregister_sender</c>. Usable
/// from any thread on either ABI.
/// </summary>
/// <remarks>
/// <para><b>Hardware-only: runs only on UINTR CPUs with the uintr kernel.</b> The constructor
/// throws <see cref="UintrException"/> EOPNOTSUPP unless <see cref="UintrCapabilities.NativeAvailable"/>
/// is true, before any uintr instruction or system call.</para>
/// <para><b>One table per thread on RFC v1.</b> There the UITT belongs to the thread that
/// registered, and SENDUIPI reads the calling thread's table. The constructor registers the
/// calling thread; any other thread registers itself on its first post, and keeps its index
/// in a thread-local array by the sender's slot, so a post costs one lookup. A thread's entries
/// go when it exits (the kernel drops its UITT). <see cref="Dispose"/> unregisters the disposing
/// thread's entry; another thread's entry of a disposed sender is unregistered by that thread at
/// its next registration (by descriptor, while the descriptor is still open), else at its exit or
/// when the descriptor's last reference closes. On the later tree one registration serves the
/// whole process.</para>
/// <para>SENDUIPI through an index that is not a valid UITT entry raises #GP, which Linux turns
/// into SIGSEGV in native code: the process dies. Everything here keeps that from happening:
/// the sender holds its own reference to the uintr_fd while registered (so the kernel cannot
/// release the descriptor and invalidate the entry under it), and posts only while registered
/// (an in-flight count makes <see cref="Dispose"/> wait for posts already past the check).</para>
/// <para>The kernel does not tell a sender that the receiver closed the vector or went away:
/// SENDUIPI still succeeds into the receiver's UPID (suppressed once its handler is unregistered)
/// and the post is dropped there. Receiver death must be watched by other means (the runtime's
/// pidfd watch); a vector closed in this process is reported by <see cref="LocalVectors"/>.</para>
/// </remarks>
internal sealed class HardwareSender : IDisposable
{
    private const int Registered = 0;
    private const int Disposed = 1;

    /// <summary>This thread's UITT indexes (RFC v1), by sender slot: valid where the entry names its sender.</summary>
    [ThreadStatic]
    private static ThreadEntry[]? t_entries;

    private static readonly Lock s_slotLock = new();
    private static readonly Stack<int> s_freeSlots = new();
    private static int s_nextSlot;

    private readonly UintrSyscallTable _table;
    private readonly SafeFileDescriptorHandle _fd;
    private readonly int _slot;
    private readonly int _vector;
    private readonly int _processIndex; // the later tree's one index; RFC v1: the registering thread's
    private readonly bool _perThread;
    private int _state;
    private int _inFlight;

    /// <summary>
    /// Registers <paramref name="fd"/> (<c>uintr_register_sender(fd, 0)</c>) on the calling thread
    /// (RFC v1) or process (later trees). The sender references <paramref name="fd"/> until it is
    /// disposed; the caller keeps ownership. Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <param name="fd">The kernel uintr_fd.</param>
    /// <param name="vector">Its vector, for error messages; -1 reads it from the kernel.</param>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when the native path is not available (nothing native was executed), or
    /// <paramref name="fd"/> is not a uintr_fd; EISCONN when already registered; ECONNRESET when
    /// the receiver unregistered its handler (the kernel's ESHUTDOWN); EBADF; ENOSPC (UITT full).
    /// </exception>
    public HardwareSender(SafeFileDescriptorHandle fd, int vector = -1)
    {
        ArgumentNullException.ThrowIfNull(fd);
        UintrCapabilities capabilities = UintrCapabilities.Current;
        capabilities.ThrowIfNativeUnavailable(nameof(HardwareSender));
        _table = capabilities.SyscallTable!;
        _perThread = _table.Abi == UintrSyscallAbi.RfcV1;
        _vector = vector >= 0 ? vector : KernelFdInfo.Vector(fd.Fd);

        bool referenced = false;
        fd.DangerousAddRef(ref referenced);
        _fd = fd;
        int index;
        try
        {
            index = RegisterCallingThread();
        }
        catch
        {
            fd.DangerousRelease();
            GC.SuppressFinalize(this);
            throw;
        }
        _processIndex = index;
        _slot = TakeSlot();
        if (_perThread)
            Remember(index);
    }

    /// <summary>
    /// SENDUIPI: posts the vector, from any thread. Never blocks; no system call, except the
    /// first post of an RFC v1 thread, which registers it.
    /// Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The sender was disposed.</exception>
    /// <exception cref="UintrException">A first post on an RFC v1 thread could not register it (as the constructor).</exception>
    public void Post()
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            // Pairs with Dispose's exchange-then-read: either this sees Disposed, or Dispose
            // sees the post in flight and waits before the entry goes away.
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) != Registered, this);
            Shim.Senduipi((ulong)IndexOnThisThread());
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOnThisThread()
    {
        if (!_perThread)
            return _processIndex;
        ThreadEntry[]? entries = t_entries;
        if (entries is not null && (uint)_slot < (uint)entries.Length && ReferenceEquals(entries[_slot].Sender, this))
            return entries[_slot].Index;
        return RegisterThisThread();
    }

    /// <summary>RFC v1, first post on this thread: unregisters what disposed senders left here, then registers.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int RegisterThisThread()
    {
        SweepThisThread();
        int index = RegisterCallingThread();
        Remember(index);
        return index;
    }

    private int RegisterCallingThread()
    {
        int index = Shim.UintrRegisterSender(_table.RegisterSender, _fd.Fd, 0);
        if (index == -Errno.ESHUTDOWN)
            throw SenderErrors.VectorClosed(_vector); // the receiver unregistered its handler
        if (index == -Errno.EISCONN)
            throw _perThread
                ? new UintrException(Errno.EISCONN, $"Another sender of vector {_vector} is registered on this thread: on RFC v1 kernels a thread's table takes one entry per uintr_fd, so use one UintrSender per vector in a process.")
                : SenderErrors.AlreadyRegistered(_vector);
        Errno.Check(index, "uintr_register_sender");
        return index;
    }

    private void Remember(int index)
    {
        ThreadEntry[]? entries = t_entries;
        if (entries is null || entries.Length <= _slot)
        {
            var grown = new ThreadEntry[Math.Max(16, (int)BitOperations.RoundUpToPowerOf2((uint)_slot + 1))];
            entries?.CopyTo(grown, 0);
            t_entries = entries = grown;
        }
        entries[_slot] = new ThreadEntry(this, index);
    }

    /// <summary>Unregisters this thread's entries of disposed senders whose descriptor is still open (RFC v1 matches the descriptor).</summary>
    private static void SweepThisThread()
    {
        ThreadEntry[]? entries = t_entries;
        if (entries is null)
            return;
        for (int i = 0; i < entries.Length; i++)
        {
            if (entries[i].Sender is { } stale && Volatile.Read(ref stale._state) == Disposed)
            {
                stale.UnregisterOnThisThread();
                entries[i] = default;
            }
        }
    }

    /// <summary>RFC v1: removes this thread's entry for the descriptor, if the descriptor is still open.</summary>
    private void UnregisterOnThisThread()
    {
        bool referenced = false;
        try
        {
            _fd.DangerousAddRef(ref referenced);
            Shim.UintrUnregisterSender(_table.UnregisterSender, _fd.Fd, 0);
        }
        catch (ObjectDisposedException)
        {
            // Closed: the kernel's release invalidated the entry, or it goes with the thread.
        }
        finally
        {
            if (referenced)
                _fd.DangerousRelease();
        }
    }

    /// <summary>
    /// <c>uintr_unregister_sender</c> (RFC v1: the disposing thread's entry, by descriptor; later
    /// trees: by index), then drops the sender's reference to the uintr_fd. Other threads' RFC v1
    /// entries are never posted through again and go as the remarks say.
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
            if (!_perThread)
            {
                Shim.UintrUnregisterSender(_table.UnregisterSender, _processIndex, 0);
            }
            else if (t_entries is { } entries && (uint)_slot < (uint)entries.Length && ReferenceEquals(entries[_slot].Sender, this))
            {
                Shim.UintrUnregisterSender(_table.UnregisterSender, _fd.Fd, 0);
                entries[_slot] = default;
            }
        }
        finally
        {
            FreeSlot(_slot);
            _fd.DangerousRelease();
            GC.SuppressFinalize(this);
        }
    }

    /// <summary>
    /// A sender dropped without <see cref="Dispose"/> gives its descriptor reference back (nothing
    /// can post through it any more); its UITT entries stay until their threads exit or the
    /// uintr_fd's last reference closes.
    /// </summary>
    ~HardwareSender()
    {
        // A constructor that threw before taking the descriptor (the native path unavailable) leaves it null.
        SafeFileDescriptorHandle? fd = _fd;
        if (fd is null || Interlocked.Exchange(ref _state, Disposed) == Disposed)
            return;
        FreeSlot(_slot);
        fd.DangerousRelease();
    }

    /// <summary>A number no other live sender has: this sender's place in each thread's array. Freed numbers are reused, so the arrays stay small.</summary>
    private static int TakeSlot()
    {
        lock (s_slotLock)
            return s_freeSlots.TryPop(out int slot) ? slot : s_nextSlot++;
    }

    private static void FreeSlot(int slot)
    {
        lock (s_slotLock)
            s_freeSlots.Push(slot);
    }

    /// <summary>One thread's registration of <see cref="Sender"/>: its UITT index on that thread.</summary>
    private readonly record struct ThreadEntry(HardwareSender? Sender, int Index);
}
