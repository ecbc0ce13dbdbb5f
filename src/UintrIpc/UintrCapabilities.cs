using System.Text;
using UintrIpc.Detection;
using UintrIpc.Hardware;
using UintrIpc.Interop;

namespace UintrIpc;

/// <summary>
/// What this machine offers for user interrupts, and which delivery path receivers get: the
/// native path (kernel <c>uintr_fd</c>, SENDUIPI) needs a UINTR CPU, a kernel with the uintr
/// system calls and their numbers; otherwise the futex path runs. Detection never guesses and
/// never probes a uintr system call (on mainline those numbers are other system calls).
/// </summary>
/// <remarks>
/// Environment variables, read once per process: <c>UINTR_IPC_MODE</c> = <c>auto</c> (default),
/// <c>futex</c> or <c>native</c> overrides <see cref="UintrReceiverOptions.Mode"/> for every
/// receiver; <c>UINTR_IPC_SYSCALLS</c> gives the syscall numbers (<see cref="UintrSyscallTable.TryParse"/>).
/// </remarks>
public sealed class UintrCapabilities
{
    /// <summary>The environment variable that overrides the mode: <c>UINTR_IPC_MODE</c>.</summary>
    public const string ModeVariable = PlatformFacts.ModeVariableName;

    private static readonly Lazy<UintrCapabilities> s_current =
        new(() => Detect(PlatformFacts.Read()), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly PlatformFacts _facts;
    private readonly string? _tableSource;
    private readonly string? _tableProblem;

    private UintrCapabilities(DetectionResult detected)
    {
        _facts = detected.Facts;
        _tableSource = detected.TableSource;
        _tableProblem = detected.TableProblem;
        CpuSupportsUintr = detected.Cpu;
        KernelSupportsUintr = detected.Kernel;
        SyscallTable = detected.Table;
        SyscallTableMalformed = detected.TableMalformed;
        ModeOverride = detected.ModeOverride;
        ModeError = detected.ModeError;
        Simulated = detected.Simulated;
        NativeAvailable = _facts.IsX64 && (Simulated || (CpuSupportsUintr && KernelSupportsUintr)) && SyscallTable is not null;
        AutomaticMode = ModeOverride == UintrMode.Futex || !NativeAvailable ? UintrMode.Futex : UintrMode.Native;
        Reason = DescribeReason();
    }

    /// <summary>The capabilities <paramref name="facts"/> give (a pure function: tests pass made-up facts).</summary>
    internal static UintrCapabilities Detect(PlatformFacts facts) => new(UintrDetection.Detect(facts));

    /// <summary>The capabilities of the running machine and process, detected once, on first use.</summary>
    public static UintrCapabilities Current => s_current.Value;

    /// <summary>Whether the CPU reports User Interrupts: CPUID.(EAX=07H, ECX=0):EDX[5], in an x86-64 process.</summary>
    public bool CpuSupportsUintr { get; }

    /// <summary>
    /// Whether the running kernel advertises UINTR: the <c>uintr</c> flag in /proc/cpuinfo, which
    /// only kernels with the uintr patches know (mainline Linux has no uintr system calls).
    /// </summary>
    public bool KernelSupportsUintr { get; }

    /// <summary>
    /// The uintr system call numbers: from <c>UINTR_IPC_SYSCALLS</c>, or <see cref="UintrSyscallTable.RfcV1"/>
    /// when the kernel advertises UINTR and predates Linux 5.16; <see langword="null"/> otherwise
    /// (including when the variable is malformed: see <see cref="Reason"/>).
    /// </summary>
    internal UintrSyscallTable? SyscallTable { get; }

    /// <summary>
    /// Whether the native path can run: CPU, kernel and syscall table are all there, or the
    /// simulator is selected (<see cref="Simulated"/>).
    /// </summary>
    public bool NativeAvailable { get; }

    /// <summary>
    /// Whether <c>UINTR_IPC_SIMULATE=1</c> selected the UINTR simulator: the native path then runs
    /// the same code over a software model of the instructions and the uintr system calls
    /// (<c>libuintripc_sim.so</c>, docs/NATIVE.md), on any x86-64 Linux machine. It is never
    /// selected automatically, and its timings say nothing about real User Interrupts.
    /// </summary>
    public bool Simulated { get; }

    /// <summary>The environment variable that selects the simulator: <c>UINTR_IPC_SIMULATE</c> (<c>1</c> or <c>0</c>).</summary>
    internal const string SimulateVariable = Shim.SimulateVariable;

    /// <summary>
    /// The path a receiver gets when neither its options nor <c>UINTR_IPC_MODE</c> name one:
    /// <see cref="UintrMode.Native"/> when available, else <see cref="UintrMode.Futex"/>
    /// (<c>UINTR_IPC_MODE=futex</c> makes it <see cref="UintrMode.Futex"/>).
    /// </summary>
    public UintrMode AutomaticMode { get; }

    /// <summary>One sentence: which path runs and why, naming what is missing (CPU, kernel, syscall table).</summary>
    public string Reason { get; }

    /// <summary>The mode <c>UINTR_IPC_MODE</c> forces on every receiver, or <see langword="null"/> (unset or <c>auto</c>).</summary>
    internal UintrMode? ModeOverride { get; }

    /// <summary>Why <c>UINTR_IPC_MODE</c> is invalid, or <see langword="null"/>.</summary>
    internal string? ModeError { get; }

    internal bool SyscallTableMalformed { get; }

    internal PlatformFacts Facts => _facts;

    /// <summary>
    /// The path a receiver registered with <paramref name="requested"/> (its
    /// <see cref="UintrReceiverOptions.Mode"/>) gets: <c>UINTR_IPC_MODE=futex|native</c> wins, then
    /// <paramref name="requested"/>, then <see cref="AutomaticMode"/>.
    /// </summary>
    /// <param name="requested">The mode the options ask for; <see langword="null"/> chooses automatically.</param>
    /// <returns>The mode to use.</returns>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP (95) when <see cref="UintrMode.Native"/> is asked for and not available, naming
    /// what is missing; EINVAL (22) when <c>UINTR_IPC_MODE</c> has an invalid value.
    /// </exception>
    internal static UintrMode ResolveMode(UintrMode? requested) => Current.Resolve(requested);

    /// <inheritdoc cref="ResolveMode"/>
    internal UintrMode Resolve(UintrMode? requested)
    {
        if (ModeError is not null)
            throw new UintrException(Errno.EINVAL, $"{ModeError}.");
        UintrMode? mode = ModeOverride ?? requested;
        if (mode is null)
            return AutomaticMode;
        if (mode == UintrMode.Native && !NativeAvailable)
        {
            string source = ModeOverride == UintrMode.Native ? $"{ModeVariable}=native asks for it" : "UintrReceiverOptions.Mode asks for it";
            throw new UintrException(Errno.EOPNOTSUPP, $"The native UINTR path is not available ({source}): missing {DescribeMissing()}.");
        }
        return mode.Value;
    }

    /// <summary>Throws EOPNOTSUPP unless the native path is available: the guard of every hardware-only class.</summary>
    internal void ThrowIfNativeUnavailable(string what)
    {
        if (!NativeAvailable)
            throw new UintrException(Errno.EOPNOTSUPP,
                $"{what} is hardware-only (a UINTR CPU with the uintr kernel) and the native path is not available here: missing {DescribeMissing()}.");
    }

    /// <summary>A multi-line report: every fact detection used, the table, the mode and the reason.</summary>
    public override string ToString()
    {
        var report = new StringBuilder();
        report.AppendLine("UintrIpc capabilities");
        report.AppendLine($"  process:        {(_facts.IsX64 ? "x86-64 Linux" : $"{RuntimeInformation.ProcessArchitecture} (UINTR exists on x86-64 only)")}");
        report.AppendLine($"  CPU UINTR:      {(CpuSupportsUintr ? "yes" : "no")} (CPUID.(EAX=7,ECX=0):EDX = {(_facts.CpuidLeaf7Edx is uint edx ? $"0x{edx:x8}, bit 5 = {(edx >> 5) & 1}" : "unavailable")})");
        report.AppendLine($"  kernel UINTR:   {(KernelSupportsUintr ? "yes" : "no")} ('uintr' {(_facts.CpuInfoFlags is null ? "unknown: /proc/cpuinfo unreadable" : KernelSupportsUintr ? "in" : "not in")} /proc/cpuinfo flags; kernel {_facts.KernelRelease ?? "unknown"})");
        report.AppendLine($"  syscall table:  {(SyscallTable is { } table ? $"{table} ({_tableSource})" : $"none ({_tableProblem})")}");
        report.AppendLine($"  {ModeVariable}: {(_facts.ModeVariable is { } mode ? $"'{mode}'" : "unset")}{(ModeError is null ? "" : " (invalid)")}");
        report.AppendLine($"  simulator:      {(Simulated ? $"yes ({SimulateVariable}=1: libuintripc_sim.so, a software model of UINTR)" : $"no ({SimulateVariable} {(_facts.SimulateVariable is { } simulate ? $"is '{simulate}'" : "is unset")})")}");
        report.AppendLine($"  native path:    {(!NativeAvailable ? "not available" : Simulated ? "available (simulated)" : "available")}");
        report.AppendLine($"  automatic mode: {AutomaticMode}");
        report.Append($"  reason:         {Reason}");
        return report.ToString();
    }

    private string DescribeReason()
    {
        var reason = new StringBuilder();
        if (NativeAvailable && Simulated)
        {
            reason.Append(AutomaticMode == UintrMode.Native
                ? $"Native (simulated) path: {SimulateVariable}=1 runs the native path on the UINTR simulator, a software model of the instructions and of the uintr system calls {SyscallTable} ({_tableSource}); not hardware, and its timings are not UINTR's."
                : $"Futex path: {ModeVariable}=futex, although the native (simulated) path is available ({SimulateVariable}=1).");
        }
        else if (NativeAvailable)
        {
            reason.Append(AutomaticMode == UintrMode.Native
                ? $"Native path: the CPU reports UINTR, the kernel advertises it ('uintr' in /proc/cpuinfo) and the uintr system calls are {SyscallTable} ({_tableSource})."
                : $"Futex path: {ModeVariable}=futex, although the native path is available (uintr system calls {SyscallTable}).");
        }
        else
        {
            reason.Append($"Futex path: the native UINTR path needs {DescribeMissing()}.");
            if (ModeOverride == UintrMode.Native)
                reason.Append($" {ModeVariable}=native is set, so registering a receiver fails with EOPNOTSUPP.");
        }
        if (ModeError is not null)
            reason.Append($" {ModeError}, so registering a receiver fails with EINVAL.");
        return reason.ToString();
    }

    /// <summary>What the native path lacks here, as a phrase: "CPU support (...), kernel support (...)".</summary>
    private string DescribeMissing()
    {
        if (Simulated)
            return $"a syscall table the simulator implements ({_tableProblem})";
        if (!_facts.IsX64)
            return $"an x86-64 process (this one is {RuntimeInformation.ProcessArchitecture}; UINTR is an x86-64 feature)";
        var missing = new List<string>();
        if (!CpuSupportsUintr)
        {
            missing.Add(_facts.CpuidLeaf7Edx is null
                ? "CPU support (CPUID leaf 7 is not available)"
                : "CPU support (CPUID.(EAX=7,ECX=0):EDX bit 5, UINTR, is 0: User Interrupts need Sapphire Rapids or later)");
        }
        if (!KernelSupportsUintr)
        {
            missing.Add(_facts.CpuInfoFlags is null
                ? "kernel support (/proc/cpuinfo is unreadable, so the kernel's uintr flag cannot be seen)"
                : $"kernel support (no 'uintr' flag in /proc/cpuinfo: kernel {_facts.KernelRelease ?? "unknown"} has no uintr system calls; mainline Linux never merged them)");
        }
        if (SyscallTable is null)
            missing.Add($"a syscall table ({_tableProblem})");
        return missing.Count == 0 ? "nothing" : string.Join(", ", missing);
    }
}
