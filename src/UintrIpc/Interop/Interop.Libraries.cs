namespace UintrIpc.Interop;

internal static partial class Shim
{
    /// <summary>native/libuintripc.so, copied next to the assembly by the build.</summary>
    internal const string Library = "uintripc";
}
