using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace UintrIpc.Latency;

/// <summary>
/// A <see cref="UintrPipe"/> between the two processes (the parent connects, the child accepts
/// over the control socket): Ping = write 64 bytes, flush, read the 64-byte answer; Pong = read
/// 64 bytes, write them back. The reads wait with the pipe's own spin-then-sleep.
/// </summary>
internal sealed class UintrPipeMechanism : Mechanism
{
    private const int MessageSize = 64;

    private readonly UintrPipe _pipe;
    private readonly byte[] _message = new byte[MessageSize];

    public UintrPipeMechanism(Socket control, bool parent, TimeSpan spin)
    {
        var options = new UintrPipeOptions { RingSize = 65536, SpinDuration = spin };
        _pipe = (parent ? control.ConnectUintrPipeAsync(options) : control.AcceptUintrPipeAsync(options)).AsTask().GetAwaiter().GetResult();
    }

    public override void Ping()
    {
        Send();
        Receive();
    }

    public override void Pong()
    {
        Receive();
        Send();
    }

    private void Send()
    {
        _message.CopyTo(_pipe.Output.GetSpan(MessageSize));
        _pipe.Output.Advance(MessageSize);
        ValueTask<FlushResult> flush = _pipe.Output.FlushAsync();
        if (!flush.IsCompletedSuccessfully)
            flush.AsTask().GetAwaiter().GetResult();
    }

    private void Receive()
    {
        ValueTask<ReadResult> read = _pipe.Input.ReadAtLeastAsync(MessageSize);
        ReadResult result = read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
        if (result.Buffer.Length < MessageSize)
            throw new InvalidOperationException("The peer closed the pipe.");
        ReadOnlySequence<byte> message = result.Buffer.Slice(0, MessageSize);
        message.CopyTo(_message);
        _pipe.Input.AdvanceTo(message.End);
    }

    public override void Dispose() => _pipe.Dispose();
}
