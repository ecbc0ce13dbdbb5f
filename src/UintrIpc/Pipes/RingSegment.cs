using System.Buffers;

namespace UintrIpc.Pipes;

/// <summary>
/// A segment of a read buffer: the whole data area of the ring, of which a buffer shows a part.
/// Its <see cref="ReadOnlySequenceSegment{T}.RunningIndex"/> is the absolute stream position of
/// the data area's first byte in the current lap, so a <see cref="SequencePosition"/> in it maps
/// back to a ring position with one addition. The reader keeps two, the second one lap ahead,
/// and only moves their positions: a read stores no object reference (no GC write barrier).
/// </summary>
internal sealed class RingSegment : ReadOnlySequenceSegment<byte>
{
    public RingSegment(ReadOnlyMemory<byte> dataArea, RingSegment? next)
    {
        Memory = dataArea;
        Next = next;
    }

    public void MoveTo(ulong position) => RunningIndex = (long)position;
}
