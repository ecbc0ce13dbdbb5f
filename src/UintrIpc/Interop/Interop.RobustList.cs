namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    /// <summary>The kernel's <c>struct robust_list_head</c> (linux/futex.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RobustListHead
    {
        /// <summary>First entry (<c>struct robust_list*</c>); the head itself when empty.</summary>
        public nint Next;

        /// <summary>Futex word address minus entry address, the same for every entry.</summary>
        public nint FutexOffset;

        /// <summary>An entry being added or removed; always null here (see RobustKeeper).</summary>
        public nint ListOpPending;
    }

    /// <summary><c>set_robust_list</c> for the calling thread.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_set_robust_list")]
    internal static partial int SetRobustList(RobustListHead* head, ulong length);

    /// <summary>The kernel thread id of the calling thread, in its pid namespace.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_gettid")]
    [SuppressGCTransition]
    internal static partial int Gettid();
}
