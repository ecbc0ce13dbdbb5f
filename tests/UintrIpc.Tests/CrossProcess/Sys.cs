using System.Buffers.Binary;
using System.Net.Sockets;

namespace UintrIpc.Tests.CrossProcess;

/// <summary>
/// libc from outside the library, for the cross-process and descriptor-passing tests: a raw
/// <c>sendmsg</c> that can attach any header and any number of descriptors, socket pairs,
/// foreign descriptors, and /proc/self/fd snapshots.
/// </summary>
internal static unsafe class Sys
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_SEQPACKET = 5;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int F_GETFD = 1;
    public const int FD_CLOEXEC = 1;
    public const int F_ADD_SEALS = 1033;
    public const int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4;
    public const uint MFD_ALLOW_SEALING = 2;
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;

    public const uint HeaderMagic = 0x44464955; // "UIFD"
    public const int HeaderSize = 16;

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint sendmsg(int socket, MsgHdr* message, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int socketpair(int domain, int type, int protocol, int* fds);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int fcntl(int fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initval, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int pipe(int* fds);

    [DllImport("libc", SetLastError = true)]
    private static extern int memfd_create([MarshalAs(UnmanagedType.LPUTF8Str)] string name, uint flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int ftruncate(int fd, long length);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    private static int Check(int result, string what)
    {
        Assert.True(result >= 0, $"{what} failed: errno {Marshal.GetLastPInvokeError()}");
        return result;
    }

    /// <summary>A connected pair of AF_UNIX sockets of <paramref name="type"/> (SOCK_STREAM or SOCK_SEQPACKET).</summary>
    public static (Socket A, Socket B) SocketPair(int type)
    {
        int* fds = stackalloc int[2];
        Check(socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds), "socketpair");
        var a = new Socket(new SafeSocketHandle(fds[0], ownsHandle: true));
        var b = new Socket(new SafeSocketHandle(fds[1], ownsHandle: true));
        Assert.Equal(AddressFamily.Unix, a.AddressFamily);
        Assert.Equal(type == SOCK_STREAM ? SocketType.Stream : SocketType.Seqpacket, a.SocketType);
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
            *(int*)(control + 8) = SOL_SOCKET;                        // cmsg_level
            *(int*)(control + 12) = SCM_RIGHTS;                       // cmsg_type
            for (int i = 0; i < fds.Length; i++)
                ((int*)(control + 16))[i] = fds[i];
        }
        fixed (byte* bytes = data)
        {
            var iov = new IoVec { Base = bytes, Length = (nuint)data.Length };
            var message = new MsgHdr
            {
                Iov = &iov,
                IovLength = 1,
                Control = space == 0 ? null : control,
                ControlLength = (nuint)space,
            };
            nint sent = sendmsg((int)socket.Handle, &message, MSG_NOSIGNAL);
            Assert.True(sent == data.Length, $"sendmsg sent {sent} of {data.Length} bytes: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Close(int fd) => Assert.Equal(0, close(fd));

    public static bool IsCloseOnExec(int fd)
    {
        int flags = Check(fcntl(fd, F_GETFD, 0), "fcntl(F_GETFD)");
        return (flags & FD_CLOEXEC) != 0;
    }

    /// <summary>An eventfd, deliberately not close-on-exec.</summary>
    public static int EventFd() => Check(eventfd(0, 0), "eventfd");

    /// <summary>A pipe's two ends, not close-on-exec.</summary>
    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        Check(pipe(fds), "pipe");
        return (fds[0], fds[1]);
    }

    /// <summary>
    /// A memfd shaped like a vector page (4096 bytes, sealed like one) but holding zeros: passes
    /// every check except the header.
    /// </summary>
    public static int JunkPageMemfd() => SealedMemfd(F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);

    /// <summary>A 4096-byte memfd of zeros carrying exactly <paramref name="seals"/>.</summary>
    public static int SealedMemfd(int seals)
    {
        int fd = Check(memfd_create("junk-page", MFD_ALLOW_SEALING), "memfd_create");
        Check(ftruncate(fd, 4096), "ftruncate");
        Check(fcntl(fd, F_ADD_SEALS, seals), "F_ADD_SEALS");
        return fd;
    }

    /// <summary>A plain unsealed memfd of <paramref name="size"/> bytes.</summary>
    public static int PlainMemfd(long size)
    {
        int fd = Check(memfd_create("junk", 0), "memfd_create");
        Check(ftruncate(fd, size), "ftruncate");
        return fd;
    }

    /// <summary>A new open file description of the file behind <paramref name="fd"/>, via /proc.</summary>
    public static int Reopen(int fd, int flags) => Check(open($"/proc/self/fd/{fd}", flags, 0), $"open(/proc/self/fd/{fd})");

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
