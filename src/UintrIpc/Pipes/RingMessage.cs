using System.Net.Sockets;
using UintrIpc.Wire;
using UintrIpc.Interop;
using UintrIpc.FutexPath;

namespace UintrIpc.Pipes;

/// <summary>A ring travelling over a Unix socket: descriptor message kind 4 (docs/ABI.md section 10, docs/PIPE.md section 7).</summary>
internal static class RingMessage
{
    private static readonly ushort[] s_kinds = [DescriptorMessageLayout.KindPipeRing];

    /// <summary>Sends <paramref name="ring"/>; <paramref name="which"/> goes in the header's vector field.</summary>
    public static ValueTask SendAsync(Socket socket, SafeHandle ring, int which, CancellationToken cancellationToken) =>
        DescriptorMessage.SendAsync(socket, ring, DescriptorMessageLayout.KindPipeRing, which, cancellationToken);

    /// <summary>Receives a ring message; the caller owns the descriptor and validates it (<see cref="RingFile.Validate(SafeFileDescriptorHandle)"/>).</summary>
    public static async ValueTask<(SafeFileDescriptorHandle Ring, int Which)> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        ReceivedDescriptor received = await DescriptorMessage.ReceiveAsync(socket, s_kinds, cancellationToken).ConfigureAwait(false);
        return (received.Handle, received.Vector);
    }
}
