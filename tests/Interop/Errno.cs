using System.Runtime.InteropServices;

namespace UintrIpc.TestInterop;

// errno.h
internal static partial class LibC
{
    public const int EPERM = 1;
    public const int EINTR = 4;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EINVAL = 22;

    /// <summary>The errno the last call declared with SetLastError left.</summary>
    public static int errno => Marshal.GetLastPInvokeError();
}
