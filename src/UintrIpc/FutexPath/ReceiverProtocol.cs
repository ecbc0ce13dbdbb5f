using System.Numerics;
using UintrIpc.Interop;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>The receiver side of the delivery protocol: ABI section 5.</summary>
internal static unsafe class ReceiverProtocol
{
    /// <summary>Collect: takes every posted vector of <paramref name="live"/> off its page.</summary>
    /// <returns>The vectors that had been posted.</returns>
    public static ulong Collect(byte* slots, ulong live)
    {
        // A branch-free pass first: nothing posted (the common Poll) costs one load a slot. It
        // walks the slots from the lowest live vector to the highest with a plain counter (every
        // slot of the region is readable, see VectorRegion), because stepping through the mask
        // bit by bit chains each load behind two dependent ALU operations. Each vector's pir is
        // in its own cache line and L1 set (ABI section 2), so the loads do not evict each other.
        if (live == 0)
            return 0;
        int first = BitOperations.TrailingZeroCount(live);
        int count = 64 - BitOperations.LeadingZeroCount(live) - first;
        byte* word = (byte*)Unsafe.AsPointer(ref Pir(slots, first));
        ulong any0 = 0, any1 = 0, any2 = 0, any3 = 0;
        for (; count >= 4; count -= 4, word += 4 * SlotStride)
        {
            any0 |= Volatile.Read(ref *(ulong*)word);
            any1 |= Volatile.Read(ref *(ulong*)(word + SlotStride));
            any2 |= Volatile.Read(ref *(ulong*)(word + (2 * SlotStride)));
            any3 |= Volatile.Read(ref *(ulong*)(word + (3 * SlotStride)));
        }
        for (; count > 0; count--, word += SlotStride)
            any0 |= Volatile.Read(ref *(ulong*)word);
        if ((any0 | any1 | any2 | any3) == 0)
            return 0;

        ulong posted = 0;
        for (ulong m = live; m != 0; m &= m - 1)
        {
            int vector = BitOperations.TrailingZeroCount(m);
            ref ulong pir = ref Pir(slots, vector);
            // Any non-zero value is one post of this slot's vector: the page's bits are untrusted.
            if (Volatile.Read(ref pir) != 0 && Interlocked.Exchange(ref pir, 0) != 0)
                posted |= 1UL << vector;
        }
        return posted;
    }

    /// <summary>W4 (<see cref="VectorPageLayout.Blocked"/>) and W9 (<see cref="VectorPageLayout.Running"/>).</summary>
    public static void SetStatus(byte* slots, ulong live, uint value)
    {
        for (ulong m = live; m != 0; m &= m - 1)
            Interlocked.Exchange(ref Status(slots, BitOperations.TrailingZeroCount(m)), value);
    }

    /// <summary>
    /// W7: sleeps until a live page's status leaves <see cref="VectorPageLayout.Blocked"/>,
    /// the wake word leaves <paramref name="generation"/>, or the timeout passes.
    /// </summary>
    /// <returns>The index of the word that woke it (<c>PopCount(live)</c> for the wake word), or <c>-errno</c>.</returns>
    public static int Sleep(byte* slots, ulong live, uint* wakeWord, uint generation, Shim.FutexWaiter* waiters, long timeoutNs)
    {
        uint count = 0;
        for (ulong m = live; m != 0; m &= m - 1)
        {
            waiters[count++] = new Shim.FutexWaiter
            {
                Value = Blocked,
                Address = (ulong)Unsafe.AsPointer(ref Status(slots, BitOperations.TrailingZeroCount(m))),
                Flags = Shim.FUTEX2_SIZE_U32, // shared: senders in other processes wake it
            };
        }
        waiters[count++] = new Shim.FutexWaiter
        {
            Value = generation,
            Address = (ulong)wakeWord,
            Flags = Shim.FUTEX2_SIZE_U32 | Shim.FUTEX2_PRIVATE,
        };
        return Shim.FutexWaitv(waiters, count, timeoutNs);
    }

    /// <summary>Bumps the wake word so a sleeping receiver thread returns and looks again.</summary>
    public static void Interrupt(uint* wakeWord)
    {
        Interlocked.Increment(ref *wakeWord);
        Shim.FutexWake(wakeWord, int.MaxValue, shared: false);
    }

    /// <summary>The vectors of <paramref name="live"/> posted and not collected, left in place.</summary>
    public static ulong Peek(byte* slots, ulong live)
    {
        ulong posted = 0;
        for (ulong m = live; m != 0; m &= m - 1)
        {
            int vector = BitOperations.TrailingZeroCount(m);
            if (Volatile.Read(ref Pir(slots, vector)) != 0)
                posted |= 1UL << vector;
        }
        return posted;
    }

    /// <summary>Closing a vector (ABI section 5): CLOSED, final, and every sleeper on the word woken.</summary>
    public static void Close(Upid upid)
    {
        Interlocked.Exchange(ref upid.Status, ClosedValue);
        Shim.FutexWake((uint*)Unsafe.AsPointer(ref upid.Status), int.MaxValue, shared: true);
    }

    /// <summary>From one slot's pir to the next one's: a page, plus the UPID's move by a cache line.</summary>
    private const int SlotStride = PageSize + CacheLineSize;

    /// <summary>Vector <paramref name="vector"/>'s UPID in the region whose slot 0 is <paramref name="slots"/>.</summary>
    internal static Upid UpidAt(byte* slots, int vector) => new VectorPage(slots + (vector * PageSize)).UpidOf(vector);

    private static ref uint Status(byte* slots, int vector) => ref UpidAt(slots, vector).Status;

    private static ref ulong Pir(byte* slots, int vector) => ref UpidAt(slots, vector).Pir;
}
