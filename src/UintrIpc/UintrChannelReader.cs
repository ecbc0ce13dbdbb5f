using System.Threading.Channels;
using UintrIpc.Channels;
using UintrIpc.Liveness;
using UintrIpc.Pipes;

namespace UintrIpc;

/// <summary>
/// The reading side of one direction of a <see cref="UintrChannel"/>: the ring's one consumer
/// (docs/CHANNEL.md section 5). Each message is handed out as memory of the ring itself.
/// </summary>
/// <remarks>
/// A message stays valid until <see cref="Release"/> or the next read, which releases it; the
/// producer can still write a message it committed, so copy bytes out before validating them.
/// Reads are meant for one caller at a time. The end of the stream is
/// <see cref="ChannelClosedException"/> from <see cref="ReadAsync"/> (false from
/// <see cref="TryRead"/>, the end of <see cref="ReadAllAsync"/>); a writer that completed with an
/// error makes it <see cref="UintrException"/> ECONNRESET, a dead writer ESHUTDOWN.
/// </remarks>
public sealed class UintrChannelReader
{
    private readonly ChannelRing _ring;
    private readonly RingEnd _end;
    private readonly ChannelConsumer _consumer;
    private uint _notOpen;          // a state word that never leaves OPEN, for the spin
    private bool _leased;
    private bool _completed;

    internal UintrChannelReader(ChannelRing ring, Doorbell data, Doorbell.Remote?[] producerSpace)
    {
        _ring = ring;
        _end = new RingEnd(ring.Ring, data, new PeerLiveness(), nameof(UintrChannel));
        _consumer = new ChannelConsumer(ring, producerSpace);
    }

    /// <summary>The next message, waiting for one; it releases the message read before.</summary>
    /// <exception cref="ChannelClosedException">Every writer completed and every message was read.</exception>
    /// <exception cref="UintrException">ECONNRESET: a writer completed with an error; ESHUTDOWN: a writer died
    /// (after every message it committed); EPROTO: the shared ring was corrupted.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting: nothing was read.</exception>
    /// <exception cref="ObjectDisposedException">The channel is disposed.</exception>
    public ValueTask<ReadOnlyMemory<byte>> ReadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ReadOutcome outcome = ReadNow(out ReadOnlyMemory<byte> message, out Exception? end);
        return outcome switch
        {
            ReadOutcome.Message => new(message),
            ReadOutcome.End => throw end!,
            _ => ReadSlowAsync(cancellationToken),
        };
    }

    /// <summary>The next message if one is there now; false when none is, or at the end. It releases the message read before.</summary>
    public bool TryRead(out ReadOnlyMemory<byte> message) => ReadNow(out message, out _) == ReadOutcome.Message;

    /// <summary>Gives the last message back: its ring memory may be reused from now on.</summary>
    public void Release()
    {
        if (!_leased)
            return;
        _leased = false;
        _ring.Ring.ReturnData(); // first: after a Dispose the call fails, but the memory is back all the same
        RingHold hold = _end.Enter();
        try
        {
            _consumer.Release();
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    /// <summary>Every message until the end of the stream; each one is valid until the next is asked for.</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ReadOnlyMemory<byte> message;
            try
            {
                message = await ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                yield break;
            }
            yield return message;
        }
    }

    /// <summary>The reader reads no more: writers' next claims throw <see cref="ChannelClosedException"/>.</summary>
    internal void Complete()
    {
        if (_completed || _end.IsDisposed)
            return;
        _completed = true;
        if (_leased)
        {
            _leased = false;
            _ring.Ring.ReturnData();
        }
        RingHold hold = _ring.Ring.Enter();
        if (hold == RingHold.None)
            return;
        try
        {
            _consumer.Complete();
        }
        finally
        {
            _ring.Ring.Exit(hold);
        }
    }

    /// <summary>Called by the channel's Dispose: completes, then fails every later call and a pending wait.</summary>
    internal void Close()
    {
        Complete();
        _end.Close();
    }

    private ReadOutcome ReadNow(out ReadOnlyMemory<byte> message, out Exception? end)
    {
        Release();
        message = default;
        end = null;
        RingHold hold = _end.Enter();
        try
        {
            if (_completed)
                throw new InvalidOperationException("The reader completed.");
            ReadOutcome outcome = _consumer.TryRead(out int offset, out int length);
            if (outcome == ReadOutcome.Message)
            {
                _end.LendData();
                _leased = true;
                message = _ring.Ring.Memory.Memory.Slice(offset, length);
                return outcome;
            }
            if (_consumer.HasEnded(out Exception? error))
            {
                end = error ?? new ChannelClosedException();
                return ReadOutcome.End;
            }
            return ReadOutcome.Empty;
        }
        finally
        {
            _end.Exit(hold);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> ReadSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            PublishReleased();   // before waiting: a producer may wait for this room
            ulong seen = Volatile.Read(ref _consumer.NextWord);
            if (!_end.SpinUntilChanged(ref _consumer.NextWord, seen, ref _notOpen))
                await _end.WaitAsync(cancellationToken).ConfigureAwait(false);   // C3
            cancellationToken.ThrowIfCancellationRequested();
            ReadOutcome outcome = ReadNow(out ReadOnlyMemory<byte> message, out Exception? end);
            if (outcome == ReadOutcome.Message)
                return message;
            if (outcome == ReadOutcome.End)
                throw end!;
        }
    }

    private void PublishReleased()
    {
        RingHold hold = _end.Enter();
        try
        {
            _consumer.PublishReleased();
        }
        finally
        {
            _end.Exit(hold);
        }
    }
}
