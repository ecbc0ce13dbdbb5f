using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// sys/mman.h
internal static unsafe partial class LibC
{
    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;
    public static readonly void* MAP_FAILED = (void*)-1;

    public const uint MFD_CLOEXEC = 1;
    public const uint MFD_ALLOW_SEALING = 2;

    [LibraryImport(Library, SetLastError = true)]
    public static partial void* mmap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int munmap(void* address, nuint length);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int memfd_create(string name, uint flags);
}
