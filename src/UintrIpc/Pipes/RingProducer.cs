using UintrIpc.Interop;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>
/// The producer's half of the ring protocol (docs/PIPE.md sections 4 and 6): P2-P3, F1-F3 and
/// K1-K2, with every value read from the header validated. Single-threaded: one writer.
/// </summary>
internal sealed class RingProducer(Ring ring, Doorbell.Remote data)
{
    private ulong _tail;            // own position; never read back from the header
    private ulong _head;            // the last validated consumer position
    private bool _consumerCompleted;
    private string? _violation;

    public ulong TailPosition => _tail;

    public bool ConsumerCompleted => _consumerCompleted;

    /// <summary>Free bytes as of the last <see cref="Look"/>.</summary>
    public long Free => ring.Size - (long)(_tail - _head);

    /// <summary>F1/F3: reads and validates the consumer's position and state.</summary>
    /// <exception cref="UintrException">EPROTO: the consumer broke the protocol (now or before).</exception>
    public void Look()
    {
        LookState();
        ulong head = Volatile.Read(ref ring.Head);
        if (head < _head || head > _tail)
            FailLook(head);
        _head = head;
    }

    /// <summary>F1's state half alone: what a flush with nothing left to write reports.</summary>
    public void LookState()
    {
        ThrowIfViolated();
        uint state = Volatile.Read(ref ring.ConsumerState);
        if (state > StateCompleted || (_consumerCompleted && state != StateCompleted))
            FailState(state);
        _consumerCompleted = state == StateCompleted;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailState(uint state) => Fail($"consumer state {state}");

    /// <summary>Names the check that <see cref="Look"/> saw fail; apart from it, as in <see cref="RingConsumer"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailLook(ulong head)
    {
        if (head < _head)
            Fail($"the consumer position went back from {_head} to {head}");
        Fail($"the consumer position {head} is past the producer position {_tail}");
    }

    /// <summary>EPROTO when a violation was seen before: every call after the first fails.</summary>
    public void ThrowIfViolated()
    {
        if (_violation is not null)
            throw Violation();
    }

    /// <summary>F2: tells the consumer that the producer may sleep for space; then <see cref="Look"/> again (F3).</summary>
    public void WantSpace() => Interlocked.Exchange(ref ring.SpaceWanted, 1);

    /// <summary>P2-P3: publishes <paramref name="count"/> bytes already copied in at the producer position.</summary>
    public void Publish(int count)
    {
        _tail += (ulong)count;
        Interlocked.Exchange(ref ring.Tail, _tail); // a full barrier before S3's load (PIPE.md 4, note 1)
        data.Post();
        ClaimNextLine();
    }

    /// <summary>
    /// Stores into the free byte at the producer position, so that the line the next publish
    /// starts in is fetched for writing now, while the consumer reads this one (PIPE.md 4, note 5).
    /// </summary>
    private unsafe void ClaimNextLine()
    {
        if (_tail - _head < (ulong)ring.Size)
            ring.Data[_tail & ring.Mask] = 0;
    }

    /// <summary>K1-K2.</summary>
    public void Complete(bool aborted)
    {
        Interlocked.Exchange(ref ring.ProducerState, aborted ? StateAborted : StateCompleted);
        data.Post();
    }

    private void Fail(string what)
    {
        _violation = what;
        throw Violation();
    }

    private UintrException Violation() => new(Errno.EPROTO, $"The pipe's peer broke the ring protocol: {_violation}.");
}
