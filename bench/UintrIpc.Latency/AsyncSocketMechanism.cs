using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UintrIpc.Latency.Native;

namespace UintrIpc.Latency;

/// <summary>
/// .NET's own async I/O, for comparison with <c>uintr-async-blocked</c>: an AF_UNIX stream
/// socketpair driven by <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>
/// and <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/> in one async
/// loop per slice on the thread pool. A waiting receive is woken by the runtime's epoll thread,
/// which hands the continuation to a pool thread: the same two hops as the dispatcher's.
/// CPU is the whole process's, as for the uintr-async rows.
/// </summary>
internal sealed class AsyncSocketMechanism : Mechanism
{
    private readonly Socket _socket;
    private readonly byte[] _send = [1];
    private readonly byte[] _receive = new byte[1];
    private long[] _buffer = [];

    public AsyncSocketMechanism(Socket control, bool parent)
    {
        SafeFileHandle handle;
        if (parent)
        {
            var (mine, theirs) = Descriptors.UnixSocketPair();
            control.SendFileDescriptor(theirs);
            theirs.Dispose();
            handle = mine;
        }
        else
        {
            handle = control.ReceiveFileDescriptor();
        }
        var socketHandle = new SafeSocketHandle(handle.DangerousGetHandle(), ownsHandle: true);
        handle.SetHandleAsInvalid(); // the socket owns the descriptor now
        _socket = new Socket(socketHandle);
    }

    public override bool RunsSlices => true;

    public override long CpuNowNs() => (long)LibC.CpuTime(LibC.CLOCK_PROCESS_CPUTIME_ID).TotalNanoseconds;

    public override void Ping() => Task.Run(() => PingAsync(null, 1)).GetAwaiter().GetResult();

    public override void Pong() => Task.Run(() => PongAsync(1)).GetAwaiter().GetResult();

    public override void Time(Span<long> roundTrips)
    {
        if (_buffer.Length < roundTrips.Length)
            _buffer = new long[roundTrips.Length];
        long[] buffer = _buffer;
        int count = roundTrips.Length;
        Task.Run(() => PingAsync(buffer, count)).GetAwaiter().GetResult();
        buffer.AsSpan(0, count).CopyTo(roundTrips);
    }

    public override void Answer(int rounds) => Task.Run(() => PongAsync(rounds)).GetAwaiter().GetResult();

    private async Task PingAsync(long[]? roundTrips, int count)
    {
        long previous = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            await _socket.SendAsync(_send, SocketFlags.None);
            if (await _socket.ReceiveAsync(_receive, SocketFlags.None) != 1)
                throw new IOException("the peer closed the socket");
            long now = Stopwatch.GetTimestamp();
            if (roundTrips is not null)
                roundTrips[i] = now - previous;
            previous = now;
        }
    }

    private async Task PongAsync(int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (await _socket.ReceiveAsync(_receive, SocketFlags.None) != 1)
                throw new IOException("the peer closed the socket");
            await _socket.SendAsync(_send, SocketFlags.None);
        }
    }

    public override void Dispose() => _socket.Dispose();
}
