using System.Runtime.InteropServices;
using UintrIpc.TestInterop;

namespace UintrIpc.Latency.Primitives;

/// <summary>
/// CPU time from clock_gettime: <see cref="LibC.CLOCK_THREAD_CPUTIME_ID"/> is the scheduler's
/// runtime of the calling thread including the stretch it is running now.
/// getrusage(RUSAGE_THREAD) and /proc/self/task/TID/stat report the same runtime only as of the
/// last tick or context switch, which undercounts a thread that spins through a short slice
/// without ever leaving the CPU (docs/decisions/2026-11-23-latency-harness-method.md).
/// </summary>
internal static unsafe class CpuClock
{
    /// <summary>CPU time of the calling thread in nanoseconds.</summary>
    public static long ThreadNowNs()
    {
        LibC.timespec time = Read(LibC.CLOCK_THREAD_CPUTIME_ID);
        return (time.tv_sec * 1_000_000_000) + time.tv_nsec;
    }

    /// <summary>CPU time consumed so far by the calling thread or the whole process (<paramref name="clock"/>).</summary>
    public static TimeSpan Now(int clock)
    {
        LibC.timespec time = Read(clock);
        return TimeSpan.FromTicks((time.tv_sec * TimeSpan.TicksPerSecond) + (time.tv_nsec / TimeSpan.NanosecondsPerTick));
    }

    private static LibC.timespec Read(int clock)
    {
        LibC.timespec time;
        if (LibC.clock_gettime(clock, &time) != 0)
            throw new IOException($"clock_gettime: errno {Marshal.GetLastPInvokeError()}");
        return time;
    }
}
