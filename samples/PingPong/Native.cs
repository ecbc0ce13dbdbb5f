using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace PingPong;

/// <summary>The libc calls the eventfd baseline and CPU pinning need.</summary>
internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    private static partial int EventfdRaw(uint initval, int flags);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint Read(SafeFileHandle fd, ulong* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(SafeFileHandle fd, ulong* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;
    private const int EAGAIN = 11;

    public static SafeFileHandle Eventfd(bool nonBlocking)
    {
        int fd = EventfdRaw(0, EFD_CLOEXEC | (nonBlocking ? EFD_NONBLOCK : 0));
        if (fd < 0)
            throw new IOException($"eventfd: errno {Marshal.GetLastPInvokeError()}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    public static unsafe void Signal(SafeFileHandle fd)
    {
        ulong one = 1;
        if (Write(fd, &one, sizeof(ulong)) != sizeof(ulong))
            throw new IOException($"eventfd write: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Blocking read, or busy-polling reads on a non-blocking eventfd.</summary>
    public static unsafe void Await(SafeFileHandle fd, bool busyPoll)
    {
        ulong value;
        while (Read(fd, &value, sizeof(ulong)) != sizeof(ulong))
        {
            int errno = Marshal.GetLastPInvokeError();
            if (!(busyPoll && errno == EAGAIN))
                throw new IOException($"eventfd read: errno {errno}");
        }
    }

    /// <summary>Pins the calling thread to <paramref name="cpu"/>.</summary>
    public static unsafe void PinCurrentThread(int cpu)
    {
        ulong mask = 1UL << cpu;
        if (SchedSetAffinity(0, sizeof(ulong), &mask) != 0)
            throw new IOException($"sched_setaffinity: errno {Marshal.GetLastPInvokeError()}");
    }
}
