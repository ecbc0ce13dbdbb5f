using System.Runtime.InteropServices;
using UintrIpc.Latency.Native;

namespace UintrIpc.Bench.Native;

/// <summary>
/// A mapping of a vector page of our own (docs/ABI.md section 1), so a benchmark can reset the
/// <c>pir</c> word (offset 8) without going through the receiver.
/// </summary>
internal sealed unsafe class PageView : IDisposable
{
    private const int PageSize = 4096;
    private const int PirOffset = 8;
    private readonly byte* _address;

    public PageView(UintrFd fd)
    {
        void* address = LibC.Mmap(null, PageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd.FileDescriptor, 0);
        if (address == (void*)-1)
            throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        _address = (byte*)address;
    }

    public ulong* Pir => (ulong*)(_address + PirOffset);

    public void Dispose() => LibC.Munmap(_address, PageSize);
}
