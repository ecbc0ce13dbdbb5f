using System.IO.Pipelines;
using UintrIpc.Interop;
using UintrIpc.Liveness;
using UintrIpc.Pipes;

namespace UintrIpc;

/// <summary>
/// A duplex byte stream between two ends, in one process or two, whose bytes never pass
/// through the kernel: two single-producer, single-consumer rings in sealed memfds with uintr
/// vectors as their "data" and "space" doorbells (docs/PIPE.md).
/// </summary>
/// <remarks>
/// <see cref="Input"/> hands out the ring's own memory (no copy); it stays valid until the next
/// <see cref="PipeReader.AdvanceTo(SequencePosition)"/> or <c>Complete</c>. Memory still handed out
/// when the pipe is disposed never faults: it reads zeros from then on (docs/PIPE.md section 10).
/// A peer that corrupts the shared positions makes the next call fail with
/// <see cref="UintrException"/> EPROTO; it can still rewrite bytes it has published, so a
/// consumer that does not trust its peer copies bytes out before it validates them.
/// </remarks>
public sealed class UintrPipe : IDuplexPipe, IDisposable, IAsyncDisposable
{
    private readonly Ring _inputRing;
    private readonly Ring _outputRing;
    private readonly Doorbell _inputBell;
    private readonly Doorbell _outputBell;
    private readonly Doorbell.Remote _peerData;
    private readonly Doorbell.Remote _peerSpace;
    private readonly UintrPipeReader _reader;
    private readonly UintrPipeWriter _writer;
    private readonly OwnedEnd? _owned;
    private int _disposed;

    private UintrPipe(Ring inputRing, Ring outputRing, Doorbell inputBell, Doorbell outputBell,
        UintrSender peerData, UintrSender peerSpace, PeerLiveness peer, OwnedEnd? owned)
    {
        _owned = owned;
        _inputRing = inputRing;
        _outputRing = outputRing;
        _inputBell = inputBell;
        _outputBell = outputBell;
        _peerData = new Doorbell.Remote(peerData, peer);
        _peerSpace = new Doorbell.Remote(peerSpace, peer);
        _reader = new UintrPipeReader(inputRing, inputBell, _peerSpace, peer);
        _writer = new UintrPipeWriter(outputRing, outputBell, _peerData, peer);
        peer.OnDeath(() =>
        {
            inputBell.Interrupt();
            outputBell.Interrupt();
        });
        owned?.WatchPeer(inputRing, outputRing, peer);
    }

