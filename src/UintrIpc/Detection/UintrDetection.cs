using System.Globalization;
using UintrIpc.Hardware;
using UintrIpc.Interop;

namespace UintrIpc.Detection;

/// <summary>
/// Decides, from <see cref="PlatformFacts"/> alone, whether the native path may run. It never
/// guesses: native mode needs the CPU's UINTR bit, the kernel's <c>uintr</c> cpuinfo flag and a
/// syscall table that is either configured or provably the RFC's. Nothing here executes a
/// uintr instruction or system call.
/// </summary>
internal static class UintrDetection
{
    /// <summary>Linux 5.16 gave number 449 to <c>futex_waitv</c>; the RFC v1 numbers cannot be a later kernel's.</summary>
    internal static readonly Version FutexWaitvKernel = new(5, 16);

    internal static DetectionResult Detect(PlatformFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        bool cpu = facts.IsX64 && facts.CpuUintrBit;
        bool kernel = facts.IsX64 && facts.CpuInfoHasUintr;
        Version? kernelVersion = ParseKernelVersion(facts.KernelRelease);
        bool simulated = facts.IsX64 && Shim.IsSimulationRequested(facts.SimulateVariable);

        UintrSyscallTable? table = null;
        string? tableSource = null;
        string? tableProblem = null;
        bool tableMalformed = false;
        if (simulated)
        {
            (table, tableSource, tableProblem, tableMalformed) = SimulatorTable(facts.SyscallsVariable);
        }
        else if (!string.IsNullOrWhiteSpace(facts.SyscallsVariable))
        {
            if (UintrSyscallTable.TryParse(facts.SyscallsVariable, out table, out string? error))
                tableSource = $"{UintrSyscallTable.EnvironmentVariable}={facts.SyscallsVariable.Trim()}";
            else
            {
                tableProblem = error;
                tableMalformed = true;
            }
        }
        else if (!kernel)
        {
            tableProblem = $"{UintrSyscallTable.EnvironmentVariable} is not set, and the RFC v1 numbers are assumed only for a kernel that advertises uintr";
        }
        else if (kernelVersion is null)
        {
            tableProblem = $"the kernel advertises uintr but its release ('{facts.KernelRelease}') cannot be read to rule out that 449 is futex_waitv; set {UintrSyscallTable.EnvironmentVariable}";
        }
        else if (kernelVersion >= FutexWaitvKernel)
        {
            tableProblem = $"the kernel advertises uintr, but it is {facts.KernelRelease}: since Linux 5.16 number 449 is futex_waitv, so the RFC v1 numbers are not this kernel's; "
                + $"set {UintrSyscallTable.EnvironmentVariable} to the numbers in its arch/x86/entry/syscalls/syscall_64.tbl (uintr-next for Intel's later tree)";
        }
        else
        {
            table = UintrSyscallTable.RfcV1;
            tableSource = $"the RFC v1 default: the kernel advertises uintr and {facts.KernelRelease} predates futex_waitv (5.16)";
        }

        var (modeOverride, modeError) = ParseMode(facts.ModeVariable);
        if (!Shim.IsValidSimulateValue(facts.SimulateVariable))
        {
            string simulateError = $"{Shim.SimulateVariable}='{facts.SimulateVariable!.Trim()}' is invalid: expected 1 (simulate) or 0";
            modeError = modeError is null ? simulateError : $"{modeError}; {simulateError}";
        }
        return new DetectionResult(facts, cpu, kernel, table, tableSource, tableProblem, tableMalformed, modeOverride, modeError, simulated);
    }

    /// <summary>
    /// The simulator implements the uintr system calls at the numbers of the two known trees and
    /// nowhere else: RFC v1 unless <c>UINTR_IPC_SYSCALLS</c> names the later tree.
    /// </summary>
    private static (UintrSyscallTable? Table, string? Source, string? Problem, bool Malformed) SimulatorTable(string? variable)
    {
        if (string.IsNullOrWhiteSpace(variable))
            return (UintrSyscallTable.RfcV1, $"the simulator's default; {UintrSyscallTable.EnvironmentVariable}=uintr-next selects the later tree", null, false);
        if (!UintrSyscallTable.TryParse(variable, out UintrSyscallTable? table, out string? error))
            return (null, null, error, true);
        if (table != UintrSyscallTable.RfcV1 && table != UintrSyscallTable.UintrNext)
        {
            return (null, null, $"{UintrSyscallTable.EnvironmentVariable}={variable.Trim()}, but the UINTR simulator implements only the rfc-v1 (449-454) and uintr-next (471-476) tables", false);
        }
        return (table, $"{UintrSyscallTable.EnvironmentVariable}={variable.Trim()}, simulated", null, false);
    }

    /// <summary>
    /// Parses <c>UINTR_IPC_MODE</c>: unset, empty or <c>auto</c> → no override; <c>futex</c> or
    /// <c>native</c> → that mode for every receiver; anything else → an error message.
    /// </summary>
    internal static (UintrMode? Mode, string? Error) ParseMode(string? value)
    {
        string text = (value ?? "").Trim();
        return text.ToLowerInvariant() switch
        {
            "" or "auto" => (null, null),
            "futex" => (UintrMode.Futex, null),
            "native" => (UintrMode.Native, null),
            _ => (null, $"{PlatformFacts.ModeVariableName}='{text}' is invalid: expected auto, futex or native"),
        };
    }

    /// <summary>Major and minor of a release like <c>6.18.44-fc-v595</c> or <c>5.14.0-rc7+</c>.</summary>
    internal static Version? ParseKernelVersion(string? release)
    {
        if (string.IsNullOrWhiteSpace(release))
            return null;
        string[] parts = release.Trim().Split('.', 3);
        if (parts.Length < 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int major))
            return null;
        ReadOnlySpan<char> minorText = parts[1].AsSpan();
        int digits = 0;
        while (digits < minorText.Length && char.IsAsciiDigit(minorText[digits]))
            digits++;
        return digits > 0 && int.TryParse(minorText[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out int minor)
            ? new Version(major, minor)
            : null;
    }
}
