namespace UintrIpc.Bench.Micro;

/// <summary>
/// An in-process receiver with vectors 0..<c>vectors-1</c>, and a sender registered on the highest
/// of them. Nobody waits, so the pages stay RUNNING (SN set): posts never make a system call.
/// </summary>
internal sealed class ReceiverFixture : IDisposable
{
    private static readonly UintrHandler IgnoreVector = static _ => { };

    private readonly UintrFd[] _fds;

    public ReceiverFixture(int vectors, UintrReceiverOptions? options = null)
    {
        Receiver = UintrReceiver.Register(IgnoreVector, options);
        _fds = new UintrFd[vectors];
        for (int v = 0; v < vectors; v++)
            _fds[v] = Receiver.CreateFd(v);
        Sender = UintrSender.Register(_fds[^1]);
    }

    public UintrReceiver Receiver { get; }

    public UintrSender Sender { get; }

    /// <summary>The descriptor of the vector <see cref="Sender"/> posts.</summary>
    public UintrFd SenderFd => _fds[^1];

    public void Dispose()
    {
        Sender.Dispose();
        foreach (UintrFd fd in _fds)
            fd.Dispose();
        Receiver.Dispose();
    }
}