    /// <summary>Reads what the other end writes.</summary>
    public PipeReader Input
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _reader;
        }
    }

    /// <summary>Writes what the other end reads.</summary>
    public PipeWriter Output
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _writer;
        }
    }

    internal Ring InputRing => _inputRing;

    internal Ring OutputRing => _outputRing;

    /// <summary>Two connected ends in this process: each one's <see cref="Output"/> feeds the other's <see cref="Input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Never: <see cref="UintrPipeOptions.RingSize"/> is checked when set.</exception>
    public static (UintrPipe First, UintrPipe Second) CreatePair(UintrPipeOptions? options = null)
    {
        int size = options?.RingSize ?? RingLayout.DefaultRingSize;
        TimeSpan spin = options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration;
        using var cleanup = new Cleanup();
        SafeFileDescriptorHandle firstToSecond = cleanup.Add(RingFile.Create(size));
        SafeFileDescriptorHandle secondToFirst = cleanup.Add(RingFile.Create(size));
        var first = Assemble(cleanup, inputRing: secondToFirst, outputRing: firstToSecond, size, spin);
        var second = Assemble(cleanup, inputRing: firstToSecond, outputRing: secondToFirst, size, spin);
        first.Connect(cleanup, second.InputFd, second.OutputFd);
        second.Connect(cleanup, first.InputFd, first.OutputFd);
        var pair = (first.Build(), second.Build());
        cleanup.Keep();
        return pair;
    }

    /// <summary>Maps the rings and creates the doorbells of one end; <see cref="Parts.Connect"/> adds the peer.</summary>
    internal static Parts Assemble(Cleanup cleanup, SafeFileDescriptorHandle inputRing, SafeFileDescriptorHandle outputRing, int size, TimeSpan spin) =>
        new(cleanup.Add(Ring.Map(inputRing, size)), cleanup.Add(Ring.Map(outputRing, size)),
            cleanup.Add(Doorbell.Create(spin)), cleanup.Add(Doorbell.Create(spin)));

    /// <summary>
    /// Completes both directions (the peer reads what was published, then the end) and releases
    /// everything; the address range under memory still handed out goes when it is given back.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _writer.Close();
        _reader.Close();
        _owned?.Dispose(); // after the final states are in the rings (PIPE.md section 9)
        _peerData.Dispose();
        _peerSpace.Dispose();
        _inputBell.Dispose();
        _outputBell.Dispose();
        _inputRing.Dispose();
        _outputRing.Dispose();
    }

    /// <summary>As <see cref="Dispose"/>, after flushing what the writer staged.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _disposed) == 0)
            await _writer.CompleteAsync().ConfigureAwait(false);
        Dispose();
    }

    /// <summary>The pieces of one end while it is being connected.</summary>
    internal sealed class Parts(Ring input, Ring output, Doorbell inputBell, Doorbell outputBell)
    {
        private UintrSender? _peerData;
        private UintrSender? _peerSpace;
        private OwnedEnd? _owned;

        public UintrFd InputFd => inputBell.Fd;

        public UintrFd OutputFd => outputBell.Fd;

        /// <summary>Registers senders of the peer's doorbells: its input's data vector, its output's space vector.</summary>
        public void Connect(Cleanup cleanup, UintrFd peerInputData, UintrFd peerOutputSpace)
        {
            _peerData = cleanup.Add(UintrSender.Register(peerInputData));
            _peerSpace = cleanup.Add(UintrSender.Register(peerOutputSpace));
        }

        /// <summary>
        /// Makes this end's owner words in both rings robust futexes of this process (PIPE.md
        /// section 9): the consumer word of the input ring, the producer word of the output ring.
        /// Only for an end whose peer is another process.
        /// </summary>
        public void ClaimOwnerWords(Cleanup cleanup, SafeFileDescriptorHandle inputRing, SafeFileDescriptorHandle outputRing) =>
            _owned = cleanup.Add(new OwnedEnd(
                Liveness.RobustKeeper.Claim(inputRing, RingLayout.ConsumerOwnerOffset),
                Liveness.RobustKeeper.Claim(outputRing, RingLayout.ProducerOwnerOffset)));

        public UintrPipe Build() => new(input, output, inputBell, outputBell,
            _peerData ?? throw new InvalidOperationException("Not connected."), _peerSpace!, new PeerLiveness(), _owned);
    }

    /// <summary>This end's two owner words, and the watches on the peer's two.</summary>
    internal sealed unsafe class OwnedEnd(Liveness.OwnedPage input, Liveness.OwnedPage output) : IDisposable
    {
        private IDisposable? _watchInput, _watchOutput;

        /// <summary>Wakes this end's waits when the kernel marks either of the peer's words dead.</summary>
        public void WatchPeer(Ring inputRing, Ring outputRing, PeerLiveness peer)
        {
            _watchInput = Liveness.PeerDeathWatcher.Watch((uint*)(inputRing.Header + RingLayout.ProducerOwnerOffset), peer.MarkDead);
            _watchOutput = Liveness.PeerDeathWatcher.Watch((uint*)(outputRing.Header + RingLayout.ConsumerOwnerOffset), peer.MarkDead);
        }

        public void Dispose()
        {
            _watchInput?.Dispose();   // before the rings are unmapped
            _watchOutput?.Dispose();
            input.Dispose();
            output.Dispose();
        }
    }

    /// <summary>Disposes, in reverse order, everything added unless <see cref="Keep"/> was called.</summary>
    internal sealed class Cleanup : IDisposable
    {
        private readonly List<IDisposable> _items = [];
        private bool _keep;

        public T Add<T>(T item) where T : IDisposable
        {
            _items.Add(item);
            return item;
        }

        public void Keep() => _keep = true;

        /// <summary>Disposes the items added so far that only setting up needed (ring descriptors, received fds).</summary>
        public void Dispose()
        {
            for (int i = _items.Count - 1; i >= 0; i--)
            {
                if (!_keep || _items[i] is SafeFileDescriptorHandle or ScratchFd)
                    _items[i].Dispose();
            }
        }
    }

    /// <summary>A descriptor only needed while connecting (a received uintr fd, once registered).</summary>
    internal sealed class ScratchFd(UintrFd fd) : IDisposable
    {
        public UintrFd Fd => fd;

        public void Dispose() => fd.Dispose();
    }
}
