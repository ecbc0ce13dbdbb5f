using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace UintrIpc.Bench.Throughput;

/// <summary>
/// One measurement: the child process writes <c>count</c> messages of <c>size</c> bytes, one
/// flush each; the parent reads them all and copies every byte out. Time runs from the parent's first byte to its last,
/// so process start-up and connection set-up are left out.
/// </summary>
internal static class ThroughputRun
{
    public const string ChildOption = "--throughput-child";

    public static async Task<ThroughputResult> MeasureAsync(string name, int size, long count)
    {
        string path = Path.Combine(Path.GetTempPath(), $"uintr-tp-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        using Process child = StartChild(name, size, count, path);
        using Socket control = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(60));
        File.Delete(path);
        using ThroughputStreams streams = await ThroughputStreams.OpenAsync(name, control, parent: true);
        PipeReader reader = streams.Reader;
        long total = size * count, received = 0;
        long start = 0;
        byte[] sink = new byte[65536];
        while (received < total)
        {
            ReadResult result = await reader.ReadAsync();
            if (start == 0)
                start = Stopwatch.GetTimestamp();
            received += result.Buffer.Length;
            Consume(result.Buffer, sink);
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && received < total)
                throw new InvalidOperationException($"{name}: the writer stopped after {received} of {total} bytes");
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await reader.CompleteAsync();
        if (!child.WaitForExit(60_000) || child.ExitCode != 0)
            throw new InvalidOperationException($"{name}: the writing child failed");
        return new ThroughputResult(name, size, count / seconds, total / seconds);
    }

    /// <summary>
    /// Copies every byte out, as an application that parses what it reads would: a socket or pipe
    /// read has already copied the bytes into user memory, a UintrPipe read hands out the ring.
    /// </summary>
    private static void Consume(ReadOnlySequence<byte> buffer, byte[] sink)
    {
        foreach (ReadOnlyMemory<byte> segment in buffer)
        {
            for (int at = 0; at < segment.Length; at += sink.Length)
            {
                ReadOnlySpan<byte> piece = segment.Span.Slice(at, Math.Min(sink.Length, segment.Length - at));
                piece.CopyTo(sink);
            }
        }
    }

    /// <summary>The child's side: connect, write the messages, complete.</summary>
    public static async Task<int> RunChildAsync(string name, int size, long count, string path)
    {
        using var control = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await control.ConnectAsync(new UnixDomainSocketEndPoint(path));
        using ThroughputStreams streams = await ThroughputStreams.OpenAsync(name, control, parent: false);
        PipeWriter writer = streams.Writer;
        byte[] message = new byte[size];
        Random.Shared.NextBytes(message);
        for (long i = 0; i < count; i++)
        {
            message.CopyTo(writer.GetSpan(size));
            writer.Advance(size);
            ValueTask<FlushResult> flush = writer.FlushAsync();
            if (!flush.IsCompletedSuccessfully)
                await flush;
        }
        await writer.CompleteAsync();
        return 0;
    }

    private static Process StartChild(string name, int size, long count, string path)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(System.Reflection.Assembly.GetEntryAssembly()!.Location);
        foreach (string argument in new[] { "throughput", ChildOption, name, size.ToString(), count.ToString(), path })
            start.ArgumentList.Add(argument);
        return Process.Start(start)!;
    }
}
