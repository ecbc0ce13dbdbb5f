using UintrIpc.Channels;
using static UintrIpc.Tests.Channels.ChannelTestKit;

namespace UintrIpc.Tests.Channels;

/// <summary>
/// A peer that writes impossible values into the shared ring (docs/CHANNEL.md section 7): the
/// victim reports EPROTO, for good, and never reads outside the ring (mapped between guard
/// pages, so a stray access would crash the test process).
/// </summary>
public class ChannelHostilePeerTests
{
    private const ulong Claimed = 1UL << 56, Committed = 2UL << 56, Padding = 3UL << 56;

    public static TheoryData<string, ulong, ulong> BadRecords => new()
    {
        { "unknown kind", 0, 7UL << 56 | 8 },
        { "reserved bits", 0, Committed | 1UL << 44 | 8 },
        { "longer than half the ring", 0, Committed | 2049 },
        { "length near 2^32", 0, Committed | 0xFFFF_FFF0 },
        { "a record crossing the end of the ring", 4096 - 64, Committed | 100 },
        { "padding of the wrong length", 64, Padding | 64 },
        { "padding with a slot", 4096 - 64, Padding | 1UL << 32 | 64 },
        { "a slot that is free", 0, Committed | 5UL << 32 | 8 },
        { "a slot beyond the table", 0, Claimed | 200UL << 32 | 8 },
    };

    [Theory]
    [MemberData(nameof(BadRecords))]
    public unsafe void AnImpossibleRecordWordIsEprotoForGood(string what, ulong position, ulong word)
    {
        var (a, b) = UintrChannel.CreatePair(Ring(4096));
        using (a)
        using (b)
        {
            ChannelRing ring = b.InputRing!;
            // Move the reader to the position with real messages first (64-byte records).
            for (ulong p = 0; p < position; p += 64)
            {
                Assert.True(a.Writer.TryClaim(8, out _));
                a.Writer.Commit();
                Assert.True(b.Reader.TryRead(out _));
            }
            Volatile.Write(ref ring.RecordWord(position), word);
            var e = Assert.Throws<UintrException>(() => b.Reader.TryRead(out _));
            Assert.True(e.Errno == 71, what);
            Assert.Equal(71, Assert.Throws<UintrException>(() => b.Reader.TryRead(out _)).Errno);
        }
    }

    [Theory]
    [InlineData("a head past the tail", 128UL, 0UL)]
    [InlineData("an unaligned head", 8UL, 0UL)]
    [InlineData("a lock value beyond the slots", 0UL, 200UL << 56)]
    [InlineData("an unaligned tail", 0UL, 72UL)]
    public void AnImpossiblePositionIsEprotoForTheWriter(string what, ulong head, ulong tail)
    {
        var (a, b) = UintrChannel.CreatePair(Ring(4096));
        using (a)
        using (b)
        {
            ChannelRing ring = a.OutputRing;
            // Fill the ring so that the writer must read head.
            while (a.Writer.TryClaim(200, out _))
                a.Writer.Commit();
            ulong realTail = Volatile.Read(ref ring.Tail);
            Volatile.Write(ref ring.Head, head == 128 ? realTail + 128 : head);
            if (tail != 0)
                Volatile.Write(ref ring.Tail, tail);
            var e = Assert.Throws<UintrException>(() => a.Writer.TryClaim(200, out _));
            Assert.True(e.Errno == 71, what);
        }
    }

    /// <summary>Random words at random record positions: a message inside the ring, or EPROTO; nothing else.</summary>
    [Fact]
    public void RandomRecordWordsNeverCrashNorEscapeTheRing()
    {
        var random = new Random(7);
        int protocolErrors = 0, messages = 0;
        for (int iteration = 0; iteration < 300; iteration++)
        {
            var (a, b) = UintrChannel.CreatePair(Ring(4096));
            using (a)
            using (b)
            {
                ChannelRing ring = b.InputRing!;
                for (int w = 0; w < 8; w++)
                {
                    ulong word = random.Next(4) switch
                    {
                        0 => (ulong)random.NextInt64(),
                        1 => Committed | (uint)random.Next(0, 5000),
                        2 => Padding | (uint)random.Next(0, 5000),
                        _ => Committed | ((ulong)(uint)random.Next(0, 20) << 32) | (uint)random.Next(0, 3000),
                    };
                    Volatile.Write(ref ring.RecordWord((ulong)random.Next(0, 64) * 64), word);
                }
                try
                {
                    for (int r = 0; r < 70 && b.Reader.TryRead(out ReadOnlyMemory<byte> message); r++)
                    {
                        Assert.InRange(message.Length, 0, 2048);
                        messages++;
                    }
                }
                catch (UintrException e) when (e.Errno == 71)
                {
                    protocolErrors++;
                }
            }
        }
        Assert.True(protocolErrors > 0 && messages > 0, $"{protocolErrors} EPROTO, {messages} messages");
    }
}
