using System.Globalization;

namespace UintrIpc.Native;

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

    internal static UintrCapabilities Detect(PlatformFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        bool cpu = facts.IsX64 && facts.CpuUintrBit;
        bool kernel = facts.IsX64 && facts.CpuInfoHasUintr;
        Version? kernelVersion = ParseKernelVersion(facts.KernelRelease);

        UintrSyscallTable? table = null;
        string? tableSource = null;
        string? tableProblem = null;
        bool tableMalformed = false;
        if (!string.IsNullOrWhiteSpace(facts.SyscallsVariable))
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
        return new UintrCapabilities(facts, cpu, kernel, table, tableSource, tableProblem, tableMalformed, modeOverride, modeError);
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
            _ => (null, $"{UintrCapabilities.ModeVariable}='{text}' is invalid: expected auto, futex or native"),
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
