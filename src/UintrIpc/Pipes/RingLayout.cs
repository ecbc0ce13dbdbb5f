namespace UintrIpc.Pipes;

/// <summary>The ring file's layout (docs/PIPE.md section 2). Constants only.</summary>
internal static class RingLayout
{
    internal const int HeaderSize = 4096;

    internal const int MagicOffset = 0;
    internal const int VersionOffset = 8;
    internal const int DataOffsetOffset = 12;
    internal const int RingSizeOffset = 16;
    internal const int TailOffset = 64;
    internal const int ProducerStateOffset = 72;
    internal const int HeadOffset = 128;
    internal const int SpaceWantedOffset = 192;
    internal const int ConsumerStateOffset = 196;
    internal const int ProducerOwnerOffset = 256;
    internal const int ConsumerOwnerOffset = 320;

    internal const ulong Magic = 0x50495052544E4955; // "UINTRPIP" in memory order
    internal const uint Version = 1;

    internal const uint StateOpen = 0;
    internal const uint StateCompleted = 1;
    internal const uint StateAborted = 2;

    internal const int MinRingSize = 4096;
    internal const int MaxRingSize = 1 << 30;
    internal const int DefaultRingSize = 1 << 20;

    /// <summary>
    /// The role message each end sends first (docs/PIPE.md section 7): 4 bytes, <c>'U' 'P'</c>,
    /// the role (<see cref="RoleConnect"/> or <see cref="RoleAccept"/>), the handshake version.
    /// </summary>
    internal const int RoleMessageSize = 4;
    internal const byte RoleMagic0 = (byte)'U';
    internal const byte RoleMagic1 = (byte)'P';
    internal const byte RoleConnect = (byte)'C';
    internal const byte RoleAccept = (byte)'A';
    internal const byte HandshakeVersion = 1;

    /// <summary>The <c>vector</c> field of a ring message: which of the connector's rings it is.</summary>
    internal const int ConnectorOutputRing = 0;
    internal const int ConnectorInputRing = 1;

    internal const int SealsRequired = Interop.Shim.F_SEAL_SHRINK | Interop.Shim.F_SEAL_GROW | Interop.Shim.F_SEAL_SEAL;

    internal static bool IsValidRingSize(long size) =>
        size >= MinRingSize && size <= MaxRingSize && (size & (size - 1)) == 0;
}
