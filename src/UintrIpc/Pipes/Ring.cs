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

    /// <summary>Keeps the mapping alive until <see cref="Exit"/>; false once it is released.</summary>
    public bool Enter()
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

    public void Exit() => _mapping.DangerousRelease();

    /// <summary>Unmaps once no call is inside.</summary>
    public void Dispose() => _mapping.Dispose();

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
