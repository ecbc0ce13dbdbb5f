using UintrIpc.Interop;
using UintrIpc.Pipes;
using static UintrIpc.Channels.ChannelLayout;

namespace UintrIpc.Channels;

/// <summary>What the consumer found at its position (docs/CHANNEL.md section 5).</summary>
internal enum ReadOutcome
{
    Message,
    /// <summary>Nothing committed at the read position yet.</summary>
    Empty,
    /// <summary>Every producer ended and every committed message was read.</summary>
    End,
}

/// <summary>
/// The consumer of a channel ring, docs/CHANNEL.md section 5: C1-C2, the skip of a dead
/// producer's claim, A1-A2 with batched head updates, Complete. Single-threaded.
/// </summary>
internal sealed unsafe class ChannelConsumer(ChannelRing ring, Doorbell.Remote?[] producerSpace)
{
    private ulong _read;            // c: past the last record read
    private ulong _released;        // past the last record the application gave back
    private ulong _published;       // the head last published
    private UintrException? _violation;

    /// <summary>The record word at the read position, for a spin that waits for it to change.</summary>
    public ref ulong NextWord => ref ring.RecordWord(_read);

    /// <summary>C1: the next message, as an offset into the data area and a length; padding and dead producers' claims are passed.</summary>
    public ReadOutcome TryRead(out int offset, out int length)
    {
        if (_violation is not null)
            throw _violation;
        ulong size = (ulong)ring.Size;
        while (true)
        {
            ulong w = Volatile.Read(ref ring.RecordWord(_read));
            offset = 0;
            length = 0;
            if (w == 0)
                return ReadOutcome.Empty;
            ulong kind = KindOf(w);
            ulong at = _read & ring.Mask;
            if ((w & ReservedBits) != 0 || kind is 0 or > KindPadding)
                throw Fail($"the record word {w:X16} at {_read}");
            if (kind == KindPadding)
            {
                if ((w & ~(KindPadding << KindShift)) != size - at)
                    throw Fail($"padding of {LengthOf(w)} bytes at offset {at} (slot {SlotOf(w)})");
                _read += size - at;
                continue;
            }
            int slot = SlotOf(w);
            uint payload = LengthOf(w);
            ulong rec = RecordSize(payload);
            if (slot >= MaxProducers || Volatile.Read(ref ring.SlotState(slot)) is SlotFree
                || payload > (uint)MaxMessage(ring.Size) || at + rec > size)
                throw Fail($"a record of {payload} bytes from slot {slot} at offset {at}");
            if (kind == KindCommitted)
            {
                offset = (int)at + WordSize;
                length = (int)payload;
                _read += rec;
                return ReadOutcome.Message;
            }
            // CLAIMED: being written, unless its producer died; then the word again, after the death.
            if (!ring.IsSlotDead(slot) || Volatile.Read(ref ring.RecordWord(_read)) != w)
            {
                if (ring.IsSlotDead(slot))
                    continue;
                return ReadOutcome.Empty;
            }
            _read += rec; // the skip
        }
    }

    /// <summary>
    /// C2 after an Empty: whether every producer in use ended (and, read again after that, the
    /// word at the read position is still EMPTY); the end's error, if any, in <paramref name="error"/>.
    /// </summary>
    public bool HasEnded(out Exception? error)
    {
        bool aborted = false, died = false;
        error = null;
        for (int s = 0; s < MaxProducers; s++)
        {
            uint state = Volatile.Read(ref ring.SlotState(s));
            switch (state)
            {
                case SlotFree or SlotRefused:
                    continue;
                case SlotCompleted:
                    continue;
                case SlotAborted:
                    aborted = true;
                    continue;
                case SlotOpen when ring.IsSlotDead(s):
                    died = true;
                    continue;
                case SlotOpen:
                    return false;
                default:
                    throw Fail($"slot {s} in state {state}");
            }
        }
        if (Volatile.Read(ref ring.RecordWord(_read)) != 0)
            return false;
        error = aborted ? new UintrException(Errno.ECONNRESET, "The channel's producer completed with an error.")
            : died ? new UintrException(Errno.ESHUTDOWN, "The channel's producer died.")
            : null;
        return true;
    }

    /// <summary>The application gave back every record read so far; head is published in batches (A1-A2).</summary>
    public void Release()
    {
        _released = _read;
        if (_released - _published >= (ulong)ring.Size / 4 || Volatile.Read(ref ring.SpaceWanted) != 0)
            Publish();
    }

    /// <summary>Publishes what was released, if anything; before the consumer sleeps.</summary>
    public void PublishReleased()
    {
        if (_released != _published)
            Publish();
    }

    /// <summary>A1-A2.</summary>
    private void Publish()
    {
        Interlocked.Exchange(ref ring.Head, _released);
        _published = _released;
        if (Volatile.Read(ref ring.SpaceWanted) != 0)
            PostSpace(Interlocked.Exchange(ref ring.SpaceWanted, 0));
    }

    /// <summary>The consumer reads no more: producers' next claims see it.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref ring.ConsumerState, ConsumerCompleted);
        PostSpace(uint.MaxValue);
    }

    private void PostSpace(uint slots)
    {
        for (int s = 0; s < producerSpace.Length; s++)
        {
            if ((slots & (1u << s)) != 0)
                Volatile.Read(ref producerSpace[s])?.Post();
        }
    }

    private UintrException Fail(string what) => _violation ??= ChannelViolation.Of(what);
}
