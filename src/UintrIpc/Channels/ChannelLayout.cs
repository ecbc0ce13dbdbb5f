namespace UintrIpc.Channels;

/// <summary>The channel ring file's layout and record words (docs/CHANNEL.md sections 2-3). Constants and encodings only.</summary>
internal static class ChannelLayout
{
    internal const ulong Magic = 0x4E484352544E4955; // "UINTRCHN" in memory order
    internal const uint Version = 1;

    internal const int TailOffset = 64;
    internal const int HeadOffset = 128;
    internal const int SpaceWantedOffset = 192;
    internal const int ConsumerStateOffset = 196;
    internal const int ConsumerOwnerOffset = 256;
    internal const int SlotsOffset = 1024;
    internal const int SlotStride = 64;
    internal const int SlotOwner = 0;
    internal const int SlotState = 4;

    internal const int MaxProducers = 16;

    internal static int SlotOwnerOffset(int slot) => SlotsOffset + (slot * SlotStride) + SlotOwner;

    internal static int SlotStateOffset(int slot) => SlotsOffset + (slot * SlotStride) + SlotState;

    internal const uint ConsumerOpen = 0;
    internal const uint ConsumerCompleted = 1;

    internal const uint SlotFree = 0;
    internal const uint SlotOpen = 1;
    internal const uint SlotCompleted = 2;
    internal const uint SlotAborted = 3;
    internal const uint SlotRefused = 4;

    /// <summary>Records start at, and are whole multiples of, one cache line.</summary>
    internal const int RecordAlign = 64;
    internal const int WordSize = 8;

    /// <summary>Bits 0-55 of <c>tail</c>: the claim position; 56-63: the claim lock.</summary>
    internal const ulong PositionMask = (1UL << 56) - 1;
    internal const int LockShift = 56;

    internal const ulong KindClaimed = 1;
    internal const ulong KindCommitted = 2;
    internal const ulong KindPadding = 3;
    internal const int KindShift = 56;
    internal const int SlotShift = 32;
    internal const ulong ReservedBits = 0x00FF_FF00_0000_0000; // bits 40-55

    internal static ulong Word(ulong kind, int slot, uint length) => (kind << KindShift) | ((ulong)(uint)slot << SlotShift) | length;

    internal static ulong KindOf(ulong word) => word >> KindShift;

    internal static int SlotOf(ulong word) => (int)((word >> SlotShift) & 0xFF);

    internal static uint LengthOf(ulong word) => (uint)word;

    /// <summary>The bytes a record of <paramref name="length"/> payload bytes takes: header and payload, rounded up to a line.</summary>
    internal static ulong RecordSize(ulong length) => (WordSize + length + RecordAlign - 1) & ~(ulong)(RecordAlign - 1);

    /// <summary>The longest message of a ring of <paramref name="ringSize"/> bytes.</summary>
    internal static int MaxMessage(int ringSize) => ringSize / 2;

    /// <summary>The role field of a channel ring message (docs/CHANNEL.md section 10): <c>vector = role | slot &lt;&lt; 8</c>.</summary>
    internal const int RoleConnect = 0;
    internal const int RoleAccept = 1;
    internal const int RoleOffer = 2;
}
