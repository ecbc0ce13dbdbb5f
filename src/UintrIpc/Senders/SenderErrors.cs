using UintrIpc.Interop;

namespace UintrIpc.Senders;

/// <summary>The errors a sender reports, one text each, shared by the futex and the hardware path.</summary>
internal static class SenderErrors
{
    public static UintrException VectorClosed(int vector) =>
        new(Errno.ECONNRESET, $"Vector {vector} was closed by its receiver.");

    public static UintrException ReceiverDied(int vector) =>
        new(Errno.ESHUTDOWN, $"The process that receives vector {vector} has exited.");

    public static UintrException AlreadyRegistered(int vector) =>
        new(Errno.EISCONN, $"Vector {vector} is already registered as a sender in this process.");

    public static UintrException NoSenderAt(int index) =>
        new(Errno.EINVAL, $"No sender is registered at UITT index {index}.");
}
