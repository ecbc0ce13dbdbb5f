using UintrIpc.FutexPath;
using UintrIpc.Interop;
using UintrIpc.Wire;

namespace UintrIpc.Hardware;

/// <summary>
/// The native path's descriptors on the wire: a kernel uintr_fd is kind 2, the simulator's
/// memfd kind 3 (docs/ABI.md section 10). A process uses only its own kind: a real native
/// process refuses a simulated descriptor and a simulating one refuses a kernel uintr_fd.
/// </summary>
internal static class KernelUintrFd
{
    /// <summary>The names the RFC's <c>uintr_create_fd</c> and the later tree's <c>uintr_vector_fd</c> give their anonymous inodes.</summary>
    internal static readonly string[] AnonInodeNames = ["anon_inode:[uintrfd]", "anon_inode:[uvecfd]"];

    /// <summary>What /proc/self/fd shows for a simulated uintr_fd (native/uintr_sim.c names its memfd).</summary>
    internal const string SimulatedLinkPrefix = "/memfd:uintr_fd (simulated)";

    /// <summary>The kind this process's native receivers put on the wire.</summary>
    public static ushort Kind => UintrCapabilities.Current.Simulated ? DescriptorMessageLayout.KindNativeSimulated : DescriptorMessageLayout.KindNative;

    /// <summary>Whether <paramref name="kind"/> is a native-path descriptor, real or simulated.</summary>
    public static bool IsHardwareKind(ushort kind) => kind is DescriptorMessageLayout.KindNative or DescriptorMessageLayout.KindNativeSimulated;

    /// <returns>The vector, from the message header (the kernel keeps the real one).</returns>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when this process cannot use the native path (mixing kinds: the peer's receiver
    /// is native, this side has no UINTR), the descriptor is of the other native kind (simulated
    /// here and real there, or the reverse), or it is not what its kind says; EPROTO when the
    /// header names a vector outside 0–63.
    /// </exception>
    public static int Validate(int fd, int vector, ushort kind)
    {
        UintrCapabilities capabilities = UintrCapabilities.Current;
        bool simulated = kind == DescriptorMessageLayout.KindNativeSimulated;
        string what = simulated ? "a simulated uintr_fd (its receiver runs the UINTR simulator)" : "a native uintr_fd (its receiver runs the native path)";
        if (!capabilities.NativeAvailable)
            throw new UintrException(Errno.EOPNOTSUPP,
                $"The descriptor is {what}, but this process cannot use the native path: {capabilities.Reason}");
        if (simulated != capabilities.Simulated)
        {
            throw new UintrException(Errno.EOPNOTSUPP, simulated
                ? $"The descriptor is {what}, but this process runs the real native path: simulated and real UINTR do not mix."
                : $"The descriptor is {what}, but this process runs the UINTR simulator ({UintrCapabilities.SimulateVariable}=1): simulated and real UINTR do not mix.");
        }
        if ((uint)vector >= 64)
            throw new UintrException(Errno.EPROTO, $"The descriptor message names vector {vector}, outside 0..63.");
        string? target = null;
        try
        {
            target = new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
        }
        bool matches = target is not null
            && (simulated ? target.StartsWith(SimulatedLinkPrefix, StringComparison.Ordinal) : AnonInodeNames.Contains(target));
        if (!matches)
            throw new UintrException(Errno.EOPNOTSUPP, $"File descriptor {fd} is not {(simulated ? "a simulated uintr_fd" : "a uintr_fd")} ({target ?? "unreadable"}).");
        return vector;
    }
}
