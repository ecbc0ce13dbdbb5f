// The pipe commands of the test peer (tests/UintrIpc.Tests/Pipes/PipeCrossProcessTests.cs):
//
//   pipe-echo <path>           connect a UintrPipe over the socket, copy its input to its output
//                              until the input completes, then complete the output and exit 0
//   pipe-stream <path> <seed>  connect a UintrPipe and write the stream PipePeer.Byte(p) in
//                              random-size flushed writes (seeded) until killed
//   pipe-publish-once          one pair in this process, one flushed write, read by the other end
using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace UintrIpc.TestPeer;

internal static class PipePeer
{
    /// <summary>The byte at stream position <paramref name="position"/> of pipe-stream.</summary>
    public static byte Byte(long position) => (byte)(position * 131 + (position >> 11));

    public static int Echo(string path)
    {
        using Socket socket = Connect(path);
        using UintrPipe pipe = socket.ConnectUintrPipeAsync().AsTask().GetAwaiter().GetResult();
        pipe.Input.CopyToAsync(pipe.Output).GetAwaiter().GetResult();
        pipe.Output.CompleteAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    public static int Stream(string path, int seed)
    {
        using Socket socket = Connect(path);
        using UintrPipe pipe = socket.ConnectUintrPipeAsync(new UintrPipeOptions { RingSize = 65536 }).AsTask().GetAwaiter().GetResult();
        var random = new Random(seed);
        long position = 0;
        while (true)
        {
            int size = random.Next(1, 20_000);
            Span<byte> span = pipe.Output.GetSpan(size)[..size];
            for (int i = 0; i < span.Length; i++)
                span[i] = Byte(position + i);
            pipe.Output.Advance(size);
            position += size;
            FlushResult result = pipe.Output.FlushAsync().AsTask().GetAwaiter().GetResult();
            if (result.IsCompleted)
                return 0;
        }
    }

    public static int PublishOnce()
    {
        var (first, second) = UintrPipe.CreatePair();
        using (first)
        using (second)
        {
            first.Output.Write("published"u8);
            first.Output.FlushAsync().AsTask().GetAwaiter().GetResult();
            ReadResult read = second.Input.ReadAsync().AsTask().GetAwaiter().GetResult();
            long length = read.Buffer.Length;
            second.Input.AdvanceTo(read.Buffer.End);
            return length == 9 ? 0 : 3;
        }
    }

    private static Socket Connect(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }
}
