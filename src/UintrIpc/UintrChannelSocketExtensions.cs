using System.Net.Sockets;
using UintrIpc.Channels;

namespace UintrIpc;

/// <summary>
/// Setting up a <see cref="UintrChannel"/> between processes over a connected <c>AF_UNIX</c>
/// socket (docs/CHANNEL.md sections 8 and 10): one side connects, the other accepts; more
/// writers join a reader that offers them its ring.
/// </summary>
/// <remarks>
/// After the call the socket is free for other use: deaths are learnt from the rings' owner
/// words. Failures: the <see cref="UintrException"/>s of descriptor passing
/// (<see cref="UintrFdPassing"/>), EPROTO for a ring that is not valid or a role mistake (both
/// sides connecting, or both accepting: each side fails, neither waits), every descriptor that
/// arrived closed.
/// </remarks>
public static class UintrChannelSocketExtensions
{
    /// <summary>Connects a channel; the peer must call <see cref="AcceptUintrChannelAsync"/>. This side's ring is of its <see cref="UintrChannelOptions.RingSize"/>.</summary>
    public static ValueTask<UintrChannel> ConnectUintrChannelAsync(this Socket socket, UintrChannelOptions? options = null, CancellationToken cancellationToken = default) =>
        ChannelConnect.ConnectAsync(socket, ChannelLayout.RoleConnect, options, cancellationToken);

    /// <summary>Accepts a channel the peer connects with <see cref="ConnectUintrChannelAsync"/>. This side's ring is of its <see cref="UintrChannelOptions.RingSize"/>.</summary>
    public static ValueTask<UintrChannel> AcceptUintrChannelAsync(this Socket socket, UintrChannelOptions? options = null, CancellationToken cancellationToken = default) =>
        ChannelConnect.ConnectAsync(socket, ChannelLayout.RoleAccept, options, cancellationToken);

    /// <summary>
    /// Joins, as one more writer, the reading direction the peer offers with
    /// <see cref="UintrChannel.AddProducerAsync"/>. The channel returned only writes: its
    /// <see cref="UintrChannel.Reader"/> throws.
    /// </summary>
    public static ValueTask<UintrChannel> JoinUintrChannelAsync(this Socket socket, UintrChannelOptions? options = null, CancellationToken cancellationToken = default) =>
        ChannelConnect.JoinAsync(socket, options, cancellationToken);
}
