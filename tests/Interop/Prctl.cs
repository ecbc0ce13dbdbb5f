using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// sys/prctl.h and signal.h
internal static partial class LibC
{
    public const int PR_SET_PDEATHSIG = 1;
    public const int SIGKILL = 9;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);
}
