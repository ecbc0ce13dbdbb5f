namespace UintrIpc.Interop;

/// <summary>
/// The native UINTR path of the shim (native/uintr_hw.c, compiled with <c>-muintr
/// -mgeneral-regs-only</c>). Hardware-only: everything except the receiver-state accessors
/// executes a UINTR instruction (#UD, i.e. SIGILL, without UINTR) or a uintr system call whose
/// number the caller passes from the configured <see cref="Hardware.UintrSyscallTable"/> (on mainline
/// those numbers are other system calls). Only <c>UintrIpc.Native</c> calls these, and only
/// once <see cref="UintrCapabilities.NativeAvailable"/> is true.
/// </summary>
internal static unsafe partial class Shim
{
    /// <summary><c>uipc_uintr_wait</c> returned without entering the kernel.</summary>
    internal const int UintrWaitNotSlept = 1;

    /// <summary><c>SENDUIPI index</c>. An index that is not a valid UITT entry raises #GP (SIGSEGV).</summary>
    [LibraryImport(Library, EntryPoint = "uipc_senduipi")]
    [SuppressGCTransition]
    internal static partial void Senduipi(ulong index);

    /// <summary><c>STUI</c>: sets UIF.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_stui")]
    [SuppressGCTransition]
    internal static partial void Stui();

    /// <summary><c>CLUI</c>: clears UIF.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_clui")]
    [SuppressGCTransition]
    internal static partial void Clui();

    /// <summary><c>TESTUI</c>: UIF, 0 or 1.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_testui")]
    [SuppressGCTransition]
    internal static partial int Testui();

    /// <summary>Allocates one receiver's native state (pending word, generation, owner, timer).</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_receiver_new")]
    internal static partial int UintrReceiverNew(nint* receiver);

    /// <summary>Frees it; only once its handler is unregistered (or was never registered).</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_receiver_free")]
    internal static partial void UintrReceiverFree(nint receiver);

    /// <summary>Vectors the handler recorded since the last take, cleared atomically.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_take_pending")]
    [SuppressGCTransition]
    internal static partial ulong UintrTakePending(nint receiver);

    /// <summary>Vectors the handler recorded since the last take, left in place.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_peek_pending")]
    [SuppressGCTransition]
    internal static partial ulong UintrPeekPending(nint receiver);

    /// <summary>The generation <see cref="UintrWait"/> compares against.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_generation")]
    [SuppressGCTransition]
    internal static partial uint UintrGeneration(nint receiver);

    /// <summary>The receiver whose handler is registered on the calling thread, or 0.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_current")]
    [SuppressGCTransition]
    internal static partial nint UintrCurrent();

    /// <summary>Marks a receiver disposed on another thread while its handler stays registered on its owner.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_orphan")]
    [SuppressGCTransition]
    internal static partial void UintrOrphan(nint receiver);

    [LibraryImport(Library, EntryPoint = "uipc_uintr_is_orphaned")]
    [SuppressGCTransition]
    internal static partial int UintrIsOrphaned(nint receiver);

    /// <summary><c>uintr_register_handler(uipc_uintr_handler, flags)</c> on the calling thread, then STUI.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_register_handler")]
    internal static partial int UintrRegisterHandler(nint syscall, nint receiver, uint flags);

    /// <summary>CLUI, then <c>uintr_unregister_handler(flags)</c> on the calling thread.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_unregister_handler")]
    internal static partial int UintrUnregisterHandler(nint syscall, uint flags);

    /// <summary><c>uintr_create_fd(vector, flags)</c>: a new kernel uintr_fd (close-on-exec).</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_create_fd")]
    internal static partial int UintrCreateFd(nint syscall, ulong vector, uint flags);

    /// <summary><c>uintr_register_sender(fd, flags)</c>: the UITT index.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_register_sender")]
    internal static partial int UintrRegisterSender(nint syscall, int fd, uint flags);

    /// <summary><c>uintr_unregister_sender(fd or index, flags)</c>, by the table's ABI.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_unregister_sender")]
    internal static partial int UintrUnregisterSender(nint syscall, long fdOrIndex, uint flags);

    /// <summary>
    /// Blocks the owner thread in <c>uintr_wait</c> unless a vector is recorded or the generation
    /// moved; <see cref="UintrWaitNotSlept"/>, or the syscall's result (0 or -errno).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_wait")]
    internal static partial int UintrWait(nint syscall, int timedAbi, ulong usec, uint flags, nint receiver, uint generation);

    /// <summary>Bumps the generation and wakes the owner if it is inside <see cref="UintrWait"/>.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_interrupt")]
    internal static partial int UintrInterrupt(nint receiver);

    [LibraryImport(Library, EntryPoint = "uipc_uintr_timer_create")]
    internal static partial int UintrTimerCreate(nint receiver);

    /// <summary>Arms (<paramref name="ns"/> &gt; 0, relative) or disarms (0) the receiver's wake-up timer.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_uintr_timer_arm")]
    internal static partial int UintrTimerArm(nint receiver, long ns);

    [LibraryImport(Library, EntryPoint = "uipc_uintr_timer_delete")]
    internal static partial int UintrTimerDelete(nint receiver);
}
