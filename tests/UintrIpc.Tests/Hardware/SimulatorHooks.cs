namespace UintrIpc.Tests.Hardware;

/// <summary>
/// The UINTR simulator's test hooks (native/uintr_sim.h, docs/NATIVE.md "The simulator"),
/// declared here rather than in the library: the shipped assembly never calls them. The library
/// loads libuintripc_sim.so by its path next to the assemblies when UINTR_IPC_SIMULATE=1; this
/// name resolves to the same file there, so the hooks act on the same simulator state.
/// </summary>
internal static unsafe partial class SimulatorHooks
{
    private const string Library = "libuintripc_sim.so";

    /// <summary>
    /// Arms the calling (owner) thread so that its next <c>uintr_wait</c> single-steps and, at
    /// instruction <paramref name="step"/> or at the blocking syscall, posts vector
    /// <paramref name="what"/> to itself as SENDUIPI does (-1: interrupts it instead).
    /// </summary>
    [LibraryImport(Library, EntryPoint = "uipc_sim_arm_injection")]
    internal static partial int ArmInjection(int step, int what);

    /// <summary>
    /// The outcome of the last armed injection (bit 31: it happened; bits 0–15: its step; bit 16:
    /// inside the wait window; bit 17: at the syscall instruction), and disarms.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "uipc_sim_injection_result")]
    internal static partial int InjectionResult();

    /// <summary>
    /// Notifications sent, notifications processed, handler calls, handler calls that moved a
    /// thread out of the wait window, notifications that found PIR empty.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "uipc_sim_counters")]
    internal static partial void Counters(ulong* counters);
}
