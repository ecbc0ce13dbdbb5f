namespace UintrIpc;

/// <summary>A uintr operation failed; <see cref="Errno"/> carries the Linux errno the RFC uses for the same mistake.</summary>
public class UintrException : IOException
{
    /// <summary>Creates an exception for <paramref name="errno"/>.</summary>
    public UintrException(int errno, string? message)
        : base(message ?? Marshal.GetPInvokeErrorMessage(errno))
    {
        Errno = errno;
        HResult = errno;
    }

    /// <summary>Creates an exception for <paramref name="error"/>.</summary>
    public UintrException(UintrError error, string? message)
        : this((int)error, message)
    {
    }

    /// <summary>Creates an exception for <paramref name="errno"/> caused by <paramref name="innerException"/>.</summary>
    public UintrException(int errno, string? message, Exception? innerException)
        : base(message ?? Marshal.GetPInvokeErrorMessage(errno), innerException)
    {
        Errno = errno;
        HResult = errno;
    }

    /// <summary>The Linux errno value, e.g. 104 (ECONNRESET).</summary>
    public int Errno { get; }

    /// <summary>
    /// <see cref="Errno"/> as a <see cref="UintrError"/>, to compare by name:
    /// <c>catch (UintrException e) when (e.UintrErrorCode == UintrError.Shutdown)</c>.
    /// </summary>
    public UintrError UintrErrorCode => (UintrError)Errno;
}
