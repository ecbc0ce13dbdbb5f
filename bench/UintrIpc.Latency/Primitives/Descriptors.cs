using System.Runtime.InteropServices;
using UintrIpc.TestInterop;
using Microsoft.Win32.SafeHandles;

namespace UintrIpc.Latency.Primitives;

/// <summary>Descriptor pairs and one-message reads and writes for the fd-based latency baselines.</summary>
internal static unsafe class Descriptors
{
    public static SafeFileHandle EventFd(bool nonBlocking)
    {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | (nonBlocking ? LibC.EFD_NONBLOCK : 0));
        if (fd < 0)
            throw new IOException($"eventfd: errno {Marshal.GetLastPInvokeError()}");
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>pipe2(O_CLOEXEC): (read end, write end).</summary>
    public static (SafeFileHandle Read, SafeFileHandle Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0)
            throw new IOException($"pipe2: errno {Marshal.GetLastPInvokeError()}");
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC).</summary>
    public static (SafeFileHandle, SafeFileHandle) UnixSocketPair()
    {
        int* fds = stackalloc int[2];
        if (LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0, fds) != 0)
            throw new IOException($"socketpair: errno {Marshal.GetLastPInvokeError()}");
        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>write(fd, &amp;1, 8) on an eventfd.</summary>
    public static void SignalEventFd(int fd)
    {
        ulong one = 1;
        if (LibC.write(fd, &one, sizeof(ulong)) != sizeof(ulong))
            throw new IOException($"eventfd write: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>read(fd, 8) on an eventfd: blocks, or with <paramref name="busyPoll"/> retries EAGAIN on a non-blocking one.</summary>
    public static void AwaitEventFd(int fd, bool busyPoll)
    {
        ulong value;
        while (LibC.read(fd, &value, sizeof(ulong)) != sizeof(ulong))
        {
            int errno = Marshal.GetLastPInvokeError();
            if (!(errno == LibC.EINTR || (busyPoll && errno == LibC.EAGAIN)))
                throw new IOException($"eventfd read: errno {errno}");
        }
    }

    /// <summary>A blocking 1-byte write(2).</summary>
    public static void WriteByte(int fd)
    {
        byte b = 1;
        nint n;
        while ((n = LibC.write(fd, &b, 1)) != 1)
            ThrowUnlessInterrupted(n, "write");
    }

    /// <summary>A blocking 1-byte read(2).</summary>
    public static void ReadByte(int fd)
    {
        byte b;
        nint n;
        while ((n = LibC.read(fd, &b, 1)) != 1)
            ThrowUnlessInterrupted(n, "read");
    }

    /// <summary>A blocking 1-byte send(2).</summary>
    public static void SendByte(int fd)
    {
        byte b = 1;
        nint n;
        while ((n = LibC.send(fd, &b, 1, 0)) != 1)
            ThrowUnlessInterrupted(n, "send");
    }

    /// <summary>A blocking 1-byte recv(2).</summary>
    public static void ReceiveByte(int fd)
    {
        byte b;
        nint n;
        while ((n = LibC.recv(fd, &b, 1, 0)) != 1)
            ThrowUnlessInterrupted(n, "recv");
    }

    private static void ThrowUnlessInterrupted(nint result, string call)
    {
        if (result == 0)
            throw new IOException($"{call}: the other end is closed");
        int errno = Marshal.GetLastPInvokeError();
        if (errno != LibC.EINTR)
            throw new IOException($"{call}: errno {errno}");
    }
}
