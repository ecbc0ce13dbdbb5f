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
