using System.Net.Sockets;

namespace UintrIpc.Latency;

/// <summary>
/// A 64-byte request/response over a <see cref="UintrChannel"/>: Ping = claim 64 bytes, fill,
/// commit, read the 64-byte answer; Pong = read 64 bytes, claim, copy, commit. One message is
/// one record: its word and its first 56 bytes share a line.
/// </summary>
internal sealed class ChannelMechanism : Mechanism
{
    private const int MessageSize = 64;

    private readonly UintrChannel _channel;
    private readonly byte[] _message = new byte[MessageSize];

    public ChannelMechanism(Socket control, bool parent, TimeSpan spin)
    {
        var options = new UintrChannelOptions { RingSize = 65536, SpinDuration = spin };
        _channel = (parent ? control.ConnectUintrChannelAsync(options) : control.AcceptUintrChannelAsync(options)).AsTask().GetAwaiter().GetResult();
    }

    public override void Ping()
    {
        Send(_message);
        Receive();
        _channel.Reader.Release();
    }

    public override void Pong()
    {
        ReadOnlyMemory<byte> request = Receive();
        Send(request.Span);
        _channel.Reader.Release();
    }

    private void Send(ReadOnlySpan<byte> message)
    {
        UintrChannelWriter writer = _channel.Writer;
        if (writer.TryClaim(MessageSize, out Span<byte> payload))
        {
            message.CopyTo(payload);
            writer.Commit();
            return;
        }
        writer.WriteAsync(message.ToArray()).AsTask().GetAwaiter().GetResult();
    }

    private ReadOnlyMemory<byte> Receive()
    {
        ValueTask<ReadOnlyMemory<byte>> read = _channel.Reader.ReadAsync();
        ReadOnlyMemory<byte> message = read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
        if (message.Length != MessageSize)
            throw new InvalidOperationException($"a {message.Length}-byte message");
        return message;
    }

    public override void Dispose() => _channel.Dispose();
}
