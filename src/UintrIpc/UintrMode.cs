namespace UintrIpc;

/// <summary>How interrupts are delivered.</summary>
public enum UintrMode
{
    /// <summary>Shared memory pages and futexes: runs on every Linux machine.</summary>
    Futex,

    /// <summary>The kernel's <c>uintr_fd</c> and the SENDUIPI instruction: UINTR CPUs with the uintr kernel.</summary>
    Native,
}
