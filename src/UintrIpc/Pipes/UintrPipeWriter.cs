using System.IO.Pipelines;
using UintrIpc.Interop;
using UintrIpc.Liveness;

namespace UintrIpc.Pipes;

/// <summary>
/// The producer end of a ring as a <see cref="PipeWriter"/> (docs/PIPE.md sections 4 and 10):
/// <see cref="GetMemory"/> hands out ring memory where it is contiguous and a staging buffer
/// otherwise; <see cref="FlushAsync"/> publishes and waits for space while the ring is full.
/// </summary>
internal sealed class UintrPipeWriter : PipeWriter
{
    private const int MinimumStagingSize = 4096;

    private readonly Ring _ring;
    private readonly RingEnd _end;
    private readonly RingProducer _producer;
    private byte[] _staging = [];
    private int _stagedStart;       // staged bytes before this are already in the ring
    private int _stagedEnd;
    private int _ringWritten;       // advanced into the ring, not yet published
    private int _handedOut;         // bytes of the last GetMemory not yet advanced
    private bool _handedRing;       // whether that memory was ring memory
    private bool _completed;

    public UintrPipeWriter(Ring ring, Doorbell doorbell, Doorbell.Remote data, PeerLiveness peer)
    {
        _ring = ring;
        _end = new RingEnd(ring, doorbell, peer);
        _producer = new RingProducer(ring, data);
    }

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _ringWritten + (_stagedEnd - _stagedStart);

    public override Memory<byte> GetMemory(int sizeHint = 0) =>
        Reserve(sizeHint) is var offset && offset >= 0 ? _ring.Memory.Memory.Slice(offset, _handedOut) : _staging.AsMemory(_stagedEnd);

    // The span straight from the mapping: the Memory's own Span would go through the manager.
    public override unsafe Span<byte> GetSpan(int sizeHint = 0) =>
        Reserve(sizeHint) is var offset && offset >= 0 ? new Span<byte>(_ring.Data + offset, _handedOut) : _staging.AsSpan(_stagedEnd);

