using UintrIpc.Interop;

namespace UintrIpc.Liveness;

/// <summary>Who is at the other end of a Unix socket, from the kernel rather than from the peer.</summary>
internal static class PeerIdentity
{
    /// <summary>
    /// A pidfd for the socket's peer when the peer is <paramref name="expectedPid"/> (the
    /// receiver the page names), else null: a descriptor forwarded by a third process gets no
    /// death watch rather than one on the wrong process.
    /// </summary>
    public static SafeFileDescriptorHandle? ReceiverPidfd(int socket, int expectedPid)
    {
        int pid = Shim.PeerPid(socket);
        if (pid <= 0 || pid != expectedPid)
            return null;
        // SO_PEERPIDFD names the process that connected, even if pid has been reused since.
        int pidfd = Shim.PeerPidfd(socket);
        if (pidfd < 0)
            pidfd = Shim.PidfdOpen(pid);
        return pidfd < 0 ? null : new SafeFileDescriptorHandle(pidfd);
    }
}
