namespace UintrIpc.Interop;

/// <summary>An owned range of address space (one <c>mmap</c>), unmapped exactly once.</summary>
internal sealed unsafe class SafeMappingHandle : SafeHandle
{
    private SafeMappingHandle(void* address, ulong length) : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle((IntPtr)address);
        Length = length;
    }

    public ulong Length { get; }

    public byte* Address => (byte*)handle;

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Reserves <paramref name="length"/> bytes of inaccessible address space.</summary>
    public static SafeMappingHandle Reserve(ulong length)
    {
        void* address;
        Errno.Check(Shim.Reserve(length, &address), "mmap (reserve)");
        return new SafeMappingHandle(address, length);
    }

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="fd"/> shared, read-write.</summary>
    public static SafeMappingHandle MapShared(int fd, ulong length)
    {
        void* address;
        Errno.Check(Shim.MapShared(fd, length, &address), "mmap");
        return new SafeMappingHandle(address, length);
    }

    protected override bool ReleaseHandle() => Shim.Munmap((void*)handle, Length) == 0;
}
