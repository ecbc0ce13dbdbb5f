using System.Buffers;

namespace UintrIpc.Pipes;

/// <summary>
/// The data area of a mapped ring as a <see cref="MemoryManager{T}"/>, so that the reader and
/// writer hand out <see cref="Memory{T}"/> slices of the shared memory itself.
/// </summary>
internal sealed unsafe class RingMemory(byte* data, int length) : MemoryManager<byte>
{
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