    /// <summary>
    /// Finds the memory a GetMemory/GetSpan hands out: the ring's offset, or -1 for the staging
    /// buffer (docs/PIPE.md section 10); its length is <see cref="_handedOut"/>. When the free
    /// space this end already knows of is enough, it touches no shared memory, so it does not
    /// hold the ring.
    /// </summary>
    private int Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        ThrowIfCompleted();
        _producer.ThrowIfViolated();
        int wanted = Math.Max(sizeHint, 1);
        if (_stagedEnd == _stagedStart)
        {
            int offset = (int)((_producer.TailPosition + (ulong)_ringWritten) & _ring.Mask);
            int contiguous = Contiguous(offset);
            if (contiguous < wanted)
            {
                // The consumer's position only now: its line is the one the consumer writes at every message.
                RingHold hold = Enter();
                try
                {
                    _producer.Look();
                }
                finally
                {
                    _end.Exit(hold);
                }
                contiguous = Contiguous(offset);
            }
            if (contiguous >= wanted)
            {
                _end.LendData();
                _handedRing = true;
                _handedOut = contiguous;
                return offset;
            }
        }
        EnsureStaging(Math.Max(wanted, MinimumStagingSize));
        if (_handedRing)
            _ring.ReturnData(); // the ring memory handed out before is given up with this call
        _handedRing = false;
        _handedOut = _staging.Length - _stagedEnd;
        return -1;
    }

    /// <summary>The free bytes known of from <paramref name="offset"/> (the write position) to the end of the free region or of the data area.</summary>
    private int Contiguous(int offset) => (int)Math.Min(_producer.Free - _ringWritten, _ring.Size - offset);

    public override void Advance(int bytes)
    {
        if (_handedRing)
            _ring.ReturnData(); // first: after a Dispose the call fails, but the memory is back all the same
        ThrowIfCompleted();
        if ((uint)bytes > (uint)_handedOut)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Advance goes past the memory GetMemory returned.");
        _handedOut -= bytes;
        if (_handedRing)
            _ringWritten += bytes;
        else
            _stagedEnd += bytes;
    }

    public override void CancelPendingFlush() => _end.CancelPending();

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        RingHold hold = Enter();
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            PublishWritten();
            if (_stagedEnd == _stagedStart)
            {
                // Only the consumer's state answers this flush; its position, the line the
                // consumer writes at every message, is read when the space known of runs short.
                _producer.LookState();
                return new(Finish(canceled: _end.TakeCancelPending()));
            }
            _producer.Look();
            if (_producer.ConsumerCompleted)
                return new(Finish(canceled: _end.TakeCancelPending()));
        }
        finally
        {
            _end.Exit(hold);
        }
        return FlushStagedAsync(cancellationToken);
    }

    /// <summary>
    /// Copies into the ring and publishes. A write that fits the free space this end already
    /// knows of, with nothing unflushed before it, completes here: one hold, no await, and no
    /// read of the consumer's position (the line the consumer writes at every message, so reading
    /// it costs a cache-line transfer on the message's way), as a flush with nothing staged.
    /// </summary>
    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ThrowIfCompleted();
        if (UnflushedBytes == 0 && source.Length <= _producer.Free && !cancellationToken.IsCancellationRequested)
            return new(WriteNow(source.Span));
        return WriteSlowAsync(source, cancellationToken);
    }

    private FlushResult WriteNow(ReadOnlySpan<byte> source)
    {
        RingHold hold = Enter();
        try
        {
            _producer.LookState();
            if (!_producer.ConsumerCompleted && !source.IsEmpty)
            {
                _ring.CopyIn(_producer.TailPosition, source);
                _producer.Publish(source.Length);
            }
            if (PeerDead)
                throw PeerExited();
            return Finish(canceled: _end.TakeCancelPending());
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    private async ValueTask<FlushResult> WriteSlowAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken)
    {
        if (UnflushedBytes > 0)
        {
            FlushResult flushed = await FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                Stage(source.Span); // nothing is lost: the next flush carries it
                return flushed;
            }
        }
        RingHold hold = _end.EnterAcrossAwait();
        try
        {
            while (!source.IsEmpty)
            {
                _producer.Look();
                if (_producer.ConsumerCompleted)
                    return Finish(canceled: false);
                int count = (int)Math.Min(_producer.Free, source.Length);
                if (count > 0)
                {
                    _ring.CopyIn(_producer.TailPosition, source.Span[..count]);
                    _producer.Publish(count);
                    source = source[count..];
                    continue;
                }
                if (!await WaitForSpaceAsync(source, cancellationToken).ConfigureAwait(false))
                    return new FlushResult(isCanceled: true, isCompleted: false);
            }
            return Finish(canceled: _end.TakeCancelPending());
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    public override void Complete(Exception? exception = null)
    {
        _ring.ReturnData();
        CompleteCore(exception);
    }

    private void CompleteCore(Exception? exception)
    {
        if (_completed || _end.IsDisposed)
            return;
        _completed = true;
        RingHold hold = _ring.Enter();
        if (hold == RingHold.None)
            return;
        try
        {
            PublishWritten();
            _producer.Look();
            // Staged bytes that fit now; CompleteAsync flushes everything first.
            int count = (int)Math.Min(_producer.Free, _stagedEnd - _stagedStart);
            if (count > 0 && !_producer.ConsumerCompleted)
            {
                _ring.CopyIn(_producer.TailPosition, _staging.AsSpan(_stagedStart, count));
                _producer.Publish(count);
            }
            _stagedStart = _stagedEnd = 0;
        }
        catch (UintrException)
        {
            // A protocol violation or a dead peer: the completion below still goes out.
        }
        finally
        {
            _producer.Complete(aborted: exception is not null);
            _ring.Exit(hold);
        }
    }

    public override async ValueTask CompleteAsync(Exception? exception = null)
    {
        if (exception is null && !_completed && !_end.IsDisposed)
        {
            try
            {
                await FlushAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is UintrException or OperationCanceledException)
            {
                // Complete below publishes what it can; the failure is the peer's to see.
            }
        }
        Complete(exception);
    }

    /// <summary>Called by the pipe's Dispose: completes, then makes every later call and a pending wait fail; memory still out stays valid (Ring.TryLendData).</summary>
    internal void Close()
    {
        CompleteCore(exception: null);
        _end.Close();
    }

    private bool PeerDead => _end.Peer.IsDead || Liveness.OwnerWord.IsDead(Volatile.Read(ref _ring.ConsumerOwner));

    /// <summary>
    /// Publishes what was advanced into the ring, then fails if the peer is dead: after the
    /// publish, so that the check is not on a message's way (bytes published to a dead peer are
    /// lost either way).
    /// </summary>
    private void PublishWritten()
    {
        if (_ringWritten > 0)
        {
            int count = _ringWritten;
            _ringWritten = 0;
            _handedOut = 0;
            _producer.Publish(count);
        }
        if (PeerDead)
            throw PeerExited();
    }

    private static UintrException PeerExited() => new(Errno.ESHUTDOWN, "The peer process has exited.");

    private async ValueTask<FlushResult> FlushStagedAsync(CancellationToken cancellationToken)
    {
        RingHold hold = _end.EnterAcrossAwait();
        try
        {
            while (_stagedEnd > _stagedStart)
            {
                _producer.Look();
                if (_producer.ConsumerCompleted)
                    break;
                int count = (int)Math.Min(_producer.Free, _stagedEnd - _stagedStart);
                if (count > 0)
                {
                    _ring.CopyIn(_producer.TailPosition, _staging.AsSpan(_stagedStart, count));
                    _stagedStart += count;
                    _producer.Publish(count);
                    continue;
                }
                if (!await WaitForSpaceAsync(ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false))
                    return new FlushResult(isCanceled: true, isCompleted: false);
            }
            return Finish(canceled: _end.TakeCancelPending());
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    /// <summary>
    /// F2-F4: waits until the ring has space or the consumer completed. False when
    /// <see cref="CancelPendingFlush"/> ended the wait. On cancellation <paramref name="unwritten"/>
    /// is staged first, so that no byte of a write is lost.
    /// </summary>
    private async ValueTask<bool> WaitForSpaceAsync(ReadOnlyMemory<byte> unwritten, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                _producer.WantSpace();
                _producer.Look();
                if (_producer.Free > 0 || _producer.ConsumerCompleted)
                    return true;
                if (_end.IsDisposed)
                    throw new ObjectDisposedException(nameof(UintrPipe));
                if (_end.TakeCancelPending())
                {
                    Stage(unwritten.Span);
                    return false;
                }
                if (PeerDead)
                    throw PeerExited();
                if (!SpinForChange())
                    await _end.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Stage(unwritten.Span);
            throw;
        }
    }

    /// <summary>Spins until the consumer's position or state changes or a reason to look arises; false when the spin budget ran out.</summary>
    private bool SpinForChange() => _end.SpinUntilChanged(ref _ring.Head, Volatile.Read(ref _ring.Head), ref _ring.ConsumerState);

    private FlushResult Finish(bool canceled)
    {
        if (_producer.ConsumerCompleted)
            _stagedStart = _stagedEnd = 0; // nobody will read them, as a Pipe discards after its reader completed
        else if (_stagedStart == _stagedEnd)
            _stagedStart = _stagedEnd = 0;
        return new FlushResult(canceled, _producer.ConsumerCompleted);
    }

    private void Stage(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return;
        EnsureStaging(bytes.Length);
        bytes.CopyTo(_staging.AsSpan(_stagedEnd));
        _stagedEnd += bytes.Length;
    }

    private void EnsureStaging(int more)
    {
        if (_staging.Length - _stagedEnd >= more)
            return;
        int live = _stagedEnd - _stagedStart;
        byte[] bigger = _staging.Length - live >= more ? _staging : new byte[Math.Max(_staging.Length * 2, live + more)];
        _staging.AsSpan(_stagedStart, live).CopyTo(bigger);
        _staging = bigger;
        _stagedStart = 0;
        _stagedEnd = live;
    }

    private void ThrowIfCompleted()
    {
        if (_end.IsDisposed)
            throw new ObjectDisposedException(nameof(UintrPipe));
        if (_completed)
            throw new InvalidOperationException("Writing is not allowed after the writer was completed.");
    }

    private RingHold Enter() => _end.Enter();
}
