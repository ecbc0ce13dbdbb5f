namespace UintrIpc.Delivery;

/// <summary>
/// A path whose block can be taken apart so that another thread does the sleeping: the receiver
/// runs W4–W6 (<see cref="Arm"/>) and W9–W10 (<see cref="Disarm"/>) of docs/ABI.md section 5
/// itself, and the futex engine does W7 over the words <see cref="GetWaitWords"/> names.
/// Senders cannot tell the difference: the pages go BLOCKED and back exactly as for a
/// synchronous <see cref="IReceiverPath.Block"/>.
/// </summary>
internal unsafe interface IDispatchablePath
{
    /// <summary>W4 and W5: every live page to BLOCKED, then collect; the vectors found posted.</summary>
    ulong Arm(ulong live);

    /// <summary>W9 and W10: every live page back to RUNNING, then collect; the vectors found posted.</summary>
    ulong Disarm(ulong live);

    /// <summary>Writes the address of each live page's status word (W7 waits while it is BLOCKED); returns how many.</summary>
    int GetWaitWords(ulong live, Span<nint> words);

    /// <summary>The private word <see cref="IReceiverPath.Interrupt"/> bumps; W7 also ends when it leaves the generation read at W3.</summary>
    uint* WakeWord { get; }
}
