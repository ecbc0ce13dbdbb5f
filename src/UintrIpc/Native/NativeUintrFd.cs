using UintrIpc.Interop;

namespace UintrIpc.Native;

/// <summary>Checks that a descriptor received as kind 2 is a kernel uintr_fd this process can use.</summary>
internal static class NativeUintrFd
{
    /// <summary>The name the RFC's <c>uintr_create_fd</c> gives its anonymous inode.</summary>
    private const string AnonInodeName = "anon_inode:[uintrfd]";

    /// <returns>The vector, from the message header (the kernel keeps the real one).</returns>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when this process cannot use the native path (mixing kinds: the peer's receiver
    /// is native, this side has no UINTR) or the descriptor is not a uintr_fd; EPROTO when the
    /// header names a vector outside 0–63.
    /// </exception>
    public static int Validate(int fd, int vector)
    {
        UintrCapabilities capabilities = UintrCapabilities.Current;
        if (!capabilities.NativeAvailable)
            throw new UintrException(Errno.EOPNOTSUPP,
                $"The descriptor is a native uintr_fd (its receiver runs the native path), but this process cannot use the native path: {capabilities.Reason}");
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
        if (target != AnonInodeName)
            throw new UintrException(Errno.EOPNOTSUPP, $"File descriptor {fd} is not a uintr_fd ({target ?? "unreadable"}).");
        return vector;
    }
}
