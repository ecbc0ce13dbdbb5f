using UintrIpc.Hardware;
using UintrIpc.Interop;

namespace UintrIpc.Detection;

/// <summary>
/// Everything detection looks at, read once from the machine (<see cref="Read"/>) or made up by
/// a test: <see cref="UintrDetection.Detect"/> is a pure function of these facts.
/// </summary>
/// <param name="IsX64">Whether this is an x86-64 Linux process (UINTR exists nowhere else).</param>
/// <param name="CpuidLeaf7Edx">EDX of CPUID leaf 7 sub-leaf 0; <see langword="null"/> when CPUID or the leaf is unavailable.</param>
/// <param name="CpuInfoFlags">The <c>flags</c> line of /proc/cpuinfo; <see langword="null"/> when unreadable.</param>
/// <param name="KernelRelease">The kernel release (<c>uname -r</c>); <see langword="null"/> when unreadable.</param>
/// <param name="SyscallsVariable">The value of <c>UINTR_IPC_SYSCALLS</c>, or <see langword="null"/>.</param>
/// <param name="ModeVariable">The value of <c>UINTR_IPC_MODE</c>, or <see langword="null"/>.</param>
/// <param name="SimulateVariable">The value of <c>UINTR_IPC_SIMULATE</c>, or <see langword="null"/>.</param>
internal sealed record PlatformFacts(
    bool IsX64,
    uint? CpuidLeaf7Edx,
    string? CpuInfoFlags,
    string? KernelRelease,
    string? SyscallsVariable,
    string? ModeVariable,
    string? SimulateVariable = null)
{
    /// <summary>The environment variable that overrides the mode (public as <see cref="UintrCapabilities.ModeVariable"/>).</summary>
    internal const string ModeVariableName = "UINTR_IPC_MODE";

    /// <summary>CPUID.(EAX=07H, ECX=0):EDX[bit 5] — UINTR (Intel SDM, vol. 2A, CPUID).</summary>
    internal const int UintrEdxBit = 5;

    /// <summary>The flag a uintr kernel shows in /proc/cpuinfo (X86_FEATURE_UINTR, word 18 bit 5).</summary>
    internal const string UintrCpuInfoFlag = "uintr";

    /// <summary>Whether CPUID reports UINTR.</summary>
    internal bool CpuUintrBit => CpuidLeaf7Edx is uint edx && (edx & (1u << UintrEdxBit)) != 0;

    /// <summary>Whether the kernel lists the <c>uintr</c> flag; a whole word, not a substring.</summary>
    internal bool CpuInfoHasUintr =>
        CpuInfoFlags is not null
        && CpuInfoFlags.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Contains(UintrCpuInfoFlag, StringComparer.Ordinal);

    /// <summary>Reads the running machine and process environment. Executes CPUID only on x86-64, nothing UINTR-specific.</summary>
    internal static PlatformFacts Read()
    {
        bool isX64 = OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;
        return new PlatformFacts(
            isX64,
            isX64 ? ReadCpuidLeaf7Edx() : null,
            ReadCpuInfoFlags(),
            ReadFirstLine("/proc/sys/kernel/osrelease"),
            Environment.GetEnvironmentVariable(UintrSyscallTable.EnvironmentVariable),
            Environment.GetEnvironmentVariable(ModeVariableName),
            Environment.GetEnvironmentVariable(Shim.SimulateVariable));
    }

    private static unsafe uint? ReadCpuidLeaf7Edx()
    {
        uint* registers = stackalloc uint[4];
        try
        {
            return Shim.Cpuid(7, 0, registers) == 0 ? registers[3] : null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The text after <c>flags :</c> on the first processor's flags line.</summary>
    private static string? ReadCpuInfoFlags()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                int colon = line.IndexOf(':');
                if (colon > 0 && line.AsSpan(0, colon).Trim().SequenceEqual("flags"))
                    return line[(colon + 1)..].Trim();
            }
            return "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
