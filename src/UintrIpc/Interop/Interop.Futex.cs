namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    /// <summary>The kernel's <c>struct futex_waitv</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct FutexWaiter
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    internal const uint FUTEX2_SIZE_U32 = 0x02;
    internal const uint FUTEX2_PRIVATE = 128;

    /// <summary>The most words one <c>futex_waitv</c> call takes.</summary>
    internal const int FutexWaitvMax = 128;

    [LibraryImport(Library, EntryPoint = "uipc_futex_wake")]
    internal static partial int FutexWake(uint* address, int count, [MarshalAs(UnmanagedType.Bool)] bool shared);

    /// <summary>Sleeps on up to 128 words; <paramref name="timeoutNs"/> is relative, -1 for none.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_futex_waitv")]
    internal static partial int FutexWaitv(FutexWaiter* waiters, uint count, long timeoutNs);
}
