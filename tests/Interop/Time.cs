using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

#pragma warning disable CS8981 // the struct keeps its C name, as the header spells it

// time.h
internal static unsafe partial class LibC
{
    public const int CLOCK_PROCESS_CPUTIME_ID = 2;
    public const int CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    public struct timespec
    {
        public long tv_sec;
        public long tv_nsec;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int clock_gettime(int clock, timespec* time);
}
