using UintrIpc.Hardware;

namespace UintrIpc.Detection;

/// <summary>What <see cref="UintrDetection.Detect"/> concluded from the facts; <see cref="UintrCapabilities"/> presents it.</summary>
/// <param name="Facts">The facts it was decided from.</param>
/// <param name="Cpu">Whether the CPU reports UINTR (x86-64 only).</param>
/// <param name="Kernel">Whether the kernel advertises UINTR (x86-64 only).</param>
/// <param name="Table">The uintr system call numbers, or <see langword="null"/>.</param>
/// <param name="TableSource">Where <paramref name="Table"/> came from, for the report.</param>
/// <param name="TableProblem">Why there is no table, for the report.</param>
/// <param name="TableMalformed">Whether <c>UINTR_IPC_SYSCALLS</c> could not be parsed.</param>
/// <param name="ModeOverride">The mode <c>UINTR_IPC_MODE</c> forces, or <see langword="null"/>.</param>
/// <param name="ModeError">Why <c>UINTR_IPC_MODE</c> or <c>UINTR_IPC_SIMULATE</c> is invalid, or <see langword="null"/>.</param>
/// <param name="Simulated">Whether the UINTR simulator runs the native path.</param>
internal sealed record DetectionResult(
    PlatformFacts Facts,
    bool Cpu,
    bool Kernel,
    UintrSyscallTable? Table,
    string? TableSource,
    string? TableProblem,
    bool TableMalformed,
    UintrMode? ModeOverride,
    string? ModeError,
    bool Simulated);
