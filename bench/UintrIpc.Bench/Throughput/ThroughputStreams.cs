using System.IO.Pipelines;
using System.IO.Pipes;
using System.Net.Sockets;

namespace UintrIpc.Bench.Throughput;

/// <summary>
/// The three pipelines the throughput mode compares, set up between parent (reader) and child
/// (writer) over the control socket: a UintrPipe, Pipelines over the Unix stream socket itself
/// (<see cref="NetworkStream"/>, the way .NET applications do it), and Pipelines over an anonymous pipe.
/// </summary>
internal sealed class ThroughputStreams(PipeReader? reader, PipeWriter? writer, IDisposable owner) : IDisposable
{
    public static readonly string[] Names = ["uintr-pipe", "unix-socket-pipe", "pipe-pipe"];

    public PipeReader Reader => reader ?? throw new InvalidOperationException("not the reading side");

    public PipeWriter Writer => writer ?? throw new InvalidOperationException("not the writing side");

    public static async Task<ThroughputStreams> OpenAsync(string name, Socket control, bool parent)
    {
        switch (name)
        {
            case "uintr-pipe":
                var options = new UintrPipeOptions { RingSize = 1 << 20 };
                UintrPipe pipe = parent ? await control.AcceptUintrPipeAsync(options) : await control.ConnectUintrPipeAsync(options);
                return new(parent ? pipe.Input : null, parent ? null : pipe.Output, pipe);
            case "unix-socket-pipe":
                var stream = new NetworkStream(control, ownsSocket: false);
                return new(parent ? PipeReader.Create(stream) : null, parent ? null : PipeWriter.Create(stream), stream);
            case "pipe-pipe":
                if (parent)
                {
                    var server = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
                    control.SendFileDescriptor(server.ClientSafePipeHandle);
                    server.DisposeLocalCopyOfClientHandle();
                    return new(PipeReader.Create(server), null, server);
                }
                var handle = control.ReceiveFileDescriptor();
                var client = new AnonymousPipeClientStream(PipeDirection.Out, new Microsoft.Win32.SafeHandles.SafePipeHandle(handle.DangerousGetHandle(), ownsHandle: true));
                handle.SetHandleAsInvalid(); // the pipe stream owns the descriptor now
                return new(null, PipeWriter.Create(client), client);
            default:
                throw new ArgumentException($"no throughput stream '{name}'");
        }
    }

    public void Dispose() => owner.Dispose();
}
