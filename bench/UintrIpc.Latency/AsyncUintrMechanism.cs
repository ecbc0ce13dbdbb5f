using System.Diagnostics;
using System.Net.Sockets;
using UintrIpc.Latency.Native;

namespace UintrIpc.Latency;

/// <summary>
/// UintrIpc with <c>WaitAsync</c>: the same receivers and senders as <see cref="UintrMechanism"/>,
/// but each side's round trips run as one async loop on the thread pool (Send, then
/// <c>await WaitAsync</c>), the way a service would. With the default spin a busy receiver
/// completes inside WaitAsync; with SpinDuration = 0 every wait sleeps in the dispatcher and
/// resumes on a pool thread. The harness's thread only starts a slice's loop and waits for its
/// end, so the timed round trips carry no extra hand-off. CPU is the whole process's
/// (CLOCK_PROCESS_CPUTIME_ID): the loop, the dispatcher and the pool threads all count.
/// </summary>
internal sealed class AsyncUintrMechanism : Mechanism
{
    private static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);

    private readonly UintrReceiver _receiver;
    private readonly UintrFd _own;
    private readonly UintrFd _peer;
    private readonly UintrSender _sender;
    private long[] _buffer = [];

    public AsyncUintrMechanism(Socket control, bool parent, TimeSpan spin)
    {
        _receiver = UintrReceiver.Register(static _ => { }, new UintrReceiverOptions { SpinDuration = spin, Mode = UintrMode.Futex });
        _own = _receiver.CreateFd(0);
        if (parent)
        {
            control.SendUintrFd(_own);
            _peer = control.ReceiveUintrFd();
        }
        else
        {
            _peer = control.ReceiveUintrFd();
            control.SendUintrFd(_own);
        }
        _sender = UintrSender.Register(_peer);
    }

    public override long Sleeps => _receiver.Statistics.Blocks;

    public override bool RunsSlices => true;

    public override long CpuNowNs() => (long)LibC.CpuTime(LibC.CLOCK_PROCESS_CPUTIME_ID).TotalNanoseconds;

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
            _sender.Send();
            if (!await _receiver.WaitAsync(LostWakeup))
                throw new TimeoutException($"No interrupt within {LostWakeup.TotalSeconds} s: a lost wake-up.");
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
            if (!await _receiver.WaitAsync(LostWakeup))
                throw new TimeoutException($"No interrupt within {LostWakeup.TotalSeconds} s: a lost wake-up.");
            _sender.Send();
        }
    }

    public override void Dispose()
    {
        _sender.Dispose();
        _peer.Dispose();
        _own.Dispose();
        _receiver.Dispose();
    }
}
