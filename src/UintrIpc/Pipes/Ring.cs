using UintrIpc.Interop;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>
/// One mapped ring: the shared header words and the data area. Every end's operation holds a
/// reference on the mapping (<see cref="Enter"/>), so disposal never unmaps under a running call.
/// </summary>
internal sealed unsafe class Ring : IDisposable
{
    private readonly SafeMappingHandle _mapping;
    private readonly byte* _header;

    private Ring(SafeMappingHandle mapping, int size)
    {
        _mapping = mapping;
        _header = mapping.Address + GuardSize;
        Data = _header + HeaderSize;
        Size = size;
        Memory = new RingMemory(mapping, Data, size);
    }

    public int Size { get; }

    public ulong Mask => (ulong)Size - 1;

    public byte* Data { get; }

    /// <summary>The data area as <see cref="Memory{T}"/>, for handing out segments without copying.</summary>
    public RingMemory Memory { get; }

    public ref ulong Tail => ref Word<ulong>(TailOffset);
    public ref ulong Head => ref Word<ulong>(HeadOffset);
    public ref uint ProducerState => ref Word<uint>(ProducerStateOffset);
    public ref uint ConsumerState => ref Word<uint>(ConsumerStateOffset);
    public ref uint SpaceWanted => ref Word<uint>(SpaceWantedOffset);
    public ref uint ProducerOwner => ref Word<uint>(ProducerOwnerOffset);
    public ref uint ConsumerOwner => ref Word<uint>(ConsumerOwnerOffset);

    /// <summary>The header page, for tests that play a hostile peer.</summary>
    internal byte* Header => _header;

    /// <summary>An inaccessible page on each side of the ring file's mapping.</summary>
    private const int GuardSize = 4096;

    /// <summary>
    /// Maps the whole ring file (header and data) shared and writable, between two inaccessible
    /// guard pages: an access outside the ring faults at once instead of touching a neighbour,
    /// so the hostile-peer tests would show any position the validation let through.
    /// </summary>
    public static Ring Map(SafeFileDescriptorHandle fd, int size)
    {
        ulong file = HeaderSize + (ulong)size;
        SafeMappingHandle mapping = SafeMappingHandle.Reserve(file + (2 * GuardSize));
        try
        {
            Errno.Check(Shim.MapSharedFixed(mapping.Address + GuardSize, fd, file), "mmap (ring)");
            return new Ring(mapping, size);
        }
        catch
        {
            mapping.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Keeps the mapping alive until <see cref="Exit"/>, for a call that ends on the thread that
    /// made it; <see cref="RingHold.None"/> once the ring is released. A message takes three such
    /// calls (read, AdvanceTo, flush), all on its way, so the thread that made the first one
    /// (the owner) enters with plain stores to a counter only it writes: no atomic instruction.
    /// <see cref="Dispose"/> pays instead, with a process-wide barrier between its flag and its
    /// look at the counter (the asymmetric form of Dekker's handshake). Any other thread takes
    /// the one slot with a compare-and-swap, or a reference on the mapping when the slot is taken.
    /// </summary>
    public RingHold Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = _owner;
        if (owner == me || (owner == 0 && Interlocked.CompareExchange(ref _owner, me, 0) == 0))
        {
            Volatile.Write(ref _ownerInside, _ownerInside + 1);
            if (Volatile.Read(ref _disposing) == 0)
                return RingHold.Owner;
            Exit(RingHold.Owner);
            return RingHold.None;
        }
        return EnterAcrossAwait();
    }

    /// <summary>As <see cref="Enter"/>, for a call that may end on another thread (one that awaits).</summary>
    public RingHold EnterAcrossAwait()
    {
        if (Interlocked.CompareExchange(ref _slot, 1, 0) == 0)
        {
            if (Volatile.Read(ref _disposing) == 0)
                return RingHold.Slot;
            Exit(RingHold.Slot);
        }
        return TryAddReference() ? RingHold.Reference : RingHold.None;
    }

    /// <summary>A reference on the mapping, which keeps it mapped until released; false once it is unmapped.</summary>
    private bool TryAddReference()
    {
        bool added = false;
        try
        {
            _mapping.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
        }
        return added;
    }

    /// <summary>Ends a hold taken by <see cref="Enter"/> or <see cref="EnterAcrossAwait"/>; the owner's, on every message's way, inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Exit(RingHold hold)
    {
        if (hold != RingHold.Owner)
        {
            ExitOther(hold);
            return;
        }
        Volatile.Write(ref _ownerInside, _ownerInside - 1);
        ReleaseIfDisposing();
    }

    private void ExitOther(RingHold hold)
    {
        switch (hold)
        {
            case RingHold.Slot:
                Volatile.Write(ref _slot, 0);
                ReleaseIfDisposing();
                break;
            case RingHold.Reference:
                _mapping.DangerousRelease();
                break;
        }
    }

    /// <summary>
    /// Marks the data area as lent: a buffer of it is out with the application (a read's result,
    /// <c>GetMemory</c>'s memory), and its addresses stay valid until <see cref="ReturnData"/>,
    /// even past <see cref="Dispose"/> (see <see cref="Retire"/>; docs/PIPE.md section 10).
    /// False when the ring is being released, and then nothing is lent. The same handshake as
    /// the owner's counter: the flag, then the look at <see cref="_disposing"/>, against the
    /// release's barrier between its flag and its look.
    /// </summary>
    public bool TryLendData()
    {
        Volatile.Write(ref _lent, 1);
        if (Volatile.Read(ref _disposing) == 0)
            return true;
        ReturnData();
        return false;
    }

    /// <summary>The application gave its buffer back: a ring already disposed is released now, if no call is inside.</summary>
    public void ReturnData()
    {
        Volatile.Write(ref _lent, 0);
        ReleaseIfDisposing();
    }

    /// <summary>Unmaps once no call is inside and no buffer is lent: now, or at the last <see cref="Exit"/> or <see cref="ReturnData"/>.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _disposing, 1);
        ReleaseIfUnheld();
    }

