// The channel commands of the test peer (tests/UintrIpc.Tests/Channels/ChannelCrossProcessTests.cs):
//
//   channel-echo <path>              accept a UintrChannel over the socket, write every message
//                                    back until the input ends, then complete and exit 0
//   channel-hold <path>              accept a UintrChannel, send 'r', block until killed
//   channel-produce <path> <id> <count> <mode>
//                                    join the channel the test offers (JoinUintrChannelAsync),
//                                    write messages ChannelPeer.Message(id, 0 .. count-1), then:
//                                    complete   complete and exit 0
//                                    full       fill the ring, send 'r', block in WriteAsync
//                                    claim      claim 100 bytes, write half, send 'r', block
//                                    committed  send 'r', block
using System.Net.Sockets;

namespace UintrIpc.TestPeer;

internal static class ChannelPeer
{
    /// <summary>Message <paramref name="n"/> of producer <paramref name="id"/>: 8 to 299 bytes that say who and which.</summary>
    public static byte[] Message(int id, int n)
    {
        int length = Math.Max(8, (n * 37 + id * 11) % 300);
        var bytes = new byte[length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), id);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), n);
        for (int i = 8; i < length; i++)
            bytes[i] = (byte)(n + i + id);
        return bytes;
    }

    public static int Echo(string path)
    {
        using Socket socket = Connect(path);
        using UintrChannel channel = socket.AcceptUintrChannelAsync().AsTask().GetAwaiter().GetResult();
        Run(async () =>
        {
            await foreach (ReadOnlyMemory<byte> message in channel.Reader.ReadAllAsync())
                await channel.Writer.WriteAsync(message);
            channel.Writer.Complete();
        });
        return 0;
    }

    public static int Hold(string path)
    {
        using Socket socket = Connect(path);
        using UintrChannel channel = socket.AcceptUintrChannelAsync().AsTask().GetAwaiter().GetResult();
        socket.Send("r"u8);
        socket.Receive(new byte[1]);
        return 0;
    }

    public static int Produce(string path, int id, int count, string mode)
    {
        using Socket socket = Connect(path);
        using UintrChannel channel = socket.JoinUintrChannelAsync().AsTask().GetAwaiter().GetResult();
        UintrChannelWriter writer = channel.Writer;
        Run(async () =>
        {
            for (int n = 0; n < count; n++)
                await writer.WriteAsync(Message(id, n));
        });
        switch (mode)
        {
            case "complete":
                writer.Complete();
                return 0;
            case "full":
                while (writer.TryClaim(0, out _))
                    writer.Commit();
                socket.Send("r"u8);
                Run(async () => await writer.WriteAsync(Message(id, count)));
                return 3;
            case "claim":
                if (!writer.TryClaim(100, out Span<byte> payload))
                    return 4;
                payload[..50].Fill(0xEE);
                socket.Send("r"u8);
                socket.Receive(new byte[1]);
                return 0;
            case "committed":
                socket.Send("r"u8);
                socket.Receive(new byte[1]);
                return 0;
            default:
                return 64;
        }
    }

    private static void Run(Func<Task> body) => body().GetAwaiter().GetResult();

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }
}
