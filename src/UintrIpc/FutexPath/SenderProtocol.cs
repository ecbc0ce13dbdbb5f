using UintrIpc.Liveness;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>The sender side of the delivery protocol: ABI section 4, steps S1–S8.</summary>
internal static unsafe class SenderProtocol
{
    /// <summary>Posts <paramref name="pirBit"/> on the page.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SendOutcome Post(Upid upid, ulong pirBit)
    {
        ref uint status = ref upid.Status;
        ref ulong pir = ref upid.Pir;
        uint s = Volatile.Read(ref status);                                   // S1
        if (((s & Closed) | (Volatile.Read(ref upid.Owner) & OwnerWord.OwnerDied)) != 0)
            return Refused(s);                                                // S2
        if ((Volatile.Read(ref pir) & pirBit) == 0)                           // S3: pending already?
            Interlocked.Or(ref pir, pirBit);                                  // S4: full barrier
        s = Volatile.Read(ref status);                                        // S5
        if ((s & SuppressNotification) != 0)                                  // S6: running, it will collect
            return (s & Closed) == 0 ? SendOutcome.Ok : SendOutcome.Closed;
        return Notify(ref status, s);                                         // S6, S7
    }

    // Kept out of line: a send to a running receiver never gets here.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SendOutcome Notify(ref uint status, uint observed)
    {
        if ((observed & Closed) != 0)
            return SendOutcome.Closed;
        // Whoever set ON may have died before its wake: a sender that finds the receiver
        // blocked always wakes it itself. Only the value change matters (futex_waitv compares
        // against BLOCKED), so the CAS's result does not.
        if ((observed & OutstandingNotification) == 0)
            Interlocked.CompareExchange(ref status, observed | OutstandingNotification, observed);
        fixed (uint* word = &status)
            Interop.Shim.FutexWake(word, int.MaxValue, shared: true);
        return SendOutcome.Ok;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static SendOutcome Refused(uint status) =>
        (status & Closed) != 0 ? SendOutcome.Closed : SendOutcome.ReceiverDead;
}

/// <summary>What one send found.</summary>
internal enum SendOutcome
{
    /// <summary>Posted: the receiver will deliver it.</summary>
    Ok,

    /// <summary>CL: the receiver closed the vector or itself (ECONNRESET).</summary>
    Closed,

    /// <summary>The owner word says the receiver's process has died (ESHUTDOWN).</summary>
    ReceiverDead,
}
