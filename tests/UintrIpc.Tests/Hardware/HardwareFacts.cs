using UintrIpc.Detection;
using UintrIpc.Hardware;

namespace UintrIpc.Tests.Hardware;

/// <summary>Made-up machines for the pure detection function.</summary>
internal static class HardwareFacts
{
    public const string FlagsWithoutUintr = "fpu vme de pse tsc msr pae mce cx8 apic sep avx2 avx512f amx_tile";
    public const string FlagsWithUintr = "fpu vme de pse tsc msr pae mce cx8 apic sep avx2 avx512f uintr amx_tile";

    /// <summary>A Sapphire Rapids with the RFC v1 kernel (5.14-based) unless told otherwise.</summary>
    public static PlatformFacts Machine(
        bool cpu = true,
        bool kernel = true,
        string? release = "5.14.0-rc5-uintr+",
        string? syscalls = null,
        string? mode = null,
        bool x64 = true) =>
        new(x64, cpu ? 0x9c004410u | (1u << 5) : 0x9c004410u & ~(1u << 5), kernel ? FlagsWithUintr : FlagsWithoutUintr, release, syscalls, mode);

    /// <summary>This test machine's CPUID.(EAX=7,ECX=0):EDX bit 5, read directly.</summary>
    public static unsafe bool RealCpuUintrBit()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return false;
        uint* registers = stackalloc uint[4];
        return UintrIpc.Interop.Shim.Cpuid(7, 0, registers) == 0 && (registers[3] & (1u << 5)) != 0;
    }

    /// <summary>Whether this machine's kernel lists the uintr flag, read directly.</summary>
    public static bool RealKernelUintrFlag() =>
        File.ReadLines("/proc/cpuinfo")
            .Where(line => line.StartsWith("flags", StringComparison.Ordinal))
            .Take(1)
            .Any(line => line.Split([' ', '\t', ':'], StringSplitOptions.RemoveEmptyEntries).Contains("uintr"));
}
