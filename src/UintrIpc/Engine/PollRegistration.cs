namespace UintrIpc.Engine;

/// <summary>
/// One descriptor the <see cref="PollEngine"/> watches until it polls readable (a pidfd whose
/// process exited) or writable (a socket with room), and the completion to run then.
/// </summary>
internal abstract class PollRegistration
{
    /// <summary>The descriptor; its owner keeps the number valid (a reference on its handle) until the completion ran or <see cref="PollEngine.Remove"/> returned.</summary>
    internal abstract int Fd { get; }

    /// <summary>Watch for <c>POLLOUT</c> rather than <c>POLLIN</c>.</summary>
    internal abstract bool ForWriting { get; }

    /// <summary>
    /// Whether the owner gave up on the descriptor (it was disposed) in a way no poll event
    /// reports; looked at, when any registration answers true to <see cref="NeedsRecheck"/>,
    /// at least every <see cref="PollEngine.RecheckInterval"/>.
    /// </summary>
    internal virtual bool Abandoned => false;

    /// <summary>Whether <see cref="Abandoned"/> can ever become true.</summary>
    internal virtual bool NeedsRecheck => false;

    /// <summary>On the engine thread, once, after the engine let go: <paramref name="ready"/> true for the event, false when abandoned. Library code only, short.</summary>
    protected internal abstract void Complete(bool ready);
}
