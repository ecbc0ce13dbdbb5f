namespace UintrIpc.Tests.Channels;

/// <summary>Helpers for the channel tests: small rings, numbered messages.</summary>
internal static class ChannelTestKit
{
    public static UintrChannelOptions Ring(int ringSize = 4096) => new() { RingSize = ringSize };

    /// <summary>Message <paramref name="n"/> of producer <paramref name="producer"/>: its length varies, its bytes say who and which.</summary>
    public static byte[] Message(int producer, int n, int maxLength = 300)
    {
        int length = Math.Max(8, (n * 37 + producer * 11) % maxLength);
        var bytes = new byte[length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), producer);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), n);
        for (int i = 8; i < length; i++)
            bytes[i] = (byte)(n + i + producer);
        return bytes;
    }

    /// <summary>The shared words of a ring, for a failure message.</summary>
    internal static unsafe string Describe(UintrIpc.Channels.ChannelRing ring)
    {
        var text = new System.Text.StringBuilder();
        ulong tail = Volatile.Read(ref ring.Tail);
        text.Append($"tail {tail & ((1UL << 56) - 1)} lock {tail >> 56}, head {Volatile.Read(ref ring.Head)}, wanted {Volatile.Read(ref ring.SpaceWanted):X}, consumer {ring.ConsumerState}/{ring.ConsumerOwner:X};");
        for (int s = 0; s < 16; s++)
        {
            if (ring.SlotState(s) != 0)
                text.Append($" slot {s}: {ring.SlotState(s)}/{ring.SlotOwner(s):X}");
        }
        return text.ToString();
    }

    /// <summary>Checks a message made by <see cref="Message"/> and returns (producer, n).</summary>
    public static (int Producer, int N) Check(ReadOnlySpan<byte> message, int maxLength = 300)
    {
        Assert.True(message.Length >= 8, $"a message of {message.Length} bytes");
        int producer = BitConverter.ToInt32(message[..4]);
        int n = BitConverter.ToInt32(message[4..8]);
        Assert.Equal(Message(producer, n, maxLength), message.ToArray());
        return (producer, n);
    }
}
