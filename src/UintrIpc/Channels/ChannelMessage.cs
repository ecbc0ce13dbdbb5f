using System.Net.Sockets;
using UintrIpc.Wire;
using UintrIpc.Interop;
using UintrIpc.FutexPath;

namespace UintrIpc.Channels;

/// <summary>A channel ring travelling over a Unix socket: descriptor message kind 5 (docs/ABI.md section 10, docs/CHANNEL.md section 10).</summary>
internal static class ChannelMessage
{
    private static readonly ushort[] s_kinds = [DescriptorMessageLayout.KindChannelRing];

    public static ValueTask SendAsync(Socket socket, SafeHandle ring, int role, int slot, CancellationToken cancellationToken) =>
        DescriptorMessage.SendAsync(socket, ring, DescriptorMessageLayout.KindChannelRing, role | (slot << 8), cancellationToken);

    /// <summary>Receives a ring message; the caller owns the descriptor and validates it.</summary>
    public static async ValueTask<(SafeFileDescriptorHandle Ring, int Role, int Slot)> ReceiveAsync(Socket socket, CancellationToken cancellationToken)
    {
        ReceivedDescriptor received = await DescriptorMessage.ReceiveAsync(socket, s_kinds, cancellationToken).ConfigureAwait(false);
        return (received.Handle, received.Vector & 0xFF, received.Vector >> 8);
    }
}
