using System.Buffers;

namespace UintrIpc.Pipes;

/// <summary>
/// A segment of a read buffer. Its <see cref="ReadOnlySequenceSegment{T}.RunningIndex"/> is the
/// absolute stream position of its first byte, so a <see cref="SequencePosition"/> in it maps
/// back to a ring position with one addition. The reader reuses two of them.
/// </summary>
internal sealed class RingSegment : ReadOnlySequenceSegment<byte>
{
    public void Set(ReadOnlyMemory<byte> memory, ulong position, RingSegment? next)
    {
        Memory = memory;
        RunningIndex = (long)position;
        Next = next;
    }
}
