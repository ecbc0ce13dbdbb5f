using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// sched.h
internal static unsafe partial class LibC
{
    [LibraryImport(Library, SetLastError = true)]
    public static partial int sched_setaffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int sched_getaffinity(int pid, nuint size, ulong* mask);
}