    /// <summary>The look after a party clears its hold or its loan: the last one out of a disposed ring releases it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReleaseIfDisposing()
    {
        if (Volatile.Read(ref _disposing) != 0)
            ReleaseIfUnheld();
    }

    /// <summary>
    /// Unmaps when neither the owner nor the slot holds the ring and no buffer is lent
    /// (references are the mapping's own count). The process-wide barrier makes every store to
    /// the counter, the slot and the lent flag made before it visible here, and makes every load
    /// of <see cref="_disposing"/> after it see the flag: an owner that read it clear has its
    /// count in by now, and one that enters later backs out. Every party that finds the flag set
    /// on its way out comes here after clearing its own hold, so the last one out finds the ring
    /// unheld. Unmapping twice is harmless.
    /// </summary>
    private void ReleaseIfUnheld()
    {
        Interlocked.MemoryBarrierProcessWide();
        if (Volatile.Read(ref _ownerInside) != 0 || Volatile.Read(ref _slot) != 0)
            return;
        if (Volatile.Read(ref _lent) == 0)
            _mapping.Dispose();
        else
            Retire();
    }

    /// <summary>
    /// A buffer is still out: the ring file's pages give way to private zero pages at the same
    /// addresses, so the file's memory goes now and the buffer stays readable and writable
    /// (showing zeros) instead of faulting; the address range goes when the buffer comes back,
    /// or with the mapping's finalizer. The reference keeps a concurrent unmap from running
    /// before the replacement (which must never land on addresses no longer ours). Should the
    /// replacement fail, the ring stays mapped until then instead.
    /// </summary>
    private void Retire()
    {
        if (!TryAddReference())
            return; // unmapped already, by the party that took the buffer back
        try
        {
            _ = Shim.MapPrivateZeroFixed(_header, HeaderSize + (ulong)Size);
        }
        finally
        {
            _mapping.DangerousRelease();
        }
    }

    private int _owner;           // the managed thread id of the owner; 0 until the first Enter
    private int _ownerInside;     // the owner's calls inside; written by the owner only
    private int _slot;            // 1 while another caller holds it (RingHold.Slot)
    private int _lent;            // 1 while a buffer of the data area is out (TryLendData)
    private int _disposing;

    /// <summary>Copies <paramref name="source"/> into the data area at <paramref name="position"/>, in two pieces at the wrap.</summary>
    public void CopyIn(ulong position, ReadOnlySpan<byte> source)
    {
        int offset = (int)(position & Mask);
        int first = Math.Min(source.Length, Size - offset);
        source[..first].CopyTo(new Span<byte>(Data + offset, first));
        source[first..].CopyTo(new Span<byte>(Data, source.Length - first));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref T Word<T>(int offset) where T : unmanaged => ref Unsafe.AsRef<T>(_header + offset);
}

/// <summary>How a call keeps a <see cref="Ring"/> mapped: not at all (it is gone), as the owner, by the one slot, or by a reference.</summary>
internal enum RingHold
{
    None,
    Owner,
    Slot,
    Reference,
}
