namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    /// <summary>The pid of a connected AF_UNIX socket's peer (<c>SO_PEERCRED</c>), in this pid namespace.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_peer_pid")]
    internal static partial int PeerPid(int socket);

    /// <summary>A pidfd for the socket's peer (<c>SO_PEERPIDFD</c>, Linux 6.5+); -ENOPROTOOPT before that.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_peer_pidfd")]
    internal static partial int PeerPidfd(int socket);

    /// <summary>1 when the peer of <paramref name="socket"/> has shut down its writing side.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_peer_hung_up")]
    internal static partial int PeerHungUp(int socket);

    [LibraryImport(Library, EntryPoint = "uipc_pidfd_open")]
    internal static partial int PidfdOpen(int pid);

    /// <summary><c>poll</c> for readability; <paramref name="ready"/>[i] becomes 1 for each readable descriptor.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_poll_readable")]
    internal static partial int PollReadable(int* fds, byte* ready, uint count, int timeoutMs);

    /// <summary>A non-blocking, close-on-exec eventfd.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_eventfd")]
    internal static partial int Eventfd();

    [LibraryImport(Library, EntryPoint = "uipc_eventfd_signal")]
    internal static partial int EventfdSignal(int fd);

    [LibraryImport(Library, EntryPoint = "uipc_eventfd_drain")]
    internal static partial int EventfdDrain(int fd);
}
