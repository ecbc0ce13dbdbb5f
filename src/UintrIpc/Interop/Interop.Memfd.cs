namespace UintrIpc.Interop;

internal static partial class Shim
{
    internal const int F_SEAL_SEAL = 0x0001;
    internal const int F_SEAL_SHRINK = 0x0002;
    internal const int F_SEAL_GROW = 0x0004;

    /// <summary><c>memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING)</c>.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_memfd_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MemfdCreate(string name);

    [LibraryImport(Library, EntryPoint = "uipc_ftruncate")]
    internal static partial int Ftruncate(SafeFileDescriptorHandle fd, long length);

    [LibraryImport(Library, EntryPoint = "uipc_add_seals")]
    internal static partial int AddSeals(SafeFileDescriptorHandle fd, int seals);

    [LibraryImport(Library, EntryPoint = "uipc_get_seals")]
    internal static partial int GetSeals(int fd);
}
