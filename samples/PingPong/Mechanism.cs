using System.Net.Sockets;
using UintrIpc;

namespace PingPong;

/// <summary>One way for two processes to signal each other, set up over the control socket.</summary>
internal abstract class Mechanism : IDisposable
{
    /// <summary>Parent side of one round trip: signal the child, wait for its answer.</summary>
    public abstract void Ping();

    /// <summary>Child side of one round trip: wait for the parent, answer.</summary>
    public abstract void Pong();

    public abstract void Dispose();
}

/// <summary>Two receivers, one per process; each sends to the other's vector.</summary>
internal sealed class UintrMechanism : Mechanism
{
    private static readonly TimeSpan LostWakeup = TimeSpan.FromSeconds(10);
    private readonly UintrReceiver _receiver;
    private readonly UintrFd _own;
    private readonly UintrFd _peer;
    private readonly UintrSender _sender;

    public UintrMechanism(Socket control, bool parent, TimeSpan spin, int vector)
    {
        _receiver = UintrReceiver.Register(static _ => { }, new UintrReceiverOptions { SpinDuration = spin });
        _own = _receiver.CreateFd(vector);
        // The parent sends first and the child receives first, so neither waits on the other.
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

    public UintrMode Mode => _receiver.Mode;

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
        if (!_receiver.Wait(LostWakeup))
            throw new TimeoutException($"No interrupt within {LostWakeup.TotalSeconds} s: a lost wake-up.");
    }

    public override void Dispose()
    {
        _sender.Dispose();
        _peer.Dispose();
        _own.Dispose();
        _receiver.Dispose();
    }
}

/// <summary>Two eventfds made by the parent and passed to the child: blocking reads or busy polling.</summary>
internal sealed class EventfdMechanism : Mechanism
{
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _toChild;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _toParent;
    private readonly bool _busyPoll;

    public EventfdMechanism(Socket control, bool parent, bool busyPoll)
    {
        _busyPoll = busyPoll;
        if (parent)
        {
            _toChild = Native.Eventfd(busyPoll);
            _toParent = Native.Eventfd(busyPoll);
            control.SendFileDescriptor(_toChild);
            control.SendFileDescriptor(_toParent);
        }
        else
        {
            _toChild = control.ReceiveFileDescriptor();
            _toParent = control.ReceiveFileDescriptor();
        }
    }

    public override void Ping()
    {
        Native.Signal(_toChild);
        Native.Await(_toParent, _busyPoll);
    }

    public override void Pong()
    {
        Native.Await(_toChild, _busyPoll);
        Native.Signal(_toParent);
    }

    public override void Dispose()
    {
        _toChild.Dispose();
        _toParent.Dispose();
    }
}
