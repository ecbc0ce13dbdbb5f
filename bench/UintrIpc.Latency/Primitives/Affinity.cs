using System.Runtime.InteropServices;
using UintrIpc.TestInterop;

namespace UintrIpc.Latency.Primitives;

/// <summary>Pins the calling thread (sched_setaffinity with pid 0 applies to the calling thread only).</summary>
internal static unsafe class Affinity
{
    public static void PinCurrentThread(int cpu)
    {
        ulong mask = 1UL << cpu;
        Set(&mask);
    }

    /// <summary>
    /// Lets the calling thread run on every CPU again (the kernel ignores the mask's bits for CPUs
    /// that do not exist). Not from Environment.ProcessorCount: that honours the affinity the
    /// process started with, 1 in a process started by a pinned thread.
    /// </summary>
    public static void UnpinCurrentThread()
    {
        ulong mask = ulong.MaxValue;
        Set(&mask);
    }

    /// <summary>The calling thread's CPU mask (the first 64 CPUs).</summary>
    public static ulong OfCurrentThread()
    {
        ulong mask = 0;
        if (LibC.sched_getaffinity(0, sizeof(ulong), &mask) < 0)
            throw new IOException($"sched_getaffinity: errno {Marshal.GetLastPInvokeError()}");
        return mask;
    }

    /// <summary>Sets the calling thread's CPU mask.</summary>
    public static void SetCurrentThread(ulong mask) => Set(&mask);

    private static void Set(ulong* mask)
    {
        if (LibC.sched_setaffinity(0, sizeof(ulong), mask) != 0)
            throw new IOException($"sched_setaffinity: errno {Marshal.GetLastPInvokeError()}");
    }
}
