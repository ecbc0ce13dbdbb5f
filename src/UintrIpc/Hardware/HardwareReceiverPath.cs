using System.Diagnostics;
using UintrIpc.Delivery;
using UintrIpc.Hardware;
using UintrIpc.Interop;

namespace UintrIpc.Hardware;

/// <summary>
/// The native delivery path: the kernel's <c>uintr_register_handler</c>, <c>uintr_create_fd</c>
/// and <c>uintr_wait</c>, with the C handler of native/uintr_hw.c recording vectors.
/// </summary>
/// <remarks>
/// <para><b>Hardware-only: runs only on UINTR CPUs with the uintr kernel.</b> The constructor
/// throws <see cref="UintrException"/> EOPNOTSUPP unless <see cref="UintrCapabilities.NativeAvailable"/>
/// is true, before any uintr instruction or system call.</para>
/// <para><b>Tied to the registering thread.</b> <c>uintr_register_handler</c>,
/// <c>uintr_create_fd</c> and <c>uintr_wait</c> act on the calling thread, and the CPU delivers
/// to the thread whose MSRs name the handler. So the thread that constructs the path owns it:
/// <see cref="OpenVector"/> and <see cref="Block"/> throw <see cref="InvalidOperationException"/>
/// elsewhere. <see cref="Collect"/>, <see cref="Peek"/>, <see cref="Generation"/>,
/// <see cref="CloseVector"/>, <see cref="Interrupt"/> and <see cref="Dispose"/> work from any
/// thread. One native receiver per thread: the kernel answers EBUSY to a second registration.</para>
/// <para><b>Delivery.</b> The CPU runs the C handler asynchronously, at any user instruction of
/// the owner thread while UIF is set (the path keeps it set), with UIF cleared; the handler ORs
/// the vector into this receiver's pending word and returns with UIRET. Managed handlers run
/// later, at the receiver's safe points, from <see cref="Collect"/>: the runtime's
/// EnableInterrupts/DisableInterrupts stay a software flag over that, as on the futex path.</para>
/// </remarks>
internal sealed class HardwareReceiverPath : IReceiverPath
{
    /// <summary><c>UINTR_HANDLER_FLAG_WAITING_RECEIVER</c> of the later tree: SENDUIPI wakes the receiver when it sleeps.</summary>
    private const uint HandlerFlagWaitingReceiver = 0x1000;

    /// <summary><c>UINTR_WAIT_MAX_USEC</c> of the later tree: 1000 s.</summary>
    private const ulong MaxWaitMicroseconds = 1_000_000_000;

    private const int VectorCount = 64;

    private readonly UintrSyscallTable _table;
    private readonly nint _state;
    private readonly int _ownerThreadId;
    private readonly int _ownerTid;
    private readonly SafeFileDescriptorHandle?[] _fds = new SafeFileDescriptorHandle?[VectorCount];
    private readonly Lock _lock = new();
    private bool _kernelCanBlock = true; // owner thread only
    private int _disposed;

    /// <summary>
    /// Registers the calling thread as a user-interrupt receiver (<c>uintr_register_handler</c>)
    /// and sets UIF. Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when the native path is not available (nothing native was executed); EBUSY
    /// when this thread is already a uintr receiver; what the kernel answers otherwise.
    /// </exception>
    public unsafe HardwareReceiverPath()
    {
        UintrCapabilities capabilities = UintrCapabilities.Current;
        capabilities.ThrowIfNativeUnavailable(nameof(HardwareReceiverPath));
        _table = capabilities.SyscallTable!;
        _ownerThreadId = Environment.CurrentManagedThreadId;
        ReleaseOrphan();

        nint state;
        Errno.Check(Shim.UintrReceiverNew(&state), "allocating the native receiver");
        try
        {
            Register(state);
            _ownerTid = Shim.Gettid();
            if (_table.Abi == UintrSyscallAbi.RfcV1)
            {
                // RFC v1's uintr_wait has no timeout: a POSIX timer sends the wake-up signal.
                int created = Shim.UintrTimerCreate(state);
                if (created < 0)
                {
                    Shim.UintrUnregisterHandler(_table.UnregisterHandler, 0);
                    Errno.Check(created, "timer_create (uintr_wait timeout)");
                }
            }
        }
        catch
        {
            Shim.UintrReceiverFree(state);
            throw;
        }
        _state = state;
    }

    public UintrMode Mode => UintrMode.Native;

    /// <summary>Kind 2, a kernel <c>uintr_fd</c>, on the wire, or 3 under the simulator (docs/ABI.md section 10).</summary>
    public ushort DescriptorKind => KernelUintrFd.Kind;

    /// <summary>The managed id of the owner thread, the only one that may open vectors and block.</summary>
    public int OwnerThreadId => _ownerThreadId;

    /// <summary>The kernel thread id of the owner thread.</summary>
    public int OwnerTid => _ownerTid;

    public uint Generation => Shim.UintrGeneration(_state);

