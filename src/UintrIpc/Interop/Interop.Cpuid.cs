namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    /// <summary>CPUID into <paramref name="registers"/> (eax, ebx, ecx, edx); -ENOSYS off x86.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_cpuid")]
    internal static partial int Cpuid(uint leaf, uint subleaf, uint* registers);
}
