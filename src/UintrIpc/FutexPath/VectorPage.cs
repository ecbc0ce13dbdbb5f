using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>Typed access to the header of one mapped vector page.</summary>
internal readonly unsafe struct VectorPage(byte* address)
{
    public byte* Address { get; } = address;

    public ulong MagicField => Volatile.Read(ref *(ulong*)(Address + MagicOffset));

    public uint VersionField => Volatile.Read(ref *(uint*)(Address + VersionOffset));

    public uint VectorField => Volatile.Read(ref *(uint*)(Address + VectorOffset));

    public uint ReceiverPid => Volatile.Read(ref *(uint*)(Address + ReceiverPidOffset));

    public uint UpidOffsetField => Volatile.Read(ref *(uint*)(Address + UpidOffsetOffset));

    public ulong ReceiverId => Volatile.Read(ref *(ulong*)(Address + ReceiverIdOffset));

    /// <summary>The UPID of <paramref name="vector"/>: the receiver's own record, never the page's.</summary>
    public Upid UpidOf(int vector) => new(Address + UpidOffset(vector));

    /// <summary>Writes a fresh page's header and puts its UPID in the <see cref="Running"/> state.</summary>
    public void Initialize(int vector, int receiverPid, ulong receiverId)
    {
        *(ulong*)(Address + MagicOffset) = Magic;
        *(uint*)(Address + VersionOffset) = AbiVersion;
        *(uint*)(Address + VectorOffset) = (uint)vector;
        *(uint*)(Address + ReceiverPidOffset) = (uint)receiverPid;
        *(uint*)(Address + UpidOffsetOffset) = (uint)UpidOffset(vector);
        *(ulong*)(Address + ReceiverIdOffset) = receiverId;
        UpidOf(vector).Initialize();
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
        if (UpidOffsetField != UpidOffset((int)VectorField))
            return $"the page puts vector {VectorField}'s UPID at offset {UpidOffsetField}, not {UpidOffset((int)VectorField)}";
        return null;
    }
}

/// <summary>One User Posted Interrupt Descriptor on a vector page (ABI section 2).</summary>
internal readonly unsafe struct Upid(byte* address)
{
    public byte* Address { get; } = address;

    public ref uint Status => ref *(uint*)(Address + StatusOffset);

    public ref ulong Pir => ref *(ulong*)(Address + PirOffset);

    public ref uint Owner => ref *(uint*)(Address + OwnerOffset);

    public bool IsClosed => (Volatile.Read(ref Status) & Closed) != 0;

    public bool IsOwnerDead => Liveness.OwnerWord.IsDead(Volatile.Read(ref Owner));

    public void Initialize()
    {
        *(uint*)(Address + NdstOffset) = 0;
        Volatile.Write(ref Pir, 0);
        Interlocked.Exchange(ref Status, Running);
    }
}
