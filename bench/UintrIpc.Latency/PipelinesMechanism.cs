using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace UintrIpc.Latency;

/// <summary>The two ends of a duplex pipe between the processes, and what closes them.</summary>
internal interface IPipeEnds : IDisposable
{
    PipeReader Input { get; }

    PipeWriter Output { get; }
}

/// <summary>
/// A 64-byte request/response over a duplex pipe, in the calls an application makes: Ping =
/// write 64 bytes, flush, read the 64-byte answer; Pong = read 64 bytes, write them back. A
/// write is GetSpan, Advance and FlushAsync, or one WriteAsync with <c>writeAsync</c>.
/// <typeparamref name="TEnds"/> is a struct, so each pipe gets its own compiled copy of these
/// calls (and its own profile for devirtualizing them), as in an application with one pipe type.
/// </summary>
internal sealed class PipelinesMechanism<TEnds>(TEnds ends, bool writeAsync = false) : Mechanism where TEnds : struct, IPipeEnds
{
    private const int MessageSize = 64;

    private readonly byte[] _message = new byte[MessageSize];

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
        ValueTask<FlushResult> flush;
        if (writeAsync)
        {
            flush = ends.Output.WriteAsync(_message);
        }
        else
        {
            _message.CopyTo(ends.Output.GetSpan(MessageSize));
            ends.Output.Advance(MessageSize);
            flush = ends.Output.FlushAsync();
        }
        if (!flush.IsCompletedSuccessfully)
            flush.AsTask().GetAwaiter().GetResult();
    }

    private void Receive()
    {
        ValueTask<ReadResult> read = ends.Input.ReadAtLeastAsync(MessageSize);
        ReadResult result = read.IsCompletedSuccessfully ? read.Result : read.AsTask().GetAwaiter().GetResult();
        if (result.Buffer.Length < MessageSize)
            throw new InvalidOperationException("The peer closed the pipe.");
        ReadOnlySequence<byte> message = result.Buffer.Slice(0, MessageSize);
        message.CopyTo(_message);
        ends.Input.AdvanceTo(message.End);
    }

    public override void Dispose() => ends.Dispose();
}

/// <summary>A <see cref="UintrPipe"/> between the processes: the parent connects, the child accepts over the control socket; reads wait with the pipe's own spin-then-sleep.</summary>
internal readonly struct UintrPipeEnds : IPipeEnds
{
    private readonly UintrPipe _pipe;

    public UintrPipeEnds(Socket control, bool parent, TimeSpan spin)
    {
        var options = new UintrPipeOptions { RingSize = 65536, SpinDuration = spin };
        _pipe = (parent ? control.ConnectUintrPipeAsync(options) : control.AcceptUintrPipeAsync(options)).AsTask().GetAwaiter().GetResult();
    }

    public PipeReader Input => _pipe.Input;

    public PipeWriter Output => _pipe.Output;

    public void Dispose() => _pipe.Dispose();
}
