using System.Buffers.Binary;
using System.Net.Sockets;

namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// libc from outside the library, each call checked (a failure fails the test): descriptors and
/// memfds a hostile holder would make, shared mappings of them, socket pairs, a raw
/// <c>sendmsg</c> that can attach any header and any number of descriptors, and /proc/self/fd
/// snapshots. The bindings are the shared set under tests/Interop.
/// </summary>
internal static unsafe class Sys
{
    public const uint HeaderMagic = 0x44464955; // "UIFD"
    public const int HeaderSize = 16;

    public static int LastError => LibC.errno;

    private static int Check(int result, string what)
    {
        Assert.True(result >= 0, $"{what} failed: errno {LastError}");
        return result;
    }

    /// <summary>Whether <paramref name="fd"/> is an open descriptor of this process.</summary>
    public static bool IsOpen(int fd) => LibC.fcntl(fd, LibC.F_GETFD, 0) >= 0;

    /// <summary>A duplicate of <paramref name="fd"/>.</summary>
    public static int Dup(int fd) => Check(LibC.dup(fd), $"dup({fd})");

    public static void Close(int fd) => Assert.Equal(0, LibC.close(fd));

    public static bool IsCloseOnExec(int fd) => (Check(LibC.fcntl(fd, LibC.F_GETFD, 0), "fcntl(F_GETFD)") & LibC.FD_CLOEXEC) != 0;

    /// <summary>A descriptor number that is not open: a high duplicate, closed again.</summary>
    public static int ClosedDescriptorNumber()
    {
        int probe = Check(LibC.eventfd(0, LibC.EFD_CLOEXEC), "eventfd");
        int high = LibC.fcntl(probe, LibC.F_DUPFD, 3000);
        Assert.True(high >= 3000, $"F_DUPFD failed: errno {LastError}");
        Close(probe);
        Close(high);
        Assert.False(IsOpen(high));
        return high;
    }

    /// <summary>Maps a descriptor's first page shared, read-write, as any holder may.</summary>
    public static nint MapPage(int fd)
    {
        void* address = LibC.mmap(null, 4096, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        Assert.True(address != LibC.MAP_FAILED, $"mmap failed: errno {LastError}");
        return (nint)address;
    }

    public static void Unmap(nint address) => Assert.Equal(0, LibC.munmap((void*)address, 4096));

    /// <summary>A memfd of <paramref name="size"/> bytes holding <paramref name="contents"/>, sealed with <paramref name="seals"/>.</summary>
    public static int CreateMemfd(long size, ReadOnlySpan<byte> contents, int seals, bool allowSealing = true, string name = "uintr-test", bool closeOnExec = true)
    {
        uint flags = (closeOnExec ? LibC.MFD_CLOEXEC : 0) | (allowSealing ? LibC.MFD_ALLOW_SEALING : 0);
        int fd = Check(LibC.memfd_create(name, flags), "memfd_create");
        Assert.Equal(0, LibC.ftruncate(fd, size));
        if (!contents.IsEmpty)
        {
            fixed (byte* p = contents)
                Assert.Equal((nint)contents.Length, LibC.pwrite(fd, p, (nuint)contents.Length, 0));
        }
        if (seals != 0)
            Assert.Equal(0, LibC.fcntl(fd, LibC.F_ADD_SEALS, seals));
        return fd;
    }

    /// <summary>
    /// A memfd shaped like a vector page (4096 bytes, sealed like one) but holding zeros: passes
    /// every check except the header.
    /// </summary>
    public static int JunkPageMemfd() => SealedMemfd(LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL);

    /// <summary>A 4096-byte memfd of zeros carrying exactly <paramref name="seals"/>.</summary>
    public static int SealedMemfd(int seals) =>
        CreateMemfd(4096, default, seals, name: "junk-page", closeOnExec: false);

    /// <summary>A plain unsealed memfd of <paramref name="size"/> bytes.</summary>
    public static int PlainMemfd(long size) => CreateMemfd(size, default, seals: 0, allowSealing: false, name: "junk", closeOnExec: false);

    /// <summary>An eventfd, deliberately not close-on-exec.</summary>
    public static int EventFd() => Check(LibC.eventfd(0, 0), "eventfd");

    /// <summary>A pipe's two ends, not close-on-exec.</summary>
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Check(LibC.pipe(fds), "pipe");
        return (fds[0], fds[1]);
    }