    /// <summary>
    /// <c>uintr_create_fd(vector, 0)</c>: a close-on-exec kernel uintr_fd for <paramref name="vector"/>.
    /// Owner thread only. Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not called on the owner thread.</exception>
    /// <exception cref="UintrException">ENOSPC (vector above 63), EBUSY (already registered), as the kernel answers.</exception>
    public SafeFileDescriptorHandle OpenVector(int vector)
    {
        ThrowIfNotOwner("CreateFd");
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed != 0, this);
            int fd = Shim.UintrCreateFd(_table.CreateFd, (ulong)vector, 0);
            if (fd == -Errno.EBUSY && (uint)vector < VectorCount && _fds[vector] is null)
            {
                // RFC v1 frees a closed vector in task work of the receiver thread, which runs on
                // its way back from its next system call, this failed one included: retry once.
                fd = Shim.UintrCreateFd(_table.CreateFd, (ulong)vector, 0);
            }
            Errno.Check(fd, $"uintr_create_fd({vector})");
            var handle = new SafeFileDescriptorHandle(fd);
            _fds[vector] = handle;
            LocalVectors.Opened(handle);
            return handle;
        }
    }

    /// <summary>
    /// Closes the receiver's own reference to <paramref name="vector"/>'s uintr_fd (the handle
    /// <see cref="OpenVector"/> returned), after which <see cref="Collect"/> drops the vector
    /// because it is no longer live. Any thread.
    /// </summary>
    /// <remarks>
    /// The kernel unregisters the vector only when the last reference to the uintr_fd closes,
    /// and a sender's own copy of the descriptor is one: while a sender holds it (HardwareSender
    /// keeps it open on purpose) its UITT entry stays valid, its SENDUIPI still succeeds and
    /// still reaches this thread's UPID, where the handler records it and Collect drops it. The
    /// kernel tells no sender; <see cref="LocalVectors"/> tells those in this process. Once every
    /// reference is closed, RFC v1's release marks each remaining sender's UITT entry invalid (to
    /// "make sure any new senduipi result in a #GP fault") and clears the vector from the UPID in
    /// task work of this thread; a later SENDUIPI through such an entry faults.
    /// </remarks>
    public void CloseVector(int vector)
    {
        SafeFileDescriptorHandle? handle;
        lock (_lock)
        {
            handle = _fds[vector];
            _fds[vector] = null;
        }
        Close(handle);
    }

    /// <summary>Takes the vectors the handler recorded (atomic exchange), keeping those in <paramref name="live"/>.</summary>
    public ulong Collect(ulong live) => Shim.UintrTakePending(_state) & live;

    /// <summary>The vectors of <paramref name="live"/> recorded and not collected.</summary>
    public ulong Peek(ulong live) => Shim.UintrPeekPending(_state) & live;

    /// <summary>
    /// Sleeps in <c>uintr_wait</c> until the handler records a vector, <see cref="Interrupt"/> is
    /// called after <paramref name="generation"/> was read, or the timeout passes. Owner thread
    /// only. Hardware-only: runs only on UINTR CPUs with the uintr kernel.
    /// </summary>
    /// <remarks>
    /// The last check of the pending word and the generation and the syscall instruction form a
    /// window that the handler and the wake-up signal both skip (native/uintr_hw.c), so a
    /// vector recorded or an Interrupt made just before the syscall never leaves the thread
    /// asleep. RFC v1's <c>uintr_wait(flags)</c> has no timeout: a POSIX timer aimed at the owner
    /// thread sends the wake-up signal at the deadline. The later tree's <c>uintr_wait(usec,
    /// flags)</c> takes at most 1000 s; longer or infinite waits return and the caller loops.
    /// </remarks>
    public BlockResult Block(ulong live, uint generation, long timeoutNs, Func<bool> beforeSleep)
    {
        ThrowIfNotOwner("Wait");
        ulong posted = Collect(live);
        if (posted != 0 || timeoutNs == 0)
            return new(posted, Slept: false, WokenByPost: false, TimedOut: posted == 0);
        if (!beforeSleep())
            return new(0, Slept: false, WokenByPost: false, TimedOut: false);

        long start = Stopwatch.GetTimestamp();
        int result = _kernelCanBlock ? Sleep(generation, timeoutNs) : -Errno.ENOSYS;
        if (result == -Errno.ENOSYS && _table.Abi == UintrSyscallAbi.UintrNext)
        {
            // A later-tree kernel without CONFIG_X86_UINTR_BLOCKING: sleep in short slices.
            _kernelCanBlock = false;
            result = SleepSlices(live, generation, timeoutNs, start);
        }
        if (result < 0 && result != -Errno.EINTR)
            Errno.Check(result, "uintr_wait");
        bool slept = result != Shim.UintrWaitNotSlept;
        posted = Collect(live);
        bool timedOut = posted == 0 && timeoutNs > 0 && Stopwatch.GetElapsedTime(start).Ticks * 100 >= timeoutNs;
        return new(posted, slept, WokenByPost: slept && posted != 0, timedOut);
    }

    /// <summary>
    /// Wakes the owner thread inside <see cref="Block"/>: bumps the generation and, if the owner
    /// is in the wait, sends it the wake-up signal (tgkill). Any thread.
    /// </summary>
    /// <remarks>
    /// The uintr syscalls have no way to wake a <c>uintr_wait</c> from another thread. A
    /// SENDUIPI to a private vector would cost one of the 64 user vectors and, on RFC v1, a
    /// sender registration on every interrupting thread (the UITT is per thread); a signal
    /// costs neither. The signal is the highest free real-time signal, installed with
    /// SA_RESTART and sent only while the owner is inside the wait.
    /// </remarks>
    public void Interrupt()
    {
        lock (_lock)
        {
            if (_disposed == 0)
                Shim.UintrInterrupt(_state); // ESRCH: the owner thread is gone, nothing to wake
        }
    }

    /// <summary>
    /// Closes every vector and unregisters the handler (<c>uintr_unregister_handler</c>). On the
    /// owner thread everything is released. On another thread the handler cannot be unregistered
    /// (the syscall acts on the calling thread): the state is marked orphaned and stays allocated
    /// (the handler may still write to it) until the owner thread registers a receiver again,
    /// which unregisters the orphan first, or exits, when the kernel drops the registration.
    /// </summary>
    public void Dispose()
    {
        SafeFileDescriptorHandle?[] fds;
        lock (_lock)
        {
            if (_disposed != 0)
                return;
            _disposed = 1;
            fds = (SafeFileDescriptorHandle?[])_fds.Clone();
            Array.Clear(_fds);
        }
        foreach (SafeFileDescriptorHandle? fd in fds)
            Close(fd);
        Shim.UintrTimerDelete(_state);
        if (Environment.CurrentManagedThreadId == _ownerThreadId && Shim.UintrCurrent() == _state
            && Shim.UintrUnregisterHandler(_table.UnregisterHandler, 0) == 0)
        {
            Shim.UintrReceiverFree(_state);
        }
        else
        {
            Shim.UintrOrphan(_state);
        }
    }

    /// <summary>Closes the receiver's reference to a vector, telling this process's senders of it first.</summary>
    private static void Close(SafeFileDescriptorHandle? handle)
    {
        if (handle is null)
            return;
        LocalVectors.Closing(handle);
        handle.Dispose();
    }

    private void Register(nint state)
    {
        uint flags = _table.Abi == UintrSyscallAbi.UintrNext ? HandlerFlagWaitingReceiver : 0;
        int registered = Shim.UintrRegisterHandler(_table.RegisterHandler, state, flags);
        if (registered == -Errno.EINVAL && flags != 0)
        {
            // Without CONFIG_X86_UINTR_BLOCKING the later tree refuses the waiting flags.
            _kernelCanBlock = false;
            registered = Shim.UintrRegisterHandler(_table.RegisterHandler, state, 0);
        }
        if (registered == -Errno.EBUSY)
        {
            throw new UintrException(Errno.EBUSY,
                "This thread is already a user-interrupt receiver: on the native path each receiver owns its registering thread (uintr_register_handler is per thread).");
        }
        Errno.Check(registered, "uintr_register_handler");
    }

    /// <summary>Unregisters a receiver that was disposed on another thread while this thread owned it.</summary>
    private void ReleaseOrphan()
    {
        nint orphan = Shim.UintrCurrent();
        if (orphan == 0 || Shim.UintrIsOrphaned(orphan) == 0)
            return;
        Errno.Check(Shim.UintrUnregisterHandler(_table.UnregisterHandler, 0), "uintr_unregister_handler (orphaned receiver)");
        Shim.UintrTimerDelete(orphan);
        Shim.UintrReceiverFree(orphan);
    }

    private int Sleep(uint generation, long timeoutNs)
    {
        if (_table.Abi == UintrSyscallAbi.UintrNext)
        {
            ulong usec = timeoutNs < 0 ? MaxWaitMicroseconds : Math.Clamp(((ulong)timeoutNs + 999) / 1000, 1, MaxWaitMicroseconds);
            return Shim.UintrWait(_table.Wait, timedAbi: 1, usec, 0, _state, generation);
        }
        if (timeoutNs > 0)
            Errno.Check(Shim.UintrTimerArm(_state, timeoutNs), "timer_settime (uintr_wait timeout)");
        try
        {
            return Shim.UintrWait(_table.Wait, timedAbi: 0, 0, 0, _state, generation);
        }
        finally
        {
            if (timeoutNs > 0)
                Shim.UintrTimerArm(_state, 0);
        }
    }

    /// <summary>The fallback when the kernel cannot block on user interrupts: 1 ms naps, checking the word.</summary>
    private int SleepSlices(ulong live, uint generation, long timeoutNs, long start)
    {
        while (Peek(live) == 0 && Generation == generation)
        {
            if (timeoutNs > 0 && Stopwatch.GetElapsedTime(start).Ticks * 100 >= timeoutNs)
                return 0;
            Thread.Sleep(1);
        }
        return 0;
    }

    private void ThrowIfNotOwner(string operation)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Environment.CurrentManagedThreadId != _ownerThreadId)
        {
            throw new InvalidOperationException(
                $"{operation} on the native UINTR path must run on the thread that registered the receiver (managed thread {_ownerThreadId}): "
                + "uintr_register_handler, uintr_create_fd and uintr_wait act on the calling thread.");
        }
    }
}
