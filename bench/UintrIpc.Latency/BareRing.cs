using System.Runtime.Intrinsics.X86;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>
/// One direction of the diagnostic rings on a shared page: a producer position and a consumer
/// position in lines of their own and a 1 KiB data area, published and freed with a full
/// barrier each, the producer claiming the next line after a publish and the consumer
/// prefetching the new bytes once it sees them, as a UintrPipe does
/// (docs/PIPE.md section 4). No validation, no doorbell, no guard: what the library adds to it
/// is what <c>ring-spin</c> and <c>ring-pipelines</c> leave out.
/// </summary>
internal sealed unsafe class BareRing(byte* page, int index)
{
    public const int DataSize = 1024;

    private readonly long* _tail = (long*)(page + (index * 256));
    private readonly long* _head = (long*)(page + (index * 256) + 128);
    private readonly byte* _data = page + 1024 + (index * DataSize);

    /// <summary>The parent's output and input rings, or the child's (the same two, swapped).</summary>
    public static (BareRing Output, BareRing Input) Pair(SharedPage page, bool parent)
    {
        var toChild = new BareRing(page.Address, 0);
        var toParent = new BareRing(page.Address, 1);
        return parent ? (toChild, toParent) : (toParent, toChild);
    }

    public long Tail => Volatile.Read(ref *_tail);

    /// <summary>The data area from <paramref name="position"/>, at most to its end.</summary>
    public Span<byte> Span(long position, int length) => new(_data + Offset(position), length);

    /// <summary>The whole data area, for a reader's segments.</summary>
    public byte* Data => _data;

    public static int Offset(long position) => (int)(position & (DataSize - 1));

    public void Publish(long tail)
    {
        Interlocked.Exchange(ref *_tail, tail);
        _data[Offset(tail)] = 0;
    }

    public void Free(long head) => Interlocked.Exchange(ref *_head, head);

    /// <summary>Starts fetching the line at <paramref name="position"/>, as a UintrPipe reader does once it sees new bytes.</summary>
    public void Prefetch(long position)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(_data + Offset(position));
    }

    public static void Pause()
    {
        if (X86Base.IsSupported)
            X86Base.Pause();
    }
}
