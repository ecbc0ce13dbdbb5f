using UintrIpc.Interop;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>Creating a vector page's memfd, and checking that a descriptor is one (ABI section 1).</summary>
internal static unsafe class VectorPageFile
{
    /// <summary>A fresh, sized and sealed memfd; the caller writes the header through its mapping.</summary>
    public static SafeFileDescriptorHandle Create(int vector)
    {
        var fd = new SafeFileDescriptorHandle(Errno.Check(Shim.MemfdCreate($"uintr-ipc:v{vector}"), "memfd_create"));
        try
        {
            Errno.Check(Shim.Ftruncate(fd, PageSize), "ftruncate");
            Errno.Check(Shim.AddSeals(fd, SealsRequired), "fcntl(F_ADD_SEALS)");
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>The (device, inode) pair that names the page a descriptor refers to.</summary>
    public static (ulong Device, ulong Inode) Identity(SafeFileDescriptorHandle fd)
    {
        Errno.Check(Shim.Fstat(fd.Fd, out Shim.Stat stat), "fstat");
        return (stat.Dev, stat.Ino);
    }

    /// <summary>
    /// Checks that <paramref name="fd"/> is an open, writable, sealed 4096-byte memfd holding a
    /// version-1 vector page, without taking ownership of it.
    /// </summary>
    /// <returns>The vector, receiver pid and receiver id the page names.</returns>
    /// <exception cref="UintrException">EBADF when not open, EOPNOTSUPP when not a uintr fd.</exception>
    public static (int Vector, int ReceiverPid, ulong ReceiverId) Validate(int fd)
    {
        if (fd < 0 || Shim.GetFdFlags(fd) < 0)
            throw new UintrException(Errno.EBADF, $"File descriptor {fd} is not open.");
        if (Shim.Fstat(fd, out Shim.Stat stat) < 0 || (stat.Mode & Shim.S_IFMT) != Shim.S_IFREG || stat.Size != PageSize)
            throw NotUintrFd(fd, $"it is not a regular file of exactly {PageSize} bytes");
        int seals = Shim.GetSeals(fd);
        if (seals < 0)
            throw NotUintrFd(fd, "it is not a memfd (it cannot carry seals)");
        if ((seals & SealsRequired) != SealsRequired)
            throw NotUintrFd(fd, "it is not sealed against shrinking and growing");
        if ((Shim.GetStatusFlags(fd) & Shim.O_ACCMODE) != Shim.O_RDWR)
            throw NotUintrFd(fd, "it is not open for reading and writing");

        void* address;
        int mapped = Shim.MapShared(fd, PageSize, &address);
        if (mapped < 0)
            throw NotUintrFd(fd, $"it cannot be mapped shared and writable: {Errno.Describe(-mapped)}");
        try
        {
            var page = new VectorPage((byte*)address);
            if (page.DescribeHeaderProblem() is { } problem)
                throw NotUintrFd(fd, problem);
            return ((int)page.VectorField, (int)page.ReceiverPid, page.ReceiverId);
        }
        finally
        {
            Shim.Munmap(address, PageSize);
        }
    }

    private static UintrException NotUintrFd(int fd, string why) =>
        new(Errno.EOPNOTSUPP, $"File descriptor {fd} is not a uintr fd: {why}.");
}
