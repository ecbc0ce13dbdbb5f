using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Intrinsics.X86;

namespace UintrIpc.Latency;

/// <summary>
/// UintrIpc: each process registers a receiver with one vector and sends the other process its
/// fd; each registers a sender on the fd it received. Ping = Send + Wait; Pong = Wait + Send.
/// Diagnostic variants (<c>pollFor</c>): the wait is first a loop of Poll() and PAUSE for that long
/// (Infinite: for ever), and only then Wait. On the native path a receiver belongs to its
/// registering thread, one per thread: there each mechanism registers and runs its slices on an
/// <see cref="OwnedThread"/>, handed a whole slice at a time so that no round trip carries a hand-off.
/// </summary>
internal sealed class UintrMechanism : Mechanism
{
    private static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);

    private readonly OwnedThread? _thread;
    private readonly UintrReceiver _receiver;
    private readonly UintrFd _own;
    private readonly UintrFd _peer;
    private readonly UintrSender _sender;
    private readonly long _pollTicks;
    private long[] _buffer = [];

    public UintrMechanism(Socket control, bool parent, TimeSpan spin, TimeSpan? pollFor = null)
    {
        _pollTicks = pollFor is not { } poll ? 0
            : poll == Timeout.InfiniteTimeSpan ? long.MaxValue
            : (long)(poll.TotalSeconds * Stopwatch.Frequency);
        var options = new UintrReceiverOptions { SpinDuration = spin };
        if (UintrCapabilities.Current.NativeAvailable) // the receiver may be native: give it a thread of its own
            _thread = new OwnedThread($"uintr mechanism (spin {spin})");
        (_receiver, _own, _peer, _sender) = OnOwnThread(() =>
        {
            var receiver = UintrReceiver.Register(static _ => { }, options);
            UintrFd own = receiver.CreateFd(0);
            UintrFd peer = ExchangeFds(control, parent, own);
            return (receiver, own, peer, UintrSender.Register(peer));
        });
    }

    private T OnOwnThread<T>(Func<T> function) => _thread is null ? function() : _thread.Run(function);

    /// <summary>Sends <paramref name="own"/> to the other process and returns the one it sent.</summary>
    internal static UintrFd ExchangeFds(Socket control, bool parent, UintrFd own)
    {
        // The parent sends first and the child receives first, so neither waits on the other.
        if (parent)
        {
            control.SendUintrFd(own);
            return control.ReceiveUintrFd();
        }
        UintrFd peer = control.ReceiveUintrFd();
        control.SendUintrFd(own);
        return peer;
    }

    public UintrMode Mode => _receiver.Mode;

    public override long Sleeps => _receiver.Statistics.Blocks;

    public override bool RunsSlices => _thread is not null;

    public override long CpuNowNs() => _thread?.CpuNs ?? base.CpuNowNs();

    public override void Ping()
    {
        if (_thread is null)
            PingHere();
        else
            _thread.Run(PingHere);
    }

    public override void Pong()
    {
        if (_thread is null)
            PongHere();
        else
            _thread.Run(PongHere);
    }

    /// <summary>The native path: the slice's timed loop, on the receiver's thread.</summary>
    public override void Time(Span<long> roundTrips)
    {
        if (_buffer.Length < roundTrips.Length)
            _buffer = new long[roundTrips.Length];
        long[] buffer = _buffer;
        int count = roundTrips.Length;
        _thread!.Run(() =>
        {
            long previous = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                PingHere();
                long now = Stopwatch.GetTimestamp();
                buffer[i] = now - previous;
                previous = now;
            }
        });
        buffer.AsSpan(0, count).CopyTo(roundTrips);
    }

    public override void Answer(int rounds) => _thread!.Run(() =>
    {
        for (int i = 0; i < rounds; i++)
            PongHere();
    });

    private void PingHere()
    {
        _sender.Send();
        WaitForPeer();
    }

    private void PongHere()
    {
        WaitForPeer();
        _sender.Send();
    }

    private void WaitForPeer()
    {
        if (_pollTicks != 0 && PollAWhile())
            return;
        if (!_receiver.Wait(LostWakeup))
            throw new TimeoutException($"No interrupt within {LostWakeup.TotalSeconds} s: a lost wake-up.");
    }

    /// <summary>Polls with a PAUSE between polls, no yield, until a handler ran or the poll time is up.</summary>
    private bool PollAWhile()
    {
        long start = Stopwatch.GetTimestamp();
        for (int polls = 1; ; polls++)
        {
            if (_receiver.Poll() > 0)
                return true;
            if (X86Base.IsSupported)
                X86Base.Pause();
            // The clock only every 16 polls: cheaper, and the budget is coarse anyway.
            if ((polls & 15) == 0 && _pollTicks != long.MaxValue && Stopwatch.GetTimestamp() - start >= _pollTicks)
                return false;
        }
    }

    public override void Dispose()
    {
        OnOwnThread(() =>
        {
            _sender.Dispose();
            _peer.Dispose();
            _own.Dispose();
            _receiver.Dispose();
            return true;
        });
        _thread?.Dispose();
    }
}
