using UintrIpc.Idle;
using UintrIpc.Pipes;
using static UintrIpc.Channels.ChannelLayout;

namespace UintrIpc.Channels;

/// <summary>What a claim attempt found (docs/CHANNEL.md section 4).</summary>
internal enum ClaimOutcome
{
    Claimed,
    Full,
    ConsumerCompleted,
    ConsumerDead,
}

/// <summary>
/// Producer <c>slot</c> of a channel ring, docs/CHANNEL.md section 4: M1-M6 (with W at the
/// wrap and R1-R3 for a dead holder's lock), K1-K2, F2, Complete. Single-threaded: the
/// writer calls it under its own claim discipline.
/// </summary>
internal sealed unsafe class ChannelProducer(ChannelRing ring, int slot, Doorbell.Remote consumerData)
{
    private readonly ulong _lock = (ulong)(slot + 1) << LockShift;
    private ulong _head;            // the last head validated
    private ulong _claimAt;
    private uint _claimLength;
    private UintrException? _violation;

    /// <summary>Where the claimed payload starts in the data area.</summary>
    public byte* ClaimedPayload => ring.Data + (_claimAt & ring.Mask) + WordSize;

    /// <summary>M1-M6: claims a record of <paramref name="length"/> bytes if the ring has room for it now.</summary>
    public ClaimOutcome TryClaim(int length)
    {
        ThrowIfViolated();
        if (Volatile.Read(ref ring.ConsumerState) != ChannelLayout.ConsumerOpen)
            return Volatile.Read(ref ring.ConsumerState) == ConsumerCompleted ? ClaimOutcome.ConsumerCompleted : throw Fail("a consumer state that is neither OPEN nor COMPLETED");
        if (ring.IsConsumerDead)
            return ClaimOutcome.ConsumerDead;
        if (Volatile.Read(ref ring.SlotState(slot)) != SlotOpen)
            throw Fail($"this producer's slot {slot} was closed under it");
        ulong size = (ulong)ring.Size;
        ulong rec = RecordSize((ulong)length);
        ulong staleTail = ulong.MaxValue;
        for (int spins = 0; ; spins++)
        {
            ulong v = Volatile.Read(ref ring.Tail);                                       // M1
            ulong t = v & PositionMask;
            ulong holder = v >> LockShift;
            if ((t & (RecordAlign - 1)) != 0 || t < _head || holder > MaxProducers)
                throw Fail($"a tail of {t} (lock {holder}) against a head of {_head}");
            if (holder != 0)
            {
                if (ring.IsSlotDead((int)holder - 1))
                    Recover(v, t);
                else
                    Backoff(spins);
                continue;
            }
            ulong offset = t & ring.Mask;
            bool pad = offset + rec > size;
            ulong need = pad ? size - offset : rec;
            // M2. The head this producer knows of may be far behind: other producers' claims
            // moved tail since. A tail more than the ring ahead of the head read after it is
            // impossible, and so is a head past a tail that did not move.
            if (t + need + WordSize > _head + size)
            {
                ulong h = Volatile.Read(ref ring.Head);
                if ((h & (RecordAlign - 1)) != 0 || h < _head)
                    throw Fail($"a head of {h} after one of {_head}");
                if (h > t)
                {
                    if (v == staleTail)
                        throw Fail($"a head of {h} past the tail of {t}");
                    staleTail = v;
                    continue;
                }
                if (t - h > size)
                    throw Fail($"a tail of {t} more than the ring ahead of the head of {h}");
                _head = h;
                if (t + need + WordSize > h + size)
                    return ClaimOutcome.Full;
            }
            if (Interlocked.CompareExchange(ref ring.Tail, t | _lock, v) != v)             // M3
                continue;
            ring.RecordWord(t + need) = 0;                                                 // M4 the guard
            Volatile.Write(ref ring.RecordWord(t), pad ? Word(KindPadding, 0, (uint)need) : Word(KindClaimed, slot, (uint)length)); // M5
            Volatile.Write(ref ring.Tail, t + need);                                       // M6
            if (pad)
                continue;                                                                  // W: the record at offset 0 next
            _claimAt = t;
            _claimLength = (uint)length;
            return ClaimOutcome.Claimed;
        }
    }

    /// <summary>K1-K2: publishes the claimed record and rings the consumer's data doorbell.</summary>
    public void Commit()
    {
        Interlocked.Exchange(ref ring.RecordWord(_claimAt), Word(KindCommitted, slot, _claimLength));
        consumerData.Post();
    }

    /// <summary>F2: asks the consumer for a space post at its next release.</summary>
    public void WantSpace() => Interlocked.Or(ref ring.SpaceWanted, 1u << slot);

    /// <summary>Ends this producer's slot (COMPLETED, or ABORTED) and rings the consumer.</summary>
    public void Complete(bool aborted)
    {
        Interlocked.Exchange(ref ring.SlotState(slot), aborted ? SlotAborted : SlotCompleted);
        consumerData.Post();
    }

    /// <summary>R1-R3: takes the lock of a dead holder and moves tail past what its record word shows it claimed.</summary>
    private void Recover(ulong v, ulong t)
    {
        if (Interlocked.CompareExchange(ref ring.Tail, t | _lock, v) != v)                // R1
            return;
        ulong w = Volatile.Read(ref ring.RecordWord(t));                                   // R2
        ulong offset = t & ring.Mask;
        ulong end = t;
        if (w != 0)
        {
            ulong kind = KindOf(w);
            uint length = LengthOf(w);
            if (kind == KindClaimed && (w & ReservedBits) == 0 && SlotOf(w) == (int)(v >> LockShift) - 1
                && length <= (uint)MaxMessage(ring.Size) && offset + RecordSize(length) <= (ulong)ring.Size)
                end = t + RecordSize(length);
            else if (kind == KindPadding && (w & ~(KindPadding << KindShift)) == (ulong)ring.Size - offset)
                end = t + ((ulong)ring.Size - offset);
            else
            {
                Volatile.Write(ref ring.Tail, t);   // give the lock back before failing
                throw Fail($"the record word {w:X16} under a dead producer's lock");
            }
        }
        Volatile.Write(ref ring.Tail, end);                                                // R3
    }

    /// <summary>A live holder finishes in three stores unless it is descheduled: pause, then yield.</summary>
    private static void Backoff(int spins)
    {
        if (spins < 64)
            CpuPause.Once();
        else
            Thread.Yield();
    }

    private void ThrowIfViolated()
    {
        if (_violation is not null)
            throw _violation;
    }

    private UintrException Fail(string what) => _violation ??= ChannelViolation.Of(what);
}
