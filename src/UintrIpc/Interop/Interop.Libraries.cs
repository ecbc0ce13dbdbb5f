namespace UintrIpc.Interop;

internal static partial class Shim
{
    /// <summary>shim/libuintripc.so, copied next to the assembly by the build.</summary>
    internal const string Library = "uintripc";
}
