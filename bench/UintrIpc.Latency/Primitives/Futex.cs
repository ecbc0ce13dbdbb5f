using System.Runtime.InteropServices;
using UintrIpc.TestInterop;

namespace UintrIpc.Latency.Primitives;

/// <summary>Raw futex(2) on a word of a shared mapping: the non-private operations, as another process waits or wakes on it.</summary>
internal static unsafe class Futex
{
    /// <summary>FUTEX_WAIT: sleeps while <c>*word == expected</c>; returns at once (EAGAIN) when it is not.</summary>
    public static void Wait(uint* word, uint expected)
    {
        if (LibC.futex(word, LibC.FUTEX_WAIT, expected, null, null, 0) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno is not (LibC.EAGAIN or LibC.EINTR))
                throw new IOException($"futex(FUTEX_WAIT): errno {errno}");
        }
    }

    /// <summary>FUTEX_WAKE of one waiter.</summary>
    public static void Wake(uint* word)
    {
        if (LibC.futex(word, LibC.FUTEX_WAKE, 1, null, null, 0) < 0)
            throw new IOException($"futex(FUTEX_WAKE): errno {Marshal.GetLastPInvokeError()}");
    }
}
