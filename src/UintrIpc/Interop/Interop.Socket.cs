using Mono.Unix.Native;

namespace UintrIpc.Interop;

/// <summary>
/// <c>sendmsg</c>/<c>recvmsg</c> with <c>SCM_RIGHTS</c>, through Mono.Posix (its <c>Msghdr</c>
/// and <c>CMSG_*</c> helpers carry ancillary data on .NET). The only place that calls it.
/// </summary>
internal static unsafe class SocketMessages
{
    /// <summary>How many descriptors one receive makes room for: enough to see and close extras.</summary>
    internal const int MaxDescriptors = 16;

    /// <summary>Sends <paramref name="data"/> with <paramref name="fd"/> attached; returns bytes sent or -errno.</summary>
    public static long Send(int socket, ReadOnlySpan<byte> data, int fd, bool dontWait)
    {
        long space = (long)Syscall.CMSG_SPACE(sizeof(int));
        var message = new Msghdr { msg_control = new byte[space], msg_controllen = space };
        long header = Syscall.CMSG_FIRSTHDR(message);
        new Cmsghdr
        {
            cmsg_len = (long)Syscall.CMSG_LEN(sizeof(int)),
            cmsg_level = UnixSocketProtocol.SOL_SOCKET,
            cmsg_type = UnixSocketControlMessage.SCM_RIGHTS,
        }.WriteToBuffer(message, header);
        BitConverter.TryWriteBytes(message.msg_control.AsSpan((int)Syscall.CMSG_DATA(message, header)), fd);
        fixed (byte* bytes = data)
        {
            message.msg_iov = [new Iovec { iov_base = (IntPtr)bytes, iov_len = (ulong)data.Length }];
            message.msg_iovlen = 1;
            var flags = MessageFlags.MSG_NOSIGNAL | (dontWait ? MessageFlags.MSG_DONTWAIT : 0);
            long sent = Syscall.sendmsg(socket, message, flags);
            return sent < 0 ? -NativeConvert.FromErrno(Stdlib.GetLastError()) : sent;
        }
    }

    /// <summary>
    /// Receives into <paramref name="data"/> with <c>MSG_CMSG_CLOEXEC</c>. Every descriptor that
    /// arrived is added to <paramref name="fds"/> (the caller closes the ones it rejects), whatever
    /// else is wrong with the message. <paramref name="controlTruncated"/> reports MSG_CTRUNC (more
    /// descriptors came than fit; the kernel closed the rest), <paramref name="dataTruncated"/>
    /// MSG_TRUNC (a seqpacket message was longer than <paramref name="data"/>; the rest is gone).
    /// </summary>
    /// <returns>Bytes received (0 at end of stream) or -errno.</returns>
    public static long Receive(int socket, Span<byte> data, List<int> fds, out bool controlTruncated, out bool dataTruncated, bool dontWait)
    {
        long space = (long)Syscall.CMSG_SPACE((ulong)(sizeof(int) * MaxDescriptors));
        var message = new Msghdr { msg_control = new byte[space], msg_controllen = space };
        controlTruncated = false;
        dataTruncated = false;
        long received;
        fixed (byte* bytes = data)
        {
            message.msg_iov = [new Iovec { iov_base = (IntPtr)bytes, iov_len = (ulong)data.Length }];
            message.msg_iovlen = 1;
            var flags = MessageFlags.MSG_CMSG_CLOEXEC | (dontWait ? MessageFlags.MSG_DONTWAIT : 0);
            received = Syscall.recvmsg(socket, message, flags);
            if (received < 0)
                return -NativeConvert.FromErrno(Stdlib.GetLastError());
        }
        controlTruncated = (message.msg_flags & MessageFlags.MSG_CTRUNC) != 0;
        dataTruncated = (message.msg_flags & MessageFlags.MSG_TRUNC) != 0;
        for (long offset = Syscall.CMSG_FIRSTHDR(message); offset != -1; offset = Syscall.CMSG_NXTHDR(message, offset))
        {
            Cmsghdr header = Cmsghdr.ReadFromBuffer(message, offset);
            if (header.cmsg_level != UnixSocketProtocol.SOL_SOCKET || header.cmsg_type != UnixSocketControlMessage.SCM_RIGHTS)
                continue;
            long data0 = Syscall.CMSG_DATA(message, offset);
            long count = (header.cmsg_len - (data0 - offset)) / sizeof(int);
            for (int i = 0; i < count; i++)
                fds.Add(BitConverter.ToInt32(message.msg_control, (int)data0 + (i * sizeof(int))));
        }
        return received;
    }
}

/// <summary><c>socketpair</c> and <c>poll</c>, through Mono.Posix like the messages above.</summary>
internal static class SocketCalls
{
    /// <summary>A connected <c>AF_UNIX</c> pair, both ends close-on-exec; returns 0 or -errno.</summary>
    public static int SocketPair(bool stream, out int first, out int second)
    {
        int result = Syscall.socketpair(UnixAddressFamily.AF_UNIX,
            stream ? UnixSocketType.SOCK_STREAM : UnixSocketType.SOCK_SEQPACKET,
            UnixSocketFlags.SOCK_CLOEXEC, 0, out first, out second);
        return result < 0 ? -NativeConvert.FromErrno(Stdlib.GetLastError()) : 0;
    }

    /// <summary>Clears or sets <c>FD_CLOEXEC</c>; returns 0 or -errno.</summary>
    public static int SetCloseOnExec(int fd, bool closeOnExec)
    {
        int result = Syscall.fcntl(fd, FcntlCommand.F_SETFD, closeOnExec ? 1 : 0);
        return result < 0 ? -NativeConvert.FromErrno(Stdlib.GetLastError()) : 0;
    }

    /// <summary>
    /// <c>poll</c>: <paramref name="wakeFd"/> for reading, then each of <paramref name="fds"/> for
    /// writing where <paramref name="forWriting"/> says so, else for reading. <paramref name="ready"/>[0]
    /// is the wake descriptor, [i + 1] descriptor i; error, hang-up or an invalid descriptor count
    /// as ready too (the owner's next call reports what is wrong).
    /// </summary>
    /// <returns>The number of ready descriptors, or -errno.</returns>
    public static int Poll(int wakeFd, ReadOnlySpan<int> fds, ReadOnlySpan<bool> forWriting, Span<bool> ready, int timeoutMs)
    {
        var pollfds = new Pollfd[fds.Length + 1];
        pollfds[0] = new Pollfd { fd = wakeFd, events = PollEvents.POLLIN };
        for (int i = 0; i < fds.Length; i++)
            pollfds[i + 1] = new Pollfd { fd = fds[i], events = forWriting[i] ? PollEvents.POLLOUT : PollEvents.POLLIN };
        int result = Syscall.poll(pollfds, timeoutMs);
        if (result < 0)
            return -NativeConvert.FromErrno(Stdlib.GetLastError());
        for (int i = 0; i < pollfds.Length; i++)
            ready[i] = pollfds[i].revents != 0;
        return result;
    }
}
