namespace UintrIpc.Interop;

internal static unsafe partial class Shim
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct Stat
    {
        public ulong Dev;
        public ulong Ino;
        public long Size;
        public uint Mode;
        public uint Reserved;
    }

    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFREG = 0x8000;
    internal const int O_ACCMODE = 3;
    internal const int O_RDWR = 2;

    [LibraryImport(Library, EntryPoint = "uipc_close")]
    [SuppressGCTransition]
    internal static partial int Close(int fd);

    /// <summary>1 when <paramref name="a"/> and <paramref name="b"/> are the same open file description (<c>kcmp</c> KCMP_FILE), 0 when not, or -errno.</summary>
    [LibraryImport(Library, EntryPoint = "uipc_same_file")]
    internal static partial int SameFile(int a, int b);

    [LibraryImport(Library, EntryPoint = "uipc_fstat")]
    internal static partial int Fstat(int fd, out Stat stat);

    [LibraryImport(Library, EntryPoint = "uipc_get_fd_flags")]
    internal static partial int GetFdFlags(int fd);

    [LibraryImport(Library, EntryPoint = "uipc_get_status_flags")]
    internal static partial int GetStatusFlags(int fd);
}
