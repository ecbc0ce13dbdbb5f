using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// sys/eventfd.h
internal static partial class LibC
{
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    [LibraryImport(Library, SetLastError = true)]
    public static partial int eventfd(uint initval, int flags);
}
