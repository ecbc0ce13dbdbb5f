using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.Intrinsics.X86;
using UintrIpc.Interop;
using UintrIpc.Liveness;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>
/// The consumer end of a ring as a <see cref="PipeReader"/> (docs/PIPE.md sections 5 and 10):
/// buffers are the ring's own memory, one segment or two at the wrap, never an empty one.
/// </summary>
internal sealed class UintrPipeReader : PipeReader
{
    private readonly Ring _ring;
    private readonly RingEnd _end;
    private readonly RingConsumer _consumer;
    private readonly RingSegment _first;
    private readonly RingSegment _second;
    private ulong _examined;
    private ulong _bufferEnd;       // end of the last buffer handed out
    private bool _completed;

    public UintrPipeReader(Ring ring, Doorbell doorbell, Doorbell.Remote space, PeerLiveness peer)
    {
        _ring = ring;
        _end = new RingEnd(ring, doorbell, peer);
        _consumer = new RingConsumer(ring, space);
        _second = new RingSegment(ring.Memory.Memory, next: null);
        _first = new RingSegment(ring.Memory.Memory, _second);
    }

    public override bool TryRead(out ReadResult result)
    {
        Outcome outcome;
        RingHold hold = Enter();
        try
        {
            outcome = Decide(minimum: 0, anyUnconsumed: true);
        }
        finally
        {
            _end.Exit(hold);
        }
        result = outcome == Outcome.NotReady ? default : Result(outcome);
        return outcome != Outcome.NotReady;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        Read(0, cancellationToken);

    protected override ValueTask<ReadResult> ReadAtLeastAsyncCore(int minimumSize, CancellationToken cancellationToken) =>
        Read(minimumSize, cancellationToken);

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _ring.ReturnData(); // first: after a Dispose the call fails, but the buffer is back all the same
        RingHold hold = Enter();
        try
        {
            ulong head = _consumer.HeadPosition;
            ulong c = Resolve(consumed, head);
            ulong e = examined.Equals(consumed) ? c : Resolve(examined, head);
            if (c < head || c > _bufferEnd)
                throw new ArgumentOutOfRangeException(nameof(consumed), "The consumed position is outside the last buffer read.");
            if (e < c || e > _bufferEnd)
                throw new ArgumentOutOfRangeException(nameof(examined), "The examined position is before the consumed one or outside the last buffer read.");
            _examined = Math.Max(_examined, e);
            if (c > head)
                _consumer.Advance(c);
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    public override void CancelPendingRead() => _end.CancelPending();

    public override void Complete(Exception? exception = null)
    {
        _ring.ReturnData();
        CompleteCore();
    }

    /// <summary>Called by the pipe's Dispose: completes, then makes every later call and a pending wait fail; a buffer still out stays valid (Ring.TryLendData).</summary>
    internal void Close()
    {
        CompleteCore();
        _end.Close();
    }

    private void CompleteCore()
    {
        if (_completed || _end.IsDisposed)
            return;
        _completed = true;
        RingHold hold = _ring.Enter();
        if (hold == RingHold.None)
            return;
        try
        {
            _consumer.Complete();
        }
        finally
        {
            _ring.Exit(hold);
        }
    }

    /// <summary>
    /// A read whose data is there, or arrives within the spin, completes here without the async
    /// machinery: in a request/response exchange this is the whole of the reader's latency.
    /// Failures found on the way throw at once, as they do from <see cref="Pipe"/>'s reader.
    /// </summary>
    private ValueTask<ReadResult> Read(int minimum, CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested && ReadNow(minimum) is var outcome && outcome != Outcome.NotReady)
            return new(Result(outcome));
        return ReadSlowAsync(minimum, cancellationToken);
    }

    /// <summary>The data is there, or arrives within the spin.</summary>
    private Outcome ReadNow(int minimum)
    {
        RingHold hold = Enter();
        try
        {
            Outcome outcome = Decide(minimum, anyUnconsumed: false);
            return outcome == Outcome.NotReady && SpinForChange() ? Decide(minimum, anyUnconsumed: false) : outcome;
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    private async ValueTask<ReadResult> ReadSlowAsync(int minimum, CancellationToken cancellationToken)
    {
        RingHold hold = _end.EnterAcrossAwait();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (Decide(minimum, anyUnconsumed: false) is var outcome && outcome != Outcome.NotReady)
                    return Result(outcome);
                if (!SpinForChange())
                    await _end.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    /// <summary>
    /// Spins until the producer's position or state changes or a reason to look arises; false
    /// when the spin budget ran out. On a change it starts fetching the first new byte's line.
    /// </summary>
    private bool SpinForChange()
    {
        if (!_end.SpinUntilChanged(ref _ring.Tail, _consumer.TailPosition, ref _ring.ProducerState))
            return false;
        if (Volatile.Read(ref _ring.Tail) != _consumer.TailPosition)
            PrefetchNewBytes();
        return true;
    }

    /// <summary>
    /// Starts fetching the line at the last position seen, where the new bytes begin (PIPE.md
    /// section 5): the caller's first look at them otherwise waits for it only after this end's
    /// decision and the application's calls, one cache-line transfer in series with them. A
    /// hint, no access: the address is this
    /// end's own validated position inside the ring, and a prefetch never faults.
    /// </summary>
    private unsafe void PrefetchNewBytes()
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(_ring.Data + (_consumer.TailPosition & _ring.Mask));
    }

    /// <summary>
    /// C1-C2 and the decision: data enough (new since the last examined position, or
    /// <paramref name="minimum"/> bytes), cancelled, completed, aborted, or the peer dead.
    /// </summary>
    private Outcome Decide(int minimum, bool anyUnconsumed)
    {
        if (_end.IsDisposed)
            throw new ObjectDisposedException(nameof(UintrPipe));
        if (_completed)
            throw new InvalidOperationException("Reading is not allowed after the reader was completed.");
        if (_end.TakeCancelPending())
            return Outcome.Canceled;
        _consumer.Look();
        Outcome outcome = Judge(minimum, anyUnconsumed, peerDead: false);
        if (outcome != Outcome.NotReady || !PeerDead)
            return outcome;
        // The position again, after the death was seen: whatever the peer published before it died is in.
        _consumer.Look();
        return Judge(minimum, anyUnconsumed, peerDead: true);
    }

    private bool PeerDead => _end.Peer.IsDead || Liveness.OwnerWord.IsDead(Volatile.Read(ref _ring.ProducerOwner));

    private Outcome Judge(int minimum, bool anyUnconsumed, bool peerDead)
    {
        long available = _consumer.Available;
        uint state = _consumer.ProducerState;
        bool unexamined = _consumer.TailPosition > _examined;
        bool ready = anyUnconsumed ? available > 0 : minimum > 0 ? available >= minimum : unexamined;
        if (state == StateCompleted)
            return Outcome.Completed;
        if (ready)
            return Outcome.Data;
        if (state == StateAborted || peerDead)
        {
            // The stream ends in an error, but the bytes published before it are still data.
            if (unexamined)
                return Outcome.Data;
            throw state == StateAborted
                ? new UintrException(Errno.ECONNRESET, "The peer completed its output with an error.")
                : new UintrException(Errno.ESHUTDOWN, "The peer process has exited.");
        }
        return Outcome.NotReady;
    }

    /// <summary>
    /// The result for a decision, built once from this end's own positions (it reads no shared
    /// memory): a <see cref="ReadResult"/> is large, and every copy of it costs on this path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadResult Result(Outcome outcome)
    {
        return new(Unconsumed(), isCanceled: outcome == Outcome.Canceled, isCompleted: outcome == Outcome.Completed);
    }

    private enum Outcome
    {
        NotReady,
        Data,
        Completed,
        Canceled,
    }

    /// <summary>
    /// The unconsumed bytes as a sequence over the ring: within the first segment, or from it
    /// into the second at the wrap; never an empty segment.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySequence<byte> Unconsumed()
    {
        ulong head = _consumer.HeadPosition;
        ulong tail = _consumer.TailPosition;
        _bufferEnd = tail;
        if (tail == head)
            return ReadOnlySequence<byte>.Empty;
        _end.LendData();
        int offset = (int)(head & _ring.Mask);
        ulong lap = head - (ulong)offset;
        _first.MoveTo(lap);
        _second.MoveTo(lap + (ulong)_ring.Size);
        int end = offset + (int)(tail - head);
        return end <= _ring.Size
            ? new ReadOnlySequence<byte>(_first, offset, _first, end)
            : new ReadOnlySequence<byte>(_first, offset, _second, end - _ring.Size);
    }

    private ulong Resolve(SequencePosition position, ulong head)
    {
        object? segment = position.GetObject();
        if (segment is RingSegment ring && (ReferenceEquals(ring, _first) || ReferenceEquals(ring, _second)))
            return (ulong)(ring.RunningIndex + position.GetInteger());
        if (_bufferEnd == head && position.GetInteger() == 0)
            return head; // a position of the empty buffer
        throw new InvalidOperationException("The position does not come from the last buffer this reader returned.");
    }

    private RingHold Enter() => _end.Enter();
}
