namespace UintrIpc.Engine;

/// <summary>Why the futex engine ended a registration's sleep (W8 of docs/ABI.md section 5 for an async waiter).</summary>
internal enum EngineOutcome
{
    /// <summary>One of the registration's words left its expected value, or a wake on it ended the sleep.</summary>
    Woken,

    /// <summary>The registration was interrupted: its wake word left the generation it was started with, or it was withdrawn.</summary>
    Interrupted,

    /// <summary>The registration's deadline passed.</summary>
    TimedOut,
}
