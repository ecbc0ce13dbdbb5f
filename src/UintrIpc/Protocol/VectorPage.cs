using static UintrIpc.Protocol.VectorPageDescriptor;

namespace UintrIpc.Protocol;

/// <summary>Typed access to the fields of one mapped vector page.</summary>
internal readonly unsafe struct VectorPage(byte* address)
{
    public byte* Address { get; } = address;

    public ref uint Status => ref *(uint*)(Address + StatusOffset);

    public ref ulong Pir => ref *(ulong*)(Address + PirOffset);

    public ulong MagicField => Volatile.Read(ref *(ulong*)(Address + MagicOffset));

    public uint VersionField => Volatile.Read(ref *(uint*)(Address + VersionOffset));

    public uint VectorField => Volatile.Read(ref *(uint*)(Address + VectorOffset));

    public uint ReceiverPid => Volatile.Read(ref *(uint*)(Address + ReceiverPidOffset));

    public ulong ReceiverId => Volatile.Read(ref *(ulong*)(Address + ReceiverIdOffset));

    public bool IsClosed => (Volatile.Read(ref Status) & Closed) != 0;

    /// <summary>Writes a fresh page's header and puts it in the <see cref="Running"/> state.</summary>
    public void Initialize(int vector, int receiverPid, ulong receiverId)
    {
        *(uint*)(Address + NdstOffset) = 0;
        *(ulong*)(Address + MagicOffset) = Magic;
        *(uint*)(Address + VersionOffset) = AbiVersion;
        *(uint*)(Address + VectorOffset) = (uint)vector;
        *(uint*)(Address + ReceiverPidOffset) = (uint)receiverPid;
        *(uint*)(Address + Reserved0Offset) = 0;
        *(ulong*)(Address + ReceiverIdOffset) = receiverId;
        Volatile.Write(ref Pir, 0);
        Interlocked.Exchange(ref Status, Running);
    }

    /// <summary>Checks the header a sender must check before posting (ABI section 4).</summary>
    public string? DescribeHeaderProblem()
    {
        if (MagicField != Magic)
            return "the page has no UintrIpc magic";
        if (VersionField != AbiVersion)
            return $"the page has ABI version {VersionField}, this runtime speaks {AbiVersion}";
        if (VectorField >= VectorCount)
            return $"the page names vector {VectorField}, outside 0..63";
        return null;
    }
}
