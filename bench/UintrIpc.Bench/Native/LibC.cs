using System.Runtime.InteropServices;

namespace UintrIpc.Bench.Native;

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
