using System.Threading.Channels;
using UintrIpc.Channels;
using UintrIpc.Interop;
using UintrIpc.Liveness;
using UintrIpc.Pipes;

namespace UintrIpc;

/// <summary>
/// The writing side of one direction of a <see cref="UintrChannel"/>: a producer of the ring
/// (docs/CHANNEL.md section 4). Messages are claimed in the ring's own memory and committed.
/// </summary>
/// <remarks>
/// One claim at a time: <see cref="TryClaim"/>, write the payload, <see cref="Commit"/>. The
/// writer is meant for one thread at a time (as a <see cref="System.IO.Pipelines.PipeWriter"/>);
/// several writers in several processes may feed one reader (docs/CHANNEL.md section 8).
/// </remarks>
public sealed class UintrChannelWriter
{
    private readonly ChannelRing _ring;
    private readonly RingEnd _end;
    private readonly ChannelProducer _producer;
    private readonly int _maxMessage;
    private bool _claimed;
    private bool _completed;

    internal UintrChannelWriter(ChannelRing ring, int slot, Doorbell space, Doorbell.Remote consumerData, PeerLiveness consumer)
    {
        _ring = ring;
        _end = new RingEnd(ring.Ring, space, consumer, nameof(UintrChannel));
        _producer = new ChannelProducer(ring, slot, consumerData);
        _maxMessage = ChannelLayout.MaxMessage(ring.Size);
    }

    /// <summary>
    /// Claims room for a message of <paramref name="length"/> bytes in the ring and returns it
    /// as <paramref name="payload"/>, to be filled and then published with <see cref="Commit"/>;
    /// false (and an empty span) when the ring has no room for it now.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or above half the ring.</exception>
    /// <exception cref="InvalidOperationException">A claim is already pending, or the writer completed.</exception>
    /// <exception cref="ChannelClosedException">The reader completed: nobody reads any more.</exception>
    /// <exception cref="UintrException">ESHUTDOWN: the reader's process died; EPROTO: the shared ring was corrupted.</exception>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    public bool TryClaim(int length, out Span<byte> payload)
    {
        payload = default;
        ObjectDisposedException.ThrowIf(_end.IsDisposed, typeof(UintrChannel));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _maxMessage);
        if (_claimed)
            throw new InvalidOperationException("A claim is pending: commit it before the next one.");
        if (_completed)
            throw new InvalidOperationException("The writer completed.");
        if (!Claim(length))
            return false;
        payload = ClaimedSpan(length);
        return true;
    }

    /// <summary>Publishes the message claimed by <see cref="TryClaim"/>: the reader gets it whole.</summary>
    /// <exception cref="InvalidOperationException">No claim is pending.</exception>
    public void Commit()
    {
        if (!_claimed)
            throw new InvalidOperationException("No claim is pending.");
        CommitCore();
    }

    /// <summary>Writes <paramref name="message"/> as one message, waiting while the ring is full.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The message is longer than half the ring.</exception>
    /// <exception cref="InvalidOperationException">A claim is pending, or the writer completed.</exception>
    /// <exception cref="ChannelClosedException">The reader completed.</exception>
    /// <exception cref="UintrException">ESHUTDOWN: the reader's process died; EPROTO: the shared ring was corrupted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for room: nothing was written.</exception>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        if (TryClaim(message.Length, out Span<byte> payload))
        {
            message.Span.CopyTo(payload);
            CommitCore();
            return default;
        }
        return WriteSlowAsync(message, cancellationToken);
    }

    /// <summary>
    /// Ends this writer's messages: the reader gets every committed message, then the end
    /// (with <paramref name="error"/>: <see cref="UintrException"/> ECONNRESET). A pending claim is committed first.
    /// </summary>
    public void Complete(Exception? error = null)
    {
        if (_completed || _end.IsDisposed)
            return;
        RingHold hold;
        try
        {
            hold = _end.Enter();
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        try
        {
            if (_claimed)
                CommitCore();
            _completed = true;
            _producer.Complete(aborted: error is not null);
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    /// <summary>Called by the channel's Dispose: completes, then fails every later call and a pending wait.</summary>
    internal void Close()
    {
        Complete();
        _end.Close();
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask WriteSlowAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _producer.WantSpace();                                        // F2, then F3 is the claim
            if (Claim(message.Length))
            {
                message.Span.CopyTo(ClaimedSpan(message.Length));
                CommitCore();
                return;
            }
            if (!_end.SpinUntilChanged(ref _ring.Head, Volatile.Read(ref _ring.Head), ref _ring.ConsumerState))
                await _end.WaitAsync(cancellationToken).ConfigureAwait(false);   // F4
        }
    }

    /// <summary>M1-M6 under a hold of the ring; on success the payload's memory is lent until the commit.</summary>
    private bool Claim(int length)
    {
        if (_completed)
            throw new InvalidOperationException("The writer completed.");
        RingHold hold = _end.Enter();
        try
        {
            switch (_producer.TryClaim(length))
            {
                case ClaimOutcome.Claimed:
                    _end.LendData();
                    _claimed = true;
                    return true;
                case ClaimOutcome.Full:
                    return false;
                case ClaimOutcome.ConsumerCompleted:
                    throw new ChannelClosedException("The channel's reader completed.");
                default:
                    throw new UintrException(Errno.ESHUTDOWN, "The channel's reader died.");
            }
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    private unsafe Span<byte> ClaimedSpan(int length) => new(_producer.ClaimedPayload, length);

    private void CommitCore()
    {
        _ring.Ring.ReturnData(); // first: after a Dispose the call fails, but the memory is back all the same
        RingHold hold = _end.Enter();
        try
        {
            _claimed = false;
            _producer.Commit();
        }
        finally
        {
            _end.Exit(hold);
        }
    }
}
