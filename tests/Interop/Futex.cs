using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// linux/futex.h, through syscall(2): glibc has no futex wrapper.
internal static unsafe partial class LibC
{
    private const long SYS_futex = 202;

    /// <summary>Shared (not FUTEX_PRIVATE_FLAG): another process may wait or wake on the same word.</summary>
    public const int FUTEX_WAIT = 0;
    public const int FUTEX_WAKE = 1;

    /// <summary><c>syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3)</c>.</summary>
    public static long futex(uint* uaddr, int op, uint val, timespec* timeout, uint* uaddr2, uint val3) =>
        syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);

    [LibraryImport(Library, SetLastError = true)]
    private static partial long syscall(long number, uint* uaddr, int op, uint val, timespec* timeout, uint* uaddr2, uint val3);
}
