using UintrIpc.Interop;
using UintrIpc.Pipes;
using static UintrIpc.Channels.ChannelLayout;

namespace UintrIpc.Channels;

/// <summary>Creating a channel ring file and checking one a peer sent (docs/CHANNEL.md sections 1, 2, 8 and 10).</summary>
internal static unsafe class ChannelFile
{
    /// <summary>A fresh ring file: positions 0, consumer OPEN, slot 0 OPEN, every other slot FREE.</summary>
    public static SafeFileDescriptorHandle Create(int ringSize) =>
        RingFile.Create("uintr-ipc:channel", ringSize, Magic, ChannelLayout.Version,
            static h => *(uint*)(h + SlotStateOffset(0)) = SlotOpen);

    /// <summary>Checks a ring the peer created for a connection (fresh, its slot 0 owned by a live thread); returns its size.</summary>
    public static int ValidateFresh(SafeFileDescriptorHandle fd) =>
        RingFile.Validate(fd, Magic, ChannelLayout.Version, "UintrChannel", static h =>
        {
            if (*(ulong*)(h + TailOffset) != 0 || *(ulong*)(h + HeadOffset) != 0 || *(uint*)(h + SpaceWantedOffset) != 0
                || *(uint*)(h + ConsumerStateOffset) != ConsumerOpen || *(uint*)(h + ConsumerOwnerOffset) != 0)
                return "it is not fresh (positions, consumer state or owner are not 0)";
            if (*(uint*)(h + SlotStateOffset(0)) != SlotOpen)
                return "its producer slot 0 is not open";
            if (OwnerProblem(*(uint*)(h + SlotOwnerOffset(0))) is string why)
                return why;
            for (int s = 1; s < MaxProducers; s++)
            {
                if (*(uint*)(h + SlotStateOffset(s)) != SlotFree || *(uint*)(h + SlotOwnerOffset(s)) != 0)
                    return $"its producer slot {s} is in use";
            }
            return null;
        });

    /// <summary>Checks a ring offered to this process as producer <paramref name="slot"/> (in use: positions are not checked); returns its size.</summary>
    public static int ValidateOffer(SafeFileDescriptorHandle fd, int slot) =>
        RingFile.Validate(fd, Magic, ChannelLayout.Version, "UintrChannel", h =>
            *(uint*)(h + SlotStateOffset(slot)) != SlotOpen || *(uint*)(h + SlotOwnerOffset(slot)) != 0
                ? $"producer slot {slot} is not open and unowned"
                : OwnerProblem(*(uint*)(h + ConsumerOwnerOffset)));

    /// <summary>Owner words are required (docs/CHANNEL.md section 7): null when <paramref name="owner"/> names a live thread.</summary>
    public static string? OwnerProblem(uint owner) =>
        owner == 0 ? "its owner word is 0: the peer does not report its death"
        : Liveness.OwnerWord.IsDead(owner) ? "its owner is already dead"
        : null;
}
