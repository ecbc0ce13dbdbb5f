namespace UintrIpc.Tests.Infrastructure;

/// <summary>Raw shared futex calls on a mapped page word, as another holder of the page could make them.</summary>
internal static unsafe class Futex
{
    private const long SYS_futex = 202;
    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern long syscall(long number, uint* address, int op, uint value, Timespec* timeout, nint address2, uint value3);

    /// <summary>FUTEX_WAIT (shared) while <paramref name="address"/> holds <paramref name="expected"/>.</summary>
    public static void Wait(uint* address, uint expected, Timespec* timeout) =>
        syscall(SYS_futex, address, FUTEX_WAIT, expected, timeout, 0, 0);

    /// <summary>FUTEX_WAKE (shared) of every waiter; returns how many woke.</summary>
    public static long WakeAll(uint* address) =>
        syscall(SYS_futex, address, FUTEX_WAKE, int.MaxValue, null, 0, 0);
}
