using System.Buffers;
using UintrIpc.Interop;

namespace UintrIpc.Pipes;

/// <summary>
/// The data area of a mapped ring as a <see cref="MemoryManager{T}"/>, so that the reader and
/// writer hand out <see cref="Memory{T}"/> slices of the shared memory itself.
/// </summary>
internal sealed unsafe class RingMemory(SafeMappingHandle mapping, byte* data, int length) : MemoryManager<byte>
{
    /// <summary>
    /// The ring's mapping: referenced here so that a buffer the application still holds keeps it
    /// from being finalized (unmapped) under the buffer once the pipe is no longer reachable.
    /// </summary>
    public SafeMappingHandle Mapping => mapping;

    public override Span<byte> GetSpan() => new(data, length);

    // The memory is a mapping, never moved by the GC: pinning is a no-op.
    public override MemoryHandle Pin(int elementIndex = 0) => new(data + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
    }
}
