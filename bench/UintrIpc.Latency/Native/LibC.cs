using System.Runtime.InteropServices;

namespace UintrIpc.Latency.Native;

/// <summary>The few libc calls the bench needs that the library does not expose.</summary>
internal static unsafe partial class LibC
{
    private const string Library = "libc.so.6";

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;
    internal const int PROT_READ = 1;
    internal const int PROT_WRITE = 2;
    internal const int MAP_SHARED = 1;
    internal const int CLOCK_PROCESS_CPUTIME_ID = 2;
    internal const int CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    internal struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport(Library, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initval, int flags);

    [LibraryImport(Library, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, EntryPoint = "close")]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial void* Mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap")]
    internal static partial int Munmap(void* address, nuint length);

    // For the cross-process latency mode (Modes/LatencyMode.cs, Latency/).
    internal const int O_CLOEXEC = 0x80000;
    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int MFD_CLOEXEC = 1;
    internal const int PR_SET_PDEATHSIG = 1;
    internal const int SIGKILL = 9;
    internal const long SYS_futex = 202;
    internal const int FUTEX_WAIT = 0;
    internal const int FUTEX_WAKE = 1;
    internal const int EAGAIN = 11;
    internal const int EINTR = 4;

    [LibraryImport(Library, EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Library, EntryPoint = "sched_getaffinity", SetLastError = true)]
    internal static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Library, EntryPoint = "pipe2", SetLastError = true)]
    internal static partial int Pipe2(int* fds, int flags);

    [LibraryImport(Library, EntryPoint = "socketpair", SetLastError = true)]
    internal static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, void* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, void* buffer, nuint count, int flags);

    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    internal static partial int FTruncate(int fd, long length);

    /// <summary><c>syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3)</c>: glibc has no futex wrapper.</summary>
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long SyscallFutex(long number, uint* address, int op, uint value, void* timeout, uint* address2, uint value3);

    [LibraryImport(Library, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport(Library, EntryPoint = "getppid")]
    internal static partial int GetPPid();

    [LibraryImport(Library, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGetTime(int clock, TimeSpec* time);

    /// <summary>CPU time consumed so far by the calling thread (<see cref="CLOCK_THREAD_CPUTIME_ID"/>) or the whole process, to the nanosecond.</summary>
    internal static TimeSpan CpuTime(int clock)
    {
        TimeSpec time;
        if (ClockGetTime(clock, &time) != 0)
            throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");
        return TimeSpan.FromTicks((time.Seconds * TimeSpan.TicksPerSecond) + (time.Nanoseconds / TimeSpan.NanosecondsPerTick));
    }

    /// <summary>Writes <paramref name="text"/> to stderr with one write(2), so that it shows in strace output.</summary>
    internal static void Mark(string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text + "\n");
        fixed (byte* p = bytes)
            _ = Write(2, p, (nuint)bytes.Length);
    }
}
