using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UintrIpc.Latency.Primitives;
using UintrIpc.TestInterop;

namespace UintrIpc.Latency;

/// <summary>
/// An async ping-pong: each side's round trips run as one async loop on the thread pool, the
/// way a service would (signal, then await the answer). The harness's thread only starts a
/// slice's loop and waits for its end, so the timed round trips carry no extra hand-off. CPU is
/// the whole process's (CLOCK_PROCESS_CPUTIME_ID): the loop, and whatever threads wake it.
/// <typeparamref name="TSide"/> is a struct, so the loop calls its side directly.
/// </summary>
internal sealed class AsyncMechanism<TSide>(TSide side) : Mechanism where TSide : struct, IAsyncSide
{
    private long[] _buffer = [];

    public override long Sleeps => side.Sleeps;

    public override bool RunsSlices => true;

    public override long CpuNowNs() => (long)CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID).TotalNanoseconds;

    public override void Ping() => Task.Run(() => PingAsync(null, 1)).GetAwaiter().GetResult();

    public override void Pong() => Task.Run(() => PongAsync(1)).GetAwaiter().GetResult();

    /// <summary>Times <paramref name="roundTrips"/>.Length round trips in one async loop on the thread pool.</summary>
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
            await side.SignalAsync();
            if (!await side.AwaitAsync())
                throw NoAnswer();
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
            if (!await side.AwaitAsync())
                throw NoAnswer();
            await side.SignalAsync();
        }
    }

    private static IOException NoAnswer() =>
        new($"{typeof(TSide).Name}: no answer within {IAsyncSide.LostWakeup.TotalSeconds} s (a lost wake-up), or the peer closed.");

    public override void Dispose() => side.Dispose();
}

/// <summary>One process's side of an <see cref="AsyncMechanism{TSide}"/>.</summary>
internal interface IAsyncSide : IDisposable
{
    /// <summary>How long an answer may take before the loop calls it lost.</summary>
    static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);

    ValueTask SignalAsync();

    /// <summary>True once the peer's signal arrived; false if it did not (in time, or at all).</summary>
    ValueTask<bool> AwaitAsync();

    long Sleeps { get; }
}

/// <summary>
/// UintrIpc with <c>WaitAsync</c>: the same receivers and senders as <see cref="UintrMechanism"/>.
/// With the default spin a busy receiver completes inside WaitAsync; with SpinDuration = 0 every
/// wait sleeps in the dispatcher and resumes on a pool thread.
/// </summary>
internal readonly struct UintrAsyncSide : IAsyncSide
{
    private readonly UintrReceiver _receiver;
    private readonly UintrFd _own;
    private readonly UintrFd _peer;
    private readonly UintrSender _sender;

    public UintrAsyncSide(Socket control, bool parent, TimeSpan spin)
    {
        _receiver = UintrReceiver.Register(static _ => { }, new UintrReceiverOptions { SpinDuration = spin, Mode = UintrMode.Futex });
        _own = _receiver.CreateFd(0);
        _peer = UintrMechanism.ExchangeFds(control, parent, _own);
        _sender = UintrSender.Register(_peer);
    }

    public long Sleeps => _receiver.Statistics.Blocks;

    public ValueTask SignalAsync()
    {
        _sender.Send();
        return ValueTask.CompletedTask;
    }

    public ValueTask<bool> AwaitAsync() => _receiver.WaitAsync(IAsyncSide.LostWakeup);

    public void Dispose()
    {
        _sender.Dispose();
        _peer.Dispose();
        _own.Dispose();
        _receiver.Dispose();
    }
}

/// <summary>
/// .NET's own async I/O, for comparison with <c>uintr-async-blocked</c>: an AF_UNIX stream
/// socketpair driven by <see cref="Socket.SendAsync(ReadOnlyMemory{byte}, SocketFlags, CancellationToken)"/>
/// and <see cref="Socket.ReceiveAsync(Memory{byte}, SocketFlags, CancellationToken)"/>. A waiting
/// receive is woken by the runtime's epoll thread, which hands the continuation to a pool
/// thread: the same two hops as the dispatcher's.
/// </summary>
internal readonly struct SocketAsyncSide : IAsyncSide
{
    private readonly Socket _socket;
    private readonly byte[] _send = [1];
    private readonly byte[] _receive = new byte[1];

    public SocketAsyncSide(Socket control, bool parent)
    {
        SafeFileHandle handle = UnixSocketMechanism.ShareSocketPair(control, parent);
        var socketHandle = new SafeSocketHandle(handle.DangerousGetHandle(), ownsHandle: true);
        handle.SetHandleAsInvalid(); // the socket owns the descriptor now
        _socket = new Socket(socketHandle);
    }

    public long Sleeps => 0;

    public async ValueTask SignalAsync() => await _socket.SendAsync(_send, SocketFlags.None);

    public async ValueTask<bool> AwaitAsync() => await _socket.ReceiveAsync(_receive, SocketFlags.None) == 1;

    public void Dispose() => _socket.Dispose();
}
