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
    /// vector page of this ABI version, without taking ownership of it: docs/ABI.md section 1.1's
    /// checks in its order, the failing one named in the message ("section 1.1 check N").
    /// </summary>
    /// <returns>The vector, receiver pid and receiver id the page names.</returns>
    /// <exception cref="UintrException">EBADF when not open (check 1), EOPNOTSUPP when not a uintr fd (checks 2-5).</exception>
    public static (int Vector, int ReceiverPid, ulong ReceiverId) Validate(int fd)
    {
        if (fd < 0 || Shim.GetFdFlags(fd) < 0)
            throw new UintrException(Errno.EBADF, $"File descriptor {fd} is not open (docs/ABI.md section 1.1 check 1).");
        if (Shim.Fstat(fd, out Shim.Stat stat) < 0 || (stat.Mode & Shim.S_IFMT) != Shim.S_IFREG || stat.Size != PageSize)
            throw NotUintrFd(fd, 2, $"it is not a regular file of exactly {PageSize} bytes");
        int seals = Shim.GetSeals(fd);
        if (seals < 0)
            throw NotUintrFd(fd, 3, "it is not a memfd (it cannot carry seals)");
        if (MissingSeals(seals) is { Length: > 0 } missing)
            throw NotUintrFd(fd, 3, $"it lacks the seal{(missing.Length > 1 ? "s" : "")} {string.Join(" and ", missing)}");
        if ((Shim.GetStatusFlags(fd) & Shim.O_ACCMODE) != Shim.O_RDWR)
            throw NotUintrFd(fd, 4, "it is not open for reading and writing");

        void* address;
        int mapped = Shim.MapShared(fd, PageSize, &address);
        if (mapped < 0)
            throw NotUintrFd(fd, 4, $"it cannot be mapped shared and writable: {Errno.Describe(-mapped)}");
        try
        {
            var page = new VectorPage((byte*)address);
            if (page.DescribeHeaderProblem() is { } problem)
                throw NotUintrFd(fd, 5, problem);
            return ((int)page.VectorField, (int)page.ReceiverPid, page.ReceiverId);
        }
        finally
        {
            Shim.Munmap(address, PageSize);
        }
    }

    private static readonly (int Seal, string Name)[] s_requiredSeals =
        [(Shim.F_SEAL_SHRINK, "F_SEAL_SHRINK"), (Shim.F_SEAL_GROW, "F_SEAL_GROW"), (Shim.F_SEAL_SEAL, "F_SEAL_SEAL")];

    /// <summary>The names of the required seals (<see cref="VectorPageLayout.SealsRequired"/>) that <paramref name="seals"/> lacks.</summary>
    private static string[] MissingSeals(int seals) =>
        s_requiredSeals.Where(required => (seals & required.Seal) == 0).Select(required => required.Name).ToArray();

    private static UintrException NotUintrFd(int fd, int check, string why) =>
        new(Errno.EOPNOTSUPP, $"File descriptor {fd} is not a uintr fd (docs/ABI.md section 1.1 check {check}): {why}.");
}
