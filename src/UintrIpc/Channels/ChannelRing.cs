using UintrIpc.Pipes;
using static UintrIpc.Channels.ChannelLayout;

namespace UintrIpc.Channels;

/// <summary>
/// A mapped channel ring (docs/CHANNEL.md section 2): the shared header words and the record
/// words of the data area, over the pipe's <see cref="Ring"/> mapping (guard pages, holds, loans).
/// </summary>
internal sealed unsafe class ChannelRing(Ring ring)
{
    private readonly byte* _header = ring.Header;

    public Ring Ring => ring;

    public int Size => ring.Size;

    public ulong Mask => ring.Mask;

    public byte* Data => ring.Data;

    public ref ulong Tail => ref Word<ulong>(TailOffset);
    public ref ulong Head => ref Word<ulong>(HeadOffset);
    public ref uint SpaceWanted => ref Word<uint>(SpaceWantedOffset);
    public ref uint ConsumerState => ref Word<uint>(ConsumerStateOffset);
    public ref uint ConsumerOwner => ref Word<uint>(ConsumerOwnerOffset);

    public ref uint SlotOwner(int slot) => ref Word<uint>(SlotOwnerOffset(slot));

    public ref uint SlotState(int slot) => ref Word<uint>(SlotStateOffset(slot));

    /// <summary>The word at <paramref name="position"/> of the data area (a record word, or the guard).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref ulong RecordWord(ulong position) => ref Unsafe.AsRef<ulong>(Data + (position & Mask));

    public bool IsSlotDead(int slot) => Liveness.OwnerWord.IsDead(Volatile.Read(ref SlotOwner(slot)));

    public bool IsConsumerDead => Liveness.OwnerWord.IsDead(Volatile.Read(ref ConsumerOwner));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref T Word<T>(int offset) where T : unmanaged => ref Unsafe.AsRef<T>(_header + offset);
}
