using System.Diagnostics;
using System.Net.Sockets;

namespace AsyncServer;

/// <summary>
/// The same server built on .NET's own async sockets, for comparison: one Unix socket pair per
/// receiver, an async loop per pair in <c>ReceiveAsync</c>, client threads sending one byte to a
/// random pair whose last byte was received. The wake latency is post to the loop's resumption,
/// measured as for the receivers.
/// </summary>
internal static class SocketPairs
{
    public static async Task<WakeLatency> RunAsync(int pairs, int clients, TimeSpan duration, long rate)
    {
        string path = Path.Combine(Path.GetTempPath(), $"asyncserver-{Environment.ProcessId}.sock");
        File.Delete(path);
        var endpoint = new UnixDomainSocketEndPoint(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(endpoint);
        listener.Listen(pairs);
        var clientEnds = new Socket[pairs];
        var serverEnds = new Socket[pairs];
        for (int i = 0; i < pairs; i++)
        {
            clientEnds[i] = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            Task<Socket> accepted = listener.AcceptAsync();
            clientEnds[i].Connect(endpoint);
            serverEnds[i] = await accepted;
        }
        File.Delete(path);

        var latency = new WakeLatency();
        long[] postedAt = new long[pairs];
        using var stop = new CancellationTokenSource();
        Task[] servers = [.. serverEnds.Select((socket, i) => Task.Run(async () =>
        {
            var buffer = new byte[1];
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token) > 0)
                {
                    latency.Record(Volatile.Read(ref postedAt[i]));
                    Volatile.Write(ref postedAt[i], 0);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }))];
        Thread[] threads = [.. Enumerable.Range(0, clients).Select(c => new Thread(() => Post(c)) { IsBackground = true })];
        foreach (Thread thread in threads)
            thread.Start();
        await Task.Delay(duration);
        stop.Cancel();
        foreach (Thread thread in threads)
            thread.Join();
        await Task.WhenAll(servers);
        foreach (Socket socket in clientEnds.Concat(serverEnds))
            socket.Dispose();
        return latency;

        void Post(int client)
        {
            var random = new Random(client);
            byte[] one = [1];
            long interval = rate > 0 ? Stopwatch.Frequency / rate : 0;
            long next = Stopwatch.GetTimestamp();
            while (!stop.IsCancellationRequested)
            {
                int target = random.Next(pairs);
                if (Interlocked.CompareExchange(ref postedAt[target], Stopwatch.GetTimestamp(), 0) != 0)
                    continue;
                clientEnds[target].Send(one);
                if (interval > 0)
                {
                    next += interval;
                    while (Stopwatch.GetTimestamp() < next && !stop.IsCancellationRequested)
                        Thread.Sleep(next - Stopwatch.GetTimestamp() > Stopwatch.Frequency / 500 ? 1 : 0);
                }
            }
        }
    }
}
