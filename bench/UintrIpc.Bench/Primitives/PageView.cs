using System.Runtime.InteropServices;
using UintrIpc.Latency.Primitives;
using static UintrIpc.FutexPath.VectorPageLayout;
using UintrIpc.TestInterop;

namespace UintrIpc.Bench.Primitives;

/// <summary>
/// A mapping of a vector page of our own (docs/ABI.md section 2), so a benchmark can reset the
/// descriptor's <c>pir</c> word without going through the receiver.
/// </summary>
internal sealed unsafe class PageView : IDisposable
{
    private readonly byte* _address;
    private readonly int _vector;

    public PageView(UintrFd fd)
    {
        void* address = LibC.mmap(null, PageSize, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd.FileDescriptor, 0);
        if (address == (void*)-1)
            throw new InvalidOperationException($"mmap failed: errno {Marshal.GetLastPInvokeError()}");
        _address = (byte*)address;
        _vector = fd.Vector;
    }

    public ulong* Pir => (ulong*)(_address + UpidOffset(_vector) + PirOffset);

    public void Dispose() => LibC.munmap(_address, PageSize);
}
