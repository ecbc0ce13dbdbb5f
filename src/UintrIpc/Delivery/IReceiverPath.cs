using UintrIpc.Interop;

namespace UintrIpc.Delivery;

/// <summary>
/// One receiver's delivery mechanism, chosen once when the receiver registers: the futex path
/// (vector pages, docs/ABI.md) or the native path (kernel uintr_fd, SENDUIPI). The receiver
/// keeps the policy (UIF, ordering, spinning, deadlines, statistics); a path only moves posts.
/// </summary>
internal interface IReceiverPath : IDisposable
{
    UintrMode Mode { get; }

    /// <summary>The kind a descriptor of this path has on the wire (docs/ABI.md section 10).</summary>
    ushort DescriptorKind { get; }

    /// <summary>Creates <paramref name="vector"/>'s descriptor and starts delivering it.</summary>
    SafeFileDescriptorHandle OpenVector(int vector);

    /// <summary>Stops delivering <paramref name="vector"/>; its senders fail with ECONNRESET from now on.</summary>
    void CloseVector(int vector);

    /// <summary>Takes the vectors of <paramref name="live"/> posted since the last collect.</summary>
    ulong Collect(ulong live);

    /// <summary>The vectors of <paramref name="live"/> posted and not collected, left in place.</summary>
    ulong Peek(ulong live);

    /// <summary>
    /// Sleeps until a vector of <paramref name="live"/> is posted, <see cref="Interrupt"/> is
    /// called after <paramref name="generation"/> was read, or <paramref name="timeoutNs"/>
    /// (-1: none) passes. <paramref name="beforeSleep"/> runs once nothing is pending and the
    /// path is about to sleep; when it returns false (cancelled, disposed) the path does not.
    /// </summary>
    BlockResult Block(ulong live, uint generation, long timeoutNs, Func<bool> beforeSleep);

    /// <summary>The generation <see cref="Block"/> compares against; read before reading live vectors.</summary>
    uint Generation { get; }

    /// <summary>Wakes a thread inside <see cref="Block"/>: cancellation, disposal, a vector added or closed.</summary>
    void Interrupt();
}

/// <summary>What one <see cref="IReceiverPath.Block"/> found.</summary>
/// <param name="Posted">Vectors collected while blocking or right after waking.</param>
/// <param name="Slept">Whether it went to sleep in the kernel at all.</param>
/// <param name="WokenByPost">Whether a sender's notification ended the sleep.</param>
/// <param name="TimedOut">Whether the timeout ended it.</param>
internal readonly record struct BlockResult(ulong Posted, bool Slept, bool WokenByPost, bool TimedOut);
