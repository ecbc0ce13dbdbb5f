using System.Buffers;
using System.IO.Pipelines;
using UintrIpc.Interop;
using static UintrIpc.Pipes.RingDescriptor;

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
    private readonly RingSegment _first = new();
    private readonly RingSegment _second = new();
    private ulong _examined;
    private ulong _bufferEnd;       // end of the last buffer handed out
    private bool _completed;

    public UintrPipeReader(Ring ring, Doorbell doorbell, Doorbell.Remote space, PeerLiveness peer)
    {
        _ring = ring;
        _end = new RingEnd(ring, doorbell, peer);
        _consumer = new RingConsumer(ring, space);
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
        RingHold hold = Enter();
        try
        {
            ulong head = _consumer.HeadPosition;
            ulong c = Resolve(consumed, head);
            ulong e = Resolve(examined, head);
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
            _end.Exit(hold);
        }
    }

    /// <summary>Called by the pipe's Dispose: completes, then makes every later call and a pending wait fail.</summary>
    internal void Close()
    {
        Complete();
        _end.Close();
    }

    internal RingConsumer Consumer => _consumer;

    /// <summary>
    /// A read whose data is there, or arrives within the spin, completes here without the async
    /// machinery: in a request/response exchange this is the whole of the reader's latency.
    /// Failures found on the way throw at once, as they do from <see cref="Pipe"/>'s reader.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ValueTask<ReadResult> Read(int minimum, CancellationToken cancellationToken)
    {
        if (!cancellationToken.IsCancellationRequested && ReadNow(minimum) is var outcome && outcome != Outcome.NotReady)
            return new(Result(outcome));
        return ReadSlowAsync(minimum, cancellationToken);
    }

    /// <summary>The data is there, or arrives within the spin.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
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
        RingHold hold = Enter();
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

    /// <summary>Spins until the producer's position or state changes or a reason to look arises; false when the spin budget ran out.</summary>
    private bool SpinForChange() => _end.SpinUntilChanged(ref _ring.Tail, _consumer.TailPosition, ref _ring.ProducerState);

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
        // Before the position: whatever the peer published before it died is seen.
        bool dead = _end.Peer.IsDead || Liveness.OwnerWord.IsDead(Volatile.Read(ref _ring.ProducerOwner));
        _consumer.Look();
        long available = _consumer.Available;
        uint state = _consumer.ProducerState;
        bool unexamined = _consumer.TailPosition > _examined;
        bool ready = anyUnconsumed ? available > 0 : minimum > 0 ? available >= minimum : unexamined;
        if (state == StateCompleted)
            return Outcome.Completed;
        if (ready)
            return Outcome.Data;
        if (state == StateAborted || dead)
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
        RingSegment? end = SetSegments(out int endIndex);
        return new(end is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, 0, end, endIndex),
            isCanceled: outcome == Outcome.Canceled, isCompleted: outcome == Outcome.Completed);
    }

    private enum Outcome
    {
        NotReady,
        Data,
        Completed,
        Canceled,
    }

    /// <summary>
    /// Points the segments at the unconsumed bytes: one segment, or two at the wrap. Returns the
    /// last segment and, in <paramref name="endIndex"/>, the end within it; null when there are none.
    /// </summary>
    private RingSegment? SetSegments(out int endIndex)
    {
        ulong head = _consumer.HeadPosition;
        ulong tail = _consumer.TailPosition;
        _bufferEnd = tail;
        int length = (int)(tail - head);
        endIndex = 0;
        if (length == 0)
            return null;
        int offset = (int)(head & _ring.Mask);
        int first = Math.Min(length, _ring.Size - offset);
        Memory<byte> memory = _ring.Memory.Memory;
        if (first == length)
        {
            _first.Set(memory.Slice(offset, length), head, null);
            endIndex = length;
            return _first;
        }
        _second.Set(memory[..(length - first)], head + (ulong)first, null);
        _first.Set(memory.Slice(offset, first), head, _second);
        endIndex = length - first;
        return _second;
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
