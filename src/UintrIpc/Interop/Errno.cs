namespace UintrIpc.Interop;

/// <summary>The Linux errno values the runtime reports (asm-generic numbering, x86-64 and arm64).</summary>
internal static class Errno
{
    internal const int EINTR = 4;
    internal const int EBADF = 9;
    internal const int EAGAIN = 11;
    internal const int EBUSY = 16;
    internal const int EINVAL = 22;
    internal const int ENOSPC = 28;
    internal const int ENOSYS = 38;
    internal const int EPROTO = 71;
    internal const int EBADMSG = 74;
    internal const int EMSGSIZE = 90;
    internal const int EOPNOTSUPP = 95;
    internal const int EAFNOSUPPORT = 97;
    internal const int ECONNRESET = 104;
    internal const int EISCONN = 106;
    internal const int ESHUTDOWN = 108;
    internal const int ETIMEDOUT = 110;

    /// <summary>Throws a <see cref="UintrException"/> when a shim call returned <c>-errno</c>.</summary>
    internal static int Check(int result, string operation)
    {
        if (result < 0)
            throw new UintrException(-result, $"{operation} failed: {Describe(-result)}");
        return result;
    }

    internal static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";
}
