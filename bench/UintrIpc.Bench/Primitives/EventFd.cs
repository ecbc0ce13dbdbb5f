using System.Runtime.InteropServices;
using UintrIpc.Latency.Primitives;
using UintrIpc.TestInterop;

namespace UintrIpc.Bench.Primitives;

/// <summary>A non-blocking eventfd, the classic "wake another thread" primitive, as the baseline for a send.</summary>
internal sealed unsafe class EventFd : IDisposable
{
    private readonly int _fd;

    public EventFd()
    {
        _fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (_fd < 0)
            throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>write(fd, &amp;1, 8): adds one to the counter. Non-blocking, so a saturated counter fails instead of hanging.</summary>
    public void Signal()
    {
        ulong one = 1;
        if (LibC.write(_fd, &one, sizeof(ulong)) != sizeof(ulong))
            throw new InvalidOperationException($"eventfd write failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>read(fd): takes the counter back to zero; returns what it was (0 when it already was).</summary>
    public ulong Drain()
    {
        ulong value = 0;
        return LibC.read(_fd, &value, sizeof(ulong)) == sizeof(ulong) ? value : 0;
    }

    public void Dispose() => LibC.close(_fd);
}
