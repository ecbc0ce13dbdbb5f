using System.Runtime.InteropServices;
using UintrIpc.TestInterop;
using Microsoft.Win32.SafeHandles;

namespace UintrIpc.Latency.Primitives;

/// <summary>One 4096-byte memfd page mapped MAP_SHARED: made by one process, its descriptor passed to the other, which maps it too.</summary>
internal sealed unsafe class SharedPage : IDisposable
{
    public const int Size = 4096;

    private SharedPage(SafeFileHandle file, byte* address)
    {
        File = file;
        Address = address;
    }

    public SafeFileHandle File { get; }

    public byte* Address { get; }

    public static SharedPage Create(string name)
    {
        int fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC);
        if (fd < 0)
            throw new IOException($"memfd_create: errno {Marshal.GetLastPInvokeError()}");
        var file = new SafeFileHandle(fd, ownsHandle: true);
        if (LibC.ftruncate(fd, Size) != 0)
        {
            file.Dispose();
            throw new IOException($"ftruncate: errno {Marshal.GetLastPInvokeError()}");
        }
        return Map(file);
    }

    /// <summary>Maps a page received from the other process; takes ownership of <paramref name="file"/>.</summary>
    public static SharedPage Map(SafeFileHandle file)
    {
        void* address = LibC.mmap(null, Size, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, (int)file.DangerousGetHandle(), 0);
        if (address == (void*)-1)
        {
            int errno = Marshal.GetLastPInvokeError();
            file.Dispose();
            throw new IOException($"mmap: errno {errno}");
        }
        return new SharedPage(file, (byte*)address);
    }

    public void Dispose()
    {
        LibC.munmap(Address, Size);
        File.Dispose();
    }
}
