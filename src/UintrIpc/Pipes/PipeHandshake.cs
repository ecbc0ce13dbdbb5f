using System.Net.Sockets;
using UintrIpc.Interop;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>
/// The first step of a pipe's connection (docs/PIPE.md section 7): each end sends its role,
/// then reads the peer's. Both send before either reads, so two ends that took the same role
/// learn it at once instead of each waiting for a descriptor the other will never send.
/// </summary>
internal static class PipeHandshake
{
    /// <summary>Sends this end's role and checks that the peer took the other one.</summary>
    /// <exception cref="UintrException">
    /// EPROTO when both ends connect or both accept ("one side must accept"), or the peer's first
    /// bytes are not a role message; ECONNRESET when the peer closes the socket first.
    /// </exception>
    public static async ValueTask ExchangeRolesAsync(Socket socket, bool connecting, CancellationToken cancellationToken)
    {
        byte mine = connecting ? RoleConnect : RoleAccept;
        byte[] peer = new byte[RoleMessageSize];
        try
        {
            await SendAllAsync(socket, new byte[] { RoleMagic0, RoleMagic1, mine, HandshakeVersion }, cancellationToken).ConfigureAwait(false);
            for (int read = 0; read < peer.Length;)
            {
                int n = await socket.ReceiveAsync(peer.AsMemory(read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                    throw PeerGone(null);
                read += n;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.Shutdown or SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            throw PeerGone(e);
        }
        if (peer[0] != RoleMagic0 || peer[1] != RoleMagic1 || peer[2] is not (RoleConnect or RoleAccept))
            throw new UintrException(Errno.EPROTO, "The peer's first message is not a UintrPipe role message: it is not a UintrPipe end, or an older one (docs/PIPE.md section 7).");
        if (peer[3] != HandshakeVersion)
            throw new UintrException(Errno.EPROTO, $"The peer speaks version {peer[3]} of the pipe's handshake, this end version {HandshakeVersion}.");
        if (peer[2] == mine)
        {
            string both = connecting ? "ConnectUintrPipeAsync" : "AcceptUintrPipeAsync";
            throw new UintrException(Errno.EPROTO, $"Both ends called {both}: one side must accept (AcceptUintrPipeAsync) and the other connect (ConnectUintrPipeAsync).");
        }
    }

    private static UintrException PeerGone(Exception? inner) =>
        new(Errno.ECONNRESET, "The peer closed the socket during the pipe's handshake.", inner);

    private static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
    }
}
