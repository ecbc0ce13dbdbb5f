using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

#pragma warning disable CS8981 // the struct keeps its C name, as the header spells it

// sys/socket.h and sys/uio.h
internal static unsafe partial class LibC
{
    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;
    public const int SOCK_SEQPACKET = 5;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_NOSIGNAL = 0x4000;

    [StructLayout(LayoutKind.Sequential)]
    public struct iovec
    {
        public void* iov_base;
        public nuint iov_len;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nuint msg_iovlen;
        public void* msg_control;
        public nuint msg_controllen;
        public int msg_flags;
    }

    [LibraryImport(Library, SetLastError = true)]
    public static partial int socketpair(int domain, int type, int protocol, int* fds);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint send(int fd, void* buffer, nuint count, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint recv(int fd, void* buffer, nuint count, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint sendmsg(int fd, msghdr* message, int flags);
}