    /// <summary>A new open file description of the file behind <paramref name="fd"/>, via /proc.</summary>
    public static int Reopen(int fd, int flags) => Check(LibC.open($"/proc/self/fd/{fd}", flags, 0), $"open(/proc/self/fd/{fd})");

    /// <summary>A connected pair of AF_UNIX sockets of <paramref name="type"/> (SOCK_STREAM or SOCK_SEQPACKET).</summary>
    public static (Socket A, Socket B) SocketPair(int type)
    {
        int* fds = stackalloc int[2];
        Check(LibC.socketpair(LibC.AF_UNIX, type | LibC.SOCK_CLOEXEC, 0, fds), "socketpair");
        var a = new Socket(new SafeSocketHandle(fds[0], ownsHandle: true));
        var b = new Socket(new SafeSocketHandle(fds[1], ownsHandle: true));
        Assert.Equal(AddressFamily.Unix, a.AddressFamily);
        Assert.Equal(type == LibC.SOCK_STREAM ? SocketType.Stream : SocketType.Seqpacket, a.SocketType);
        return (a, b);
    }

    /// <summary>A 16-byte fd header (ABI section 10) with any field values.</summary>
    public static byte[] Header(ushort kind, uint vector = 0, uint magic = HeaderMagic, ushort version = 1, uint reserved = 0)
    {
        var header = new byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), version);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), kind);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), vector);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), reserved);
        return header;
    }

    /// <summary>
    /// One <c>sendmsg</c> of <paramref name="data"/> with one <c>SCM_RIGHTS</c> control message
    /// carrying <paramref name="fds"/> (none: no control data at all). Asserts it was sent whole.
    /// </summary>
    public static void SendRaw(Socket socket, ReadOnlySpan<byte> data, params int[] fds)
    {
        int payload = fds.Length * sizeof(int);
        int space = fds.Length == 0 ? 0 : 16 + ((payload + 7) & ~7); // CMSG_SPACE
        byte* control = stackalloc byte[Math.Max(space, 1)];
        new Span<byte>(control, Math.Max(space, 1)).Clear();
        if (fds.Length > 0)
        {
            *(nuint*)control = (nuint)(16 + payload);                 // cmsg_len = CMSG_LEN
            *(int*)(control + 8) = LibC.SOL_SOCKET;                   // cmsg_level
            *(int*)(control + 12) = LibC.SCM_RIGHTS;                  // cmsg_type
            for (int i = 0; i < fds.Length; i++)
                ((int*)(control + 16))[i] = fds[i];
        }
        fixed (byte* bytes = data)
        {
            var iov = new LibC.iovec { iov_base = bytes, iov_len = (nuint)data.Length };
            var message = new LibC.msghdr
            {
                msg_iov = &iov,
                msg_iovlen = 1,
                msg_control = space == 0 ? null : control,
                msg_controllen = (nuint)space,
            };
            nint sent = LibC.sendmsg((int)socket.Handle, &message, LibC.MSG_NOSIGNAL);
            Assert.True(sent == data.Length, $"sendmsg sent {sent} of {data.Length} bytes: errno {LastError}");
        }
    }

    /// <summary>FUTEX_WAIT (shared) while <paramref name="word"/> holds <paramref name="expected"/>: returns on a wake, a change, a signal or the timeout.</summary>
    public static void FutexWait(uint* word, uint expected, LibC.timespec* timeout) =>
        LibC.futex(word, LibC.FUTEX_WAIT, expected, timeout, null, 0);

    /// <summary>FUTEX_WAKE (shared) of every waiter; returns how many woke.</summary>
    public static long FutexWakeAll(uint* word) => LibC.futex(word, LibC.FUTEX_WAKE, int.MaxValue, null, null, 0);

    /// <summary>Every open descriptor of this process and what it refers to.</summary>
    public static Dictionary<int, string> Descriptors()
    {
        var result = new Dictionary<int, string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int fd))
                continue;
            string? target;
            try
            {
                target = new FileInfo(entry).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            if (target is not null) // null: the listing's own directory descriptor, closed by now
                result[fd] = target;
        }
        return result;
    }
}
