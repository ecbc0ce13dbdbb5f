using UintrIpc.Interop;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>
/// The consumer's half of the ring protocol (docs/PIPE.md sections 5-6): C1-C2, A1-A2 and
/// Complete, with every value read from the header validated. Single-threaded: one reader.
/// </summary>
internal sealed class RingConsumer(Ring ring, Doorbell.Remote space)
{
    private ulong _head;            // own position; never read back from the header
    private ulong _tail;            // the last validated producer position
    private uint _producerState;    // latched: OPEN until COMPLETED or ABORTED is seen
    private string? _violation;

    public ulong HeadPosition => _head;

    public ulong TailPosition => _tail;

    public long Available => (long)(_tail - _head);

    public uint ProducerState => _producerState;

    /// <summary>C1-C2: reads the producer's state, then its position, and validates both.</summary>
    /// <exception cref="UintrException">EPROTO: the producer broke the protocol (now or before).</exception>
    public void Look()
    {
        if (_violation is not null)
            throw Violation();
        uint state = Volatile.Read(ref ring.ProducerState);
        ulong tail = Volatile.Read(ref ring.Tail);
        if (state > StateAborted || (_producerState != StateOpen && state != _producerState)
            || tail < _tail || tail - _head > (ulong)ring.Size)
            FailLook(state, tail);
        _producerState = state;
        _tail = tail;
    }

    /// <summary>
    /// Names the check that <see cref="Look"/> saw fail. Apart from it, because the formatting's
    /// locals gave <see cref="Look"/> a stack frame cleared on every call: 1 KiB of code, against
    /// 144 bytes without them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FailLook(uint state, ulong tail)
    {
        if (state > StateAborted || (_producerState != StateOpen && state != _producerState))
            Fail($"producer state {state} after {_producerState}");
        if (tail < _tail)
            Fail($"the producer position went back from {_tail} to {tail}");
        Fail($"the producer position {tail} is more than the ring ({ring.Size} bytes) ahead of {_head}");
    }

    /// <summary>A1-A2: frees everything before <paramref name="head"/> and posts "space" if the producer asked for it.</summary>
    public void Advance(ulong head)
    {
        _head = head;
        Interlocked.Exchange(ref ring.Head, head);
        if (Volatile.Read(ref ring.SpaceWanted) != 0 && Interlocked.Exchange(ref ring.SpaceWanted, 0) != 0)
            space.Post();
    }

    /// <summary>The consumer's Complete: the producer's flushes see it, and a sleeping one wakes.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref ring.ConsumerState, StateCompleted);
        space.Post();
    }

    private void Fail(string what)
    {
        _violation = what;
        throw Violation();
    }

    private UintrException Violation() => new(Errno.EPROTO, $"The pipe's peer broke the ring protocol: {_violation}.");
}
