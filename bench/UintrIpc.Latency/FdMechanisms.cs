using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>Two eventfds made by the parent and passed to the child: blocking reads, or busy-polled non-blocking reads.</summary>
internal sealed class EventFdMechanism : Mechanism
{
    private readonly SafeFileHandle _toChild;
    private readonly SafeFileHandle _toParent;
    private readonly int _toChildFd;
    private readonly int _toParentFd;
    private readonly bool _busyPoll;

    public EventFdMechanism(Socket control, bool parent, bool busyPoll)
    {
        _busyPoll = busyPoll;
        if (parent)
        {
            _toChild = Descriptors.EventFd(busyPoll);
            _toParent = Descriptors.EventFd(busyPoll);
            control.SendFileDescriptor(_toChild);
            control.SendFileDescriptor(_toParent);
        }
        else
        {
            _toChild = control.ReceiveFileDescriptor();
            _toParent = control.ReceiveFileDescriptor();
        }
        _toChildFd = (int)_toChild.DangerousGetHandle();
        _toParentFd = (int)_toParent.DangerousGetHandle();
    }

    public override void Ping()
    {
        Descriptors.SignalEventFd(_toChildFd);
        Descriptors.AwaitEventFd(_toParentFd, _busyPoll);
    }

    public override void Pong()
    {
        Descriptors.AwaitEventFd(_toChildFd, _busyPoll);
        Descriptors.SignalEventFd(_toParentFd);
    }

    public override void Dispose()
    {
        _toChild.Dispose();
        _toParent.Dispose();
    }
}

/// <summary>Two pipes: the parent keeps the write end of one and the read end of the other, the child the opposite ends.</summary>
internal sealed class PipeMechanism : Mechanism
{
    private readonly SafeFileHandle _read;
    private readonly SafeFileHandle _write;
    private readonly int _readFd;
    private readonly int _writeFd;

    public PipeMechanism(Socket control, bool parent)
    {
        if (parent)
        {
            var toChild = Descriptors.Pipe();
            var toParent = Descriptors.Pipe();
            control.SendFileDescriptor(toChild.Read);
            control.SendFileDescriptor(toParent.Write);
            toChild.Read.Dispose(); // the child holds these ends now
            toParent.Write.Dispose();
            _write = toChild.Write;
            _read = toParent.Read;
        }
        else
        {
            _read = control.ReceiveFileDescriptor();
            _write = control.ReceiveFileDescriptor();
        }
        _readFd = (int)_read.DangerousGetHandle();
        _writeFd = (int)_write.DangerousGetHandle();
    }

    public override void Ping()
    {
        Descriptors.WriteByte(_writeFd);
        Descriptors.ReadByte(_readFd);
    }

    public override void Pong()
    {
        Descriptors.ReadByte(_readFd);
        Descriptors.WriteByte(_writeFd);
    }

    public override void Dispose()
    {
        _read.Dispose();
        _write.Dispose();
    }
}

/// <summary>An AF_UNIX stream socketpair: the parent keeps one end and passes the other; 1-byte send/recv.</summary>
internal sealed class UnixSocketMechanism : Mechanism
{
    private readonly SafeFileHandle _socket;
    private readonly int _fd;

    public UnixSocketMechanism(Socket control, bool parent)
    {
        _socket = ShareSocketPair(control, parent);
        _fd = (int)_socket.DangerousGetHandle();
    }

    /// <summary>This process's end of a socketpair the parent makes and passes one end of over <paramref name="control"/>.</summary>
    public static SafeFileHandle ShareSocketPair(Socket control, bool parent)
    {
        if (!parent)
            return control.ReceiveFileDescriptor();
        var (mine, theirs) = Descriptors.UnixSocketPair();
        control.SendFileDescriptor(theirs);
        theirs.Dispose();
        return mine;
    }

    public override void Ping()
    {
        Descriptors.SendByte(_fd);
        Descriptors.ReceiveByte(_fd);
    }

    public override void Pong()
    {
        Descriptors.ReceiveByte(_fd);
        Descriptors.SendByte(_fd);
    }

    public override void Dispose() => _socket.Dispose();
}
