namespace UintrIpc;

/// <summary>
/// Names for the Linux errno values a <see cref="UintrException"/> carries, in the spirit of
/// <see cref="System.Net.Sockets.SocketError"/>: compare <see cref="UintrException.UintrErrorCode"/>
/// with these instead of with numbers. The value of each member is the errno itself (x86-64 and
/// arm64 numbering); an errno without a name here (a system call failing in an unexpected way)
/// still converts, to an unnamed value.
/// </summary>
public enum UintrError
{
    /// <summary><c>EPERM</c> (1): the kernel refused the operation.</summary>
    OperationNotPermitted = 1,

    /// <summary><c>EBADF</c> (9): the descriptor is not open.</summary>
    BadDescriptor = 9,

    /// <summary><c>ENOMEM</c> (12): out of memory (e.g. a mapping failed).</summary>
    OutOfMemory = 12,

    /// <summary><c>EBUSY</c> (16): the vector already has a live descriptor.</summary>
    Busy = 16,

    /// <summary><c>EINVAL</c> (22): e.g. <c>SendUipi</c> with an index that is not registered.</summary>
    InvalidArgument = 22,

    /// <summary><c>EMFILE</c> (24): the process has no descriptor left.</summary>
    TooManyOpenFiles = 24,

    /// <summary><c>ENOSPC</c> (28): the vector is outside 0–63, or the sender table is full.</summary>
    NoSpace = 28,

    /// <summary><c>ENOSYS</c> (38): the kernel lacks a system call the operation needs.</summary>
    NotImplemented = 38,

    /// <summary><c>EPROTO</c> (71): a descriptor message or shared page breaks the protocol.</summary>
    ProtocolError = 71,

    /// <summary><c>EBADMSG</c> (74): a descriptor message with no descriptor, or several.</summary>
    BadMessage = 74,

    /// <summary><c>EMSGSIZE</c> (90): a descriptor message's control data was truncated.</summary>
    MessageSize = 90,

    /// <summary><c>EOPNOTSUPP</c> (95): the descriptor is not a uintr fd, or needs a path this process lacks.</summary>
    OperationNotSupported = 95,

    /// <summary><c>EAFNOSUPPORT</c> (97): descriptors pass only over <c>AF_UNIX</c> sockets.</summary>
    AddressFamilyNotSupported = 97,

    /// <summary><c>ECONNRESET</c> (104): the receiver closed the vector or itself, or the peer closed the connection.</summary>
    ConnectionReset = 104,

    /// <summary><c>EISCONN</c> (106): the descriptor is already registered as a sender in this process.</summary>
    IsConnected = 106,

    /// <summary><c>ESHUTDOWN</c> (108): the receiver's process has died.</summary>
    Shutdown = 108,

    /// <summary><c>ETIMEDOUT</c> (110): a wait reached its deadline.</summary>
    TimedOut = 110,
}
