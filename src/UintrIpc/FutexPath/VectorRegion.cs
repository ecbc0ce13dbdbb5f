using UintrIpc.Interop;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>
/// A receiver's address space: 64 page-sized slots, slot <c>v</c> mapping vector <c>v</c>'s
/// page, then one private control page (the wake word and the futex_waitv array).
/// </summary>
/// <remarks>
/// Every slot stays mapped for the life of the region: a closed vector's slot is replaced with
/// a private zero page rather than unmapped, so a receiver thread racing the close reads
/// zeros and writes to private memory instead of faulting. Only <see cref="Dispose"/>
/// unmaps, and the receiver calls it only when no thread is inside Wait or Poll.
/// </remarks>
internal sealed unsafe class VectorRegion : IDisposable
{
    private const int WaitersOffset = 64;
    private readonly SafeMappingHandle _mapping;

    public VectorRegion()
    {
        // Every slot starts as private zero memory, not PROT_NONE: Collect scans a range of slots
        // with a plain counter and may read slots with no vector (zeros, and no memory used).
        _mapping = SafeMappingHandle.Reserve((ulong)(VectorCount + 1) * PageSize);
        int result = Shim.MapPrivateZeroFixed(_mapping.Address, (ulong)(VectorCount + 1) * PageSize);
        if (result < 0)
        {
            _mapping.Dispose();
            Errno.Check(result, "mmap (region)");
        }
    }

    /// <summary>Slot 0; slot <c>v</c> is at <c>Slots + v * PageSize</c>.</summary>
    public byte* Slots => _mapping.Address;

    private byte* ControlPage => _mapping.Address + (VectorCount * PageSize);

    /// <summary>The private word a sleeping receiver also waits on; bumped to interrupt it.</summary>
    public uint* WakeWord => (uint*)ControlPage;

    /// <summary>The futex_waitv array: 64 pages and the wake word, within <see cref="Shim.FutexWaitvMax"/>.</summary>
    public Shim.FutexWaiter* Waiters => (Shim.FutexWaiter*)(ControlPage + WaitersOffset);

    public void MapVector(int vector, SafeFileDescriptorHandle fd) =>
        Errno.Check(Shim.MapSharedFixed(Slots + (vector * PageSize), fd, PageSize), "mmap (vector page)");

    public void RetireVector(int vector) =>
        Errno.Check(Shim.MapPrivateZeroFixed(Slots + (vector * PageSize), PageSize), "mmap (retire vector page)");

    public void Dispose() => _mapping.Dispose();
}
