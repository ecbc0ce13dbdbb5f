using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace UintrIpc.Tests.Pipes;

/// <summary>Helpers for the pipe tests: bounded awaits, reading a whole stream, small rings.</summary>
internal static class PipeTestKit
{
    public static UintrPipeOptions Small(int ringSize = 4096) => new() { RingSize = ringSize };

    /// <summary>Awaits <paramref name="task"/>, failing the test if it hangs.</summary>
    public static async Task<T> Bounded<T>(ValueTask<T> task, string what)
    {
        Task<T> t = task.AsTask();
        if (await Task.WhenAny(t, Task.Delay(Until.Hang)) != t)
            Assert.Fail($"{what} did not finish within {Until.Hang}");
        return await t;
    }

    public static async Task Bounded(Task task, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(Until.Hang)) != task)
            Assert.Fail($"{what} did not finish within {Until.Hang}");
        await task;
    }

    /// <summary>Reads until the writer completes and returns every byte.</summary>
    public static async Task<byte[]> ReadToEnd(PipeReader reader, CancellationToken cancellationToken = default)
    {
        var all = new List<byte>();
        while (true)
        {
            ReadResult result = await reader.ReadAsync(cancellationToken);
            foreach (ReadOnlyMemory<byte> segment in result.Buffer)
                all.AddRange(segment.Span);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
                return [.. all];
        }
    }

    /// <summary>A connected pair of Unix stream sockets in this process.</summary>
    public static (Socket First, Socket Second) SocketPair()
    {
        string path = Path.Combine(Path.GetTempPath(), $"uintr-pipe-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var first = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        first.Connect(new UnixDomainSocketEndPoint(path));
        Socket second = listener.Accept();
        File.Delete(path);
        return (first, second);
    }

    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
