using System.Runtime.InteropServices;

namespace UintrIpc.Latency.Native;

/// <summary>
/// CPU time of the calling thread in nanoseconds, from clock_gettime(CLOCK_THREAD_CPUTIME_ID):
/// the scheduler's runtime of the thread including the stretch it is running now.
/// getrusage(RUSAGE_THREAD) and /proc/self/task/TID/stat report the same runtime only as of the
/// last tick or context switch, which undercounts a thread that spins through a short slice
/// without ever leaving the CPU (docs/decisions/2026-11-23-latency-harness-method.md).
/// </summary>
internal static unsafe class ThreadCpu
{
    public static long NowNs()
    {
        LibC.TimeSpec time;
        if (LibC.ClockGetTime(LibC.CLOCK_THREAD_CPUTIME_ID, &time) != 0)
            throw new IOException($"clock_gettime: errno {Marshal.GetLastPInvokeError()}");
        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }
}
