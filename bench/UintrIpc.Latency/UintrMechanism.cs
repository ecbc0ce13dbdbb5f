using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Intrinsics.X86;

namespace UintrIpc.Latency;

/// <summary>
/// UintrIpc: each process registers a receiver with one vector and sends the other process its
/// fd; each registers a sender on the fd it received. Ping = Send + Wait; Pong = Wait + Send.
/// Diagnostic variants (<c>pollFor</c>): the wait is first a loop of Poll() and PAUSE for that long
/// (Infinite: for ever), and only then Wait.
/// </summary>
internal sealed class UintrMechanism : Mechanism
{
    private static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);

    private readonly UintrReceiver _receiver;
    private readonly UintrFd _own;
    private readonly UintrFd _peer;
    private readonly UintrSender _sender;
    private readonly long _pollTicks;

    public UintrMechanism(Socket control, bool parent, TimeSpan spin, TimeSpan? pollFor = null)
    {
        _pollTicks = pollFor is not { } poll ? 0
            : poll == Timeout.InfiniteTimeSpan ? long.MaxValue
            : (long)(poll.TotalSeconds * Stopwatch.Frequency);
        _receiver = UintrReceiver.Register(static _ => { }, new UintrReceiverOptions { SpinDuration = spin });
        _own = _receiver.CreateFd(0);
        _peer = ExchangeFds(control, parent, _own);
        _sender = UintrSender.Register(_peer);
    }

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

    public override void Ping()
    {
        _sender.Send();
        WaitForPeer();
    }

    public override void Pong()
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
        _sender.Dispose();
        _peer.Dispose();
        _own.Dispose();
        _receiver.Dispose();
    }
}
