using UintrIpc.Interop;
using static UintrIpc.Pipes.RingDescriptor;

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
        Memory = new RingMemory(Data, size);
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
    /// Keeps the mapping alive until <see cref="Exit"/>; <see cref="RingHold.None"/> once it is
    /// released. One caller at a time takes the slot: one compare-and-swap in, a plain store
    /// out, where the mapping's reference count would cost two of them (a pipe end makes four
    /// calls a message, all on the latency path). A second caller meanwhile (a Complete from
    /// another thread while a read waits) counts a reference on the mapping instead.
    /// </summary>
    public RingHold Enter()
    {
        if (Interlocked.CompareExchange(ref _slot, 1, 0) == 0)
        {
            if (Volatile.Read(ref _disposing) == 0)
                return RingHold.Slot;
            Exit(RingHold.Slot);
        }
        bool added = false;
        try
        {
            _mapping.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
        }
        return added ? RingHold.Reference : RingHold.None;
    }

    public void Exit(RingHold hold)
    {
        if (hold == RingHold.Reference)
        {
            _mapping.DangerousRelease();
        }
        else if (hold == RingHold.Slot)
        {
            // Dispose's process-wide barrier orders this store before its read of the slot, or
            // Dispose's flag before the read here: one of the two releases the mapping.
            Volatile.Write(ref _slot, 0);
            if (Volatile.Read(ref _disposing) != 0)
                _mapping.Dispose();
        }
    }

    /// <summary>Unmaps once no call is inside: now, or at the last <see cref="Exit"/>.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _disposing, 1);
        Interlocked.MemoryBarrierProcessWide();
        if (Volatile.Read(ref _slot) == 0)
            _mapping.Dispose();
    }

    private int _slot;        // 1 while a caller holds it (RingHold.Slot)
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

/// <summary>How a call keeps a <see cref="Ring"/> mapped: not at all (it is gone), by its one slot, or by a reference.</summary>
internal enum RingHold
{
    None,
    Slot,
    Reference,
}
