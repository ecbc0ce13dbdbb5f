using UintrIpc.Interop;
using static UintrIpc.Pipes.RingLayout;

namespace UintrIpc.Pipes;

/// <summary>Creating a ring's sealed memfd, and checking one a peer sent (docs/PIPE.md sections 1-2).</summary>
internal static unsafe class RingFile
{
    /// <summary>A fresh ring file with its header written: positions 0, states OPEN.</summary>
    public static SafeFileDescriptorHandle Create(int ringSize) => Create("uintr-ipc:pipe", ringSize, Magic, RingLayout.Version, null);

    /// <summary>
    /// A sealed memfd of a header page and <paramref name="ringSize"/> data bytes (docs/PIPE.md
    /// section 1, docs/CHANNEL.md section 1), whose header gets the identification words
    /// both ring formats share, what <paramref name="writeHeader"/> adds, and the magic last.
    /// </summary>
    public static SafeFileDescriptorHandle Create(string name, int ringSize, ulong magic, uint version, Action<nint>? writeHeader)
    {
        var fd = new SafeFileDescriptorHandle(Errno.Check(Shim.MemfdCreate(name), "memfd_create"));
        try
        {
            Errno.Check(Shim.Ftruncate(fd, HeaderSize + (long)ringSize), "ftruncate");
            Errno.Check(Shim.AddSeals(fd, SealsRequired), "fcntl(F_ADD_SEALS)");
            using var header = SafeMappingHandle.MapShared(fd.Fd, HeaderSize);
            byte* h = header.Address;
            *(uint*)(h + VersionOffset) = version;
            *(uint*)(h + DataOffsetOffset) = HeaderSize;
            *(ulong*)(h + RingSizeOffset) = (ulong)ringSize;
            writeHeader?.Invoke((nint)h);
            Volatile.Write(ref *(ulong*)(h + MagicOffset), magic); // last: a complete header
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that <paramref name="fd"/> is a sealed ring file with a fresh version-1 header
    /// and returns its ring size; EPROTO otherwise.
    /// </summary>
    public static int Validate(SafeFileDescriptorHandle fd) =>
        Validate(fd, Magic, RingLayout.Version, "UintrPipe", static h =>
            *(ulong*)(h + TailOffset) == 0 && *(ulong*)(h + HeadOffset) == 0
            && *(uint*)(h + ProducerStateOffset) == StateOpen && *(uint*)(h + ConsumerStateOffset) == StateOpen
                ? null : "it is not fresh (positions or states are not 0)");

    /// <summary>
    /// Checks the file and the identification words both ring formats share, then asks
    /// <paramref name="check"/> about the rest of the header (null: fine, else why not);
    /// returns the ring size, EPROTO otherwise.
    /// </summary>
    public static int Validate(SafeFileDescriptorHandle fd, ulong magic, uint version, string what, Func<nint, string?> check)
    {
        UintrException NotARing(string why) => new(Errno.EPROTO, $"The peer sent no valid {what} ring: {why}.");
        if (Shim.Fstat(fd.Fd, out Shim.Stat stat) < 0 || (stat.Mode & Shim.S_IFMT) != Shim.S_IFREG)
            throw NotARing("it is not a regular file");
        if ((Shim.GetSeals(fd.Fd) & SealsRequired) != SealsRequired)
            throw NotARing("it is not a memfd sealed against shrinking and growing");
        if ((Shim.GetStatusFlags(fd.Fd) & Shim.O_ACCMODE) != Shim.O_RDWR)
            throw NotARing("it is not open for reading and writing");
        if (stat.Size < HeaderSize)
            throw NotARing($"it has {stat.Size} bytes, less than a header");
        using var header = SafeMappingHandle.MapShared(fd.Fd, HeaderSize);
        byte* h = header.Address;
        ulong size = *(ulong*)(h + RingSizeOffset);
        if (*(ulong*)(h + MagicOffset) != magic || *(uint*)(h + VersionOffset) != version || *(uint*)(h + DataOffsetOffset) != HeaderSize)
            throw NotARing($"no version-{version} {what} ring header");
        if (!IsValidRingSize((long)Math.Min(size, long.MaxValue)) || (ulong)stat.Size != HeaderSize + size)
            throw NotARing($"ring size {size} does not match a file of {stat.Size} bytes");
        if (check((nint)h) is string why)
            throw NotARing(why);
        return (int)size;
    }
}
