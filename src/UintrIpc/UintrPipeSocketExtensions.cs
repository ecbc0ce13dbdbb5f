using System.Net.Sockets;
using UintrIpc.Interop;
using UintrIpc.Pipes;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc;

/// <summary>
/// Setting up a <see cref="UintrPipe"/> between two processes over a connected <c>AF_UNIX</c>
/// socket (docs/PIPE.md section 7): one side connects, the other accepts.
/// </summary>
/// <remarks>
/// The rings and doorbells travel as descriptor messages; after the call the socket is free
/// for other use: the pipe learns of the peer's death from the rings' owner words.
/// Failures: the <see cref="UintrException"/>s of descriptor passing (<see cref="UintrFdPassing"/>),
/// EPROTO for a ring that is not a valid fresh ring, every descriptor that arrived closed.
/// </remarks>
public static class UintrPipeSocketExtensions
{
    /// <summary>Connects a pipe: creates both rings (of this side's <see cref="UintrPipeOptions.RingSize"/>) and sends them.</summary>
    public static async ValueTask<UintrPipe> ConnectUintrPipeAsync(this Socket socket, UintrPipeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        int size = options?.RingSize ?? DefaultRingSize;
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        await PipeHandshake.ExchangeRolesAsync(socket, connecting: true, cancellationToken).ConfigureAwait(false);
        using var cleanup = new UintrPipe.Cleanup();
        SafeFileDescriptorHandle output = cleanup.Add(RingFile.Create(size));
        SafeFileDescriptorHandle input = cleanup.Add(RingFile.Create(size));
        UintrPipe.Parts parts = UintrPipe.Assemble(cleanup, input, output, size, spin);
        parts.ClaimOwnerWords(cleanup, input, output); // before the peer can see the rings
        await RingMessage.SendAsync(socket, output, ConnectorOutputRing, cancellationToken).ConfigureAwait(false);
        await RingMessage.SendAsync(socket, input, ConnectorInputRing, cancellationToken).ConfigureAwait(false);
        await socket.SendUintrFdAsync(parts.InputFd, cancellationToken).ConfigureAwait(false);
        await socket.SendUintrFdAsync(parts.OutputFd, cancellationToken).ConfigureAwait(false);
        UintrFd peerData = cleanup.Add(new UintrPipe.ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        UintrFd peerSpace = cleanup.Add(new UintrPipe.ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        return Finish(cleanup, parts, peerData, peerSpace);
    }

    /// <summary>Accepts a pipe that the peer connects with <see cref="ConnectUintrPipeAsync"/>; the ring size is the peer's.</summary>
    public static async ValueTask<UintrPipe> AcceptUintrPipeAsync(this Socket socket, UintrPipeOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(socket);
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        await PipeHandshake.ExchangeRolesAsync(socket, connecting: false, cancellationToken).ConfigureAwait(false);
        using var cleanup = new UintrPipe.Cleanup();
        SafeFileDescriptorHandle input = await ReceiveRingAsync(socket, cleanup, ConnectorOutputRing, cancellationToken).ConfigureAwait(false);
        SafeFileDescriptorHandle output = await ReceiveRingAsync(socket, cleanup, ConnectorInputRing, cancellationToken).ConfigureAwait(false);
        int size = RingFile.Validate(input);
        if (RingFile.Validate(output) != size)
            throw new UintrException(Errno.EPROTO, "The peer sent two rings of different sizes.");
        UintrFd peerData = cleanup.Add(new UintrPipe.ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        UintrFd peerSpace = cleanup.Add(new UintrPipe.ScratchFd(await socket.ReceiveUintrFdAsync(cancellationToken).ConfigureAwait(false))).Fd;
        UintrPipe.Parts parts = UintrPipe.Assemble(cleanup, input, output, size, spin);
        parts.ClaimOwnerWords(cleanup, input, output); // before the peer can see our doorbells
        await socket.SendUintrFdAsync(parts.InputFd, cancellationToken).ConfigureAwait(false);
        await socket.SendUintrFdAsync(parts.OutputFd, cancellationToken).ConfigureAwait(false);
        return Finish(cleanup, parts, peerData, peerSpace);
    }

    private static async ValueTask<SafeFileDescriptorHandle> ReceiveRingAsync(Socket socket, UintrPipe.Cleanup cleanup, int expected, CancellationToken cancellationToken)
    {
        var (ring, which) = await RingMessage.ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
        cleanup.Add(ring);
        if (which != expected)
            throw new UintrException(Errno.EPROTO, $"The peer sent ring {which} where ring {expected} was expected.");
        return ring;
    }

    private static UintrPipe Finish(UintrPipe.Cleanup cleanup, UintrPipe.Parts parts, UintrFd peerData, UintrFd peerSpace)
    {
        // The peer's death is in the rings' owner words (and in its doorbells' pages).
        parts.Connect(cleanup, peerData, peerSpace);
        UintrPipe pipe = parts.Build();
        cleanup.Keep();
        return pipe;
    }
}
