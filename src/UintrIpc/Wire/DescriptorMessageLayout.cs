namespace UintrIpc.Wire;

/// <summary>The descriptor message's 16-byte header: docs/ABI.md section 10. Constants only.</summary>
internal static class DescriptorMessageLayout
{
    internal const int HeaderSize = 16;
    internal const int MagicOffset = 0;
    internal const int VersionOffset = 4;
    internal const int KindOffset = 6;
    internal const int VectorOffset = 8;
    internal const int ReservedOffset = 12;

    internal const uint HeaderMagic = 0x44464955; // "UIFD" in memory order
    internal const ushort HeaderVersion = 1;

    internal const ushort KindPlain = 0;
    internal const ushort KindFutexPage = 1;
    internal const ushort KindNative = 2;
    internal const ushort KindNativeSimulated = 3;
    internal const ushort KindPipeRing = 4; // docs/PIPE.md section 7
    internal const ushort KindChannelRing = 5; // docs/CHANNEL.md section 10
}
