namespace UintrIpc.FutexPath;

/// <summary>
/// The vector page layout of docs/ABI.md section 2: offsets, bits and the status values.
/// Only constants live here; the algorithms that use them are elsewhere.
/// </summary>
internal static class VectorPageLayout
{
    internal const int PageSize = 4096;

    internal const int CacheLineSize = 64;

    // The UPID (hardware layout) of vector v is at UpidOffset(v); these are relative to it.
    internal const int StatusOffset = 0;
    internal const int NdstOffset = 4;
    internal const int PirOffset = 8;

    /// <summary>
    /// The owner word, in the UPID's cache line (so S1 reads it with the status word): a robust
    /// futex word the kernel marks when the receiver's process dies (ABI section 6).
    /// </summary>
    internal const int OwnerOffset = 48;

    // Runtime header, cache line 0.
    internal const int MagicOffset = 16;
    internal const int VersionOffset = 24;
    internal const int VectorOffset = 28;
    internal const int ReceiverPidOffset = 32;
    internal const int UpidOffsetOffset = 36;
    internal const int ReceiverIdOffset = 40;

    /// <summary>Vector <paramref name="vector"/>'s UPID is in cache line <paramref name="vector"/>: 64 vectors, 64 L1 sets.</summary>
    internal static int UpidOffset(int vector) => vector * CacheLineSize;

    internal const ulong Magic = 0x43504952544E4955; // "UINTRIPC" in memory order
    internal const uint AbiVersion = 2;
    internal const int VectorCount = 64;

    // status bits.
    internal const uint OutstandingNotification = 1u << 0; // ON
    internal const uint SuppressNotification = 1u << 1;    // SN
    internal const uint Closed = 1u << 2;                  // CL (software-defined)
    internal const int NotificationVectorShift = 16;       // NV, bits 23:16

    internal const uint UserNotificationVector = 0xEC;     // UINTR_NOTIFICATION_VECTOR
    internal const uint KernelNotificationVector = 0xEB;   // UINTR_KERNEL_VECTOR

    // The only values the receiver stores into status.
    internal const uint Running = SuppressNotification | (UserNotificationVector << NotificationVectorShift);
    internal const uint Blocked = KernelNotificationVector << NotificationVectorShift;
    internal const uint ClosedValue = Closed | SuppressNotification;

    /// <summary>Bits whose all-clear tells a sender it must wake the receiver (ABI S7).</summary>
    internal const uint WakeMask = OutstandingNotification | SuppressNotification | Closed;

    internal const int SealsRequired = Interop.Shim.F_SEAL_SHRINK | Interop.Shim.F_SEAL_GROW | Interop.Shim.F_SEAL_SEAL;
}
