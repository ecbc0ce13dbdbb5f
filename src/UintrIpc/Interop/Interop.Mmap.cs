namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    /// <summary>Takes the raw descriptor: callers map descriptors they borrow or keep alive themselves.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_map_shared")]
    internal static partial int MapShared(int fd, ulong length, void** address);

    /// <summary>Maps <paramref name="fd"/> over existing address space with <c>MAP_FIXED</c>.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_map_shared_fixed")]
    internal static partial int MapSharedFixed(void* address, SafeFileDescriptorHandle fd, ulong length);

    [LibraryImport(Library, EntryPoint = "uipc_reserve")]
    internal static partial int Reserve(ulong length, void** address);

    /// <summary>Replaces a range with private, zero-filled, read-write memory (<c>MAP_FIXED</c>).</summary>
    [LibraryImport(Library, EntryPoint = "uipc_map_private_zero_fixed")]
    internal static partial int MapPrivateZeroFixed(void* address, ulong length);

    [LibraryImport(Library, EntryPoint = "uipc_munmap")]
    internal static partial int Munmap(void* address, ulong length);
}
