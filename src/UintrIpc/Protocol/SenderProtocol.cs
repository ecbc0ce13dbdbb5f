using static UintrIpc.Protocol.VectorPageDescriptor;

namespace UintrIpc.Protocol;

/// <summary>The sender side of the delivery protocol: ABI section 4, steps S1–S8.</summary>
internal static unsafe class SenderProtocol
{
    /// <summary>Posts <paramref name="pirBit"/> on the page; false when the page is closed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Post(Upid upid, ulong pirBit)
    {
        ref uint status = ref upid.Status;
        ref ulong pir = ref upid.Pir;
        if ((Volatile.Read(ref status) & Closed) != 0)                        // S1, S2
            return false;
        if ((Volatile.Read(ref pir) & pirBit) != 0)                           // S3: coalesced
            return true;
        Interlocked.Or(ref pir, pirBit);                                      // S4: full barrier
        uint s = Volatile.Read(ref status);                                   // S5
        if ((s & WakeMask) == 0)
            return Notify(ref status, s);                                     // S7
        return (s & Closed) == 0;                                             // S6
    }

    // Kept out of line: the common send never gets here.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool Notify(ref uint status, uint observed)
    {
        if (Interlocked.CompareExchange(ref status, observed | OutstandingNotification, observed) == observed)
        {
            fixed (uint* word = &status)
                Interop.Shim.FutexWake(word, int.MaxValue, shared: true);
        }
        return true;
    }
}
