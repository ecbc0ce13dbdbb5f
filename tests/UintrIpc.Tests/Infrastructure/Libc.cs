namespace UintrIpc.Tests.Infrastructure;

/// <summary>The few libc calls the tests make from outside the library (hostile holders, descriptor checks).</summary>
internal static unsafe class Libc
{
    public const int EBADF = 9;
    public const int EPERM = 1;
    public const int EINVAL = 22;

    public const int F_DUPFD = 0;
    public const int F_GETFD = 1;
    public const int F_SETFD = 2;
    public const int F_ADD_SEALS = 1033;
    public const int F_GET_SEALS = 1034;
    public const int F_SEAL_SEAL = 0x0001;
    public const int F_SEAL_SHRINK = 0x0002;
    public const int F_SEAL_GROW = 0x0004;
    public const int F_SEAL_WRITE = 0x0008;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 1;

    public const uint MFD_CLOEXEC = 1;
    public const uint MFD_ALLOW_SEALING = 2;

    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>The calling thread's kernel id (as /proc/self/task names it).</summary>
    [DllImport("libc", EntryPoint = "gettid")]
    public static extern int Gettid();

    [DllImport("libc", SetLastError = true)]
    public static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    public static extern int ftruncate(int fd, long length);

    [DllImport("libc", SetLastError = true)]
    public static extern nint mmap(nint address, nuint length, int prot, int flags, int fd, long offset);

    [DllImport("libc", SetLastError = true)]
    public static extern int munmap(nint address, nuint length);

    [DllImport("libc", SetLastError = true)]
    public static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int pipe(int* fds);

    [DllImport("libc", SetLastError = true)]
    public static extern int memfd_create([MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    public static extern nint pwrite(int fd, byte* buffer, nuint count, long offset);

    public static int LastError => Marshal.GetLastPInvokeError();

    /// <summary>Whether <paramref name="fd"/> is an open descriptor of this process.</summary>
    public static bool IsOpen(int fd) => fcntl(fd, F_GETFD, 0) >= 0;

    /// <summary>A duplicate of <paramref name="fd"/>; fails the test when libc fails.</summary>
    public static int Dup(int fd)
    {
        int copy = dup(fd);
        Assert.True(copy >= 0, $"dup({fd}) failed: errno {LastError}");
        return copy;
    }

    public static void Close(int fd) => Assert.Equal(0, close(fd));

    /// <summary>A descriptor number that is not open: a high duplicate, closed again.</summary>
    public static int ClosedDescriptorNumber()
    {
        int probe = eventfd(0, O_CLOEXEC);
        Assert.True(probe >= 0);
        int high = fcntl(probe, F_DUPFD, 3000);
        Assert.True(high >= 3000, $"F_DUPFD failed: errno {LastError}");
        Close(probe);
        Close(high);
        Assert.False(IsOpen(high));
        return high;
    }

    /// <summary>Maps a descriptor's first page shared, read-write, as any holder may.</summary>
    public static nint MapPage(int fd)
    {
        nint address = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        Assert.True(address != -1, $"mmap failed: errno {LastError}");
        return address;
    }

    public static void Unmap(nint address) => Assert.Equal(0, munmap(address, 4096));

    /// <summary>A memfd of <paramref name="size"/> bytes holding <paramref name="contents"/>, sealed with <paramref name="seals"/>.</summary>
    public static int CreateMemfd(long size, ReadOnlySpan<byte> contents, int seals, bool allowSealing = true)
    {
        int fd = memfd_create("uintr-test", MFD_CLOEXEC | (allowSealing ? MFD_ALLOW_SEALING : 0));
        Assert.True(fd >= 0, $"memfd_create failed: errno {LastError}");
        Assert.Equal(0, ftruncate(fd, size));
        if (!contents.IsEmpty)
        {
            fixed (byte* p = contents)
                Assert.Equal((nint)contents.Length, pwrite(fd, p, (nuint)contents.Length, 0));
        }
        if (seals != 0)
            Assert.Equal(0, fcntl(fd, F_ADD_SEALS, seals));
        return fd;
    }
}
