namespace UintrIpc.Dispatch;

/// <summary>Why a dispatcher ended an async waiter's sleep (W8 of docs/ABI.md section 5).</summary>
internal enum DispatchOutcome
{
    /// <summary>One of the waiter's status words left BLOCKED, or a wake on it ended the sleep.</summary>
    Woken,

    /// <summary>The receiver's wake word left the generation read at W3: cancellation, disposal, a vector added or closed.</summary>
    Interrupted,

    /// <summary>The waiter's deadline passed.</summary>
    TimedOut,
}
