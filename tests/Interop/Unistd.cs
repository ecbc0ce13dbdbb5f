using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// unistd.h
internal static unsafe partial class LibC
{
    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int dup(int fd);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int pipe(int* fds);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint pwrite(int fd, void* buffer, nuint count, long offset);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int ftruncate(int fd, long length);

    [LibraryImport(Library)]
    public static partial int getppid();

    /// <summary>The calling thread's kernel id (as /proc/self/task names it).</summary>
    [LibraryImport(Library)]
    public static partial int gettid();
}
