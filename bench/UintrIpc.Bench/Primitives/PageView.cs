using System.Runtime.InteropServices;
using UintrIpc.TestInterop;

namespace UintrIpc.Bench.Primitives;

/// <summary>
/// A mapping of a vector page of our own, read as any holder of its descriptor may read it, from
/// docs/ABI.md section 2 (the bench is a user: it knows the documented layout, not the
/// library's internals), so a benchmark can reset the vector's <c>pir</c> word without going
/// through the receiver.
/// </summary>
internal sealed unsafe class PageView : IDisposable
{
    /// <summary>A vector page is one 4096-byte page (ABI section 1).</summary>
    private const int PageSize = 4096;

    /// <summary>Header field <c>upid_offset</c>: where the vector's UPID is (ABI section 2).</summary>
    private const int UpidOffsetField = 36;

    /// <summary><c>pir</c> is the UPID's second 8 bytes (ABI section 2).</summary>
    private const int PirInUpid = 8;

    private readonly byte* _address;

    public PageView(UintrFd fd)
    {
        void* address = LibC.mmap(null, PageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd.FileDescriptor, 0);
        if (address == LibC.MAP_FAILED)
            throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        _address = (byte*)address;
        uint upid = *(uint*)(_address + UpidOffsetField);
        if (upid != 64u * (uint)fd.Vector)
        {
            Dispose();
            throw new InvalidOperationException($"the page says its UPID is at {upid}, not at 64 x vector {fd.Vector}: not the layout of docs/ABI.md section 2");
        }
        Pir = (ulong*)(_address + upid + PirInUpid);
    }

    public ulong* Pir { get; }

    public void Dispose() => LibC.munmap(_address, PageSize);
}
