using System.Numerics;
using UintrIpc.Delivery;
using UintrIpc.Diagnostics;
using UintrIpc.FutexPath;
using UintrIpc.Interop;
using UintrIpc.Liveness;
using UintrIpc.Wire;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.FutexPath;

/// <summary>The futex path: one sealed vector page per vector, docs/ABI.md sections 1–5.</summary>
internal sealed unsafe class FutexReceiverPath : IReceiverPath, IDispatchablePath
{
    private readonly VectorRegion _region = new();
    private readonly int _receiverPid;
    private readonly ulong _receiverId;
    // A second mapping of each open page, which Block never touches: closing writes CL through
    // it, so a Block racing the close on another thread cannot store RUNNING over CLOSED. It is
    // also the mapping whose owner word the kernel marks if this process dies (ABI section 6).
    private readonly OwnedPage?[] _controls = new OwnedPage?[VectorCount];

    public FutexReceiverPath(int receiverPid, ulong receiverId)
    {
        _receiverPid = receiverPid;
        _receiverId = receiverId;
    }

    public UintrMode Mode => UintrMode.Futex;

    public ushort DescriptorKind => DescriptorMessageLayout.KindFutexPage;

    public uint Generation => Volatile.Read(ref *_region.WakeWord);

    public SafeFileDescriptorHandle OpenVector(int vector)
    {
        SafeFileDescriptorHandle handle = VectorPageFile.Create(vector);
        try
        {
            // The owner word goes on the keeper's robust list before the descriptor exists
            // outside this method: no sender can ever see a page that would not report a death.
            OwnedPage control = RobustKeeper.Claim(handle, UpidOffset(vector) + OwnerOffset);
            try
            {
                _region.MapVector(vector, handle);
            }
            catch
            {
                control.Dispose();
                throw;
            }
            new VectorPage(control.Address).Initialize(vector, _receiverPid, _receiverId);
            _controls[vector] = control;
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void CloseVector(int vector)
    {
        OwnedPage control = _controls[vector]!;
        _controls[vector] = null;
        // The slot gets a private zero page first: from here on Block cannot write the page.
        _region.RetireVector(vector);
        FaultPoints.Reach(FaultPoints.Retired);
        ClosePage(control, vector);
    }

    public ulong Collect(ulong live) => ReceiverProtocol.Collect(_region.Slots, live);

    /// <summary>Slot 0 of the region, for the spin's polls; mapped until <see cref="Dispose"/>.</summary>
    public byte* Slots => _region.Slots;

    public ulong Peek(ulong live) => ReceiverProtocol.Peek(_region.Slots, live);

    public BlockResult Block(ulong live, uint generation, long timeoutNs, Func<bool> beforeSleep)
    {
        ulong posted = Arm(live);                                                  // W4, W5
        int woken = 0;
        bool slept = posted == 0 && timeoutNs != 0 && beforeSleep();               // W6
        if (slept)
            woken = ReceiverProtocol.Sleep(_region.Slots, live, _region.WakeWord, generation, _region.Waiters, timeoutNs); // W7
        posted |= Disarm(live);                                                    // W9, W10
        bool byPost = slept && (woken == -Errno.EAGAIN || (woken >= 0 && woken < BitOperations.PopCount(live)));
        return new(posted, slept, byPost, TimedOut: slept ? woken == -Errno.ETIMEDOUT : timeoutNs == 0);
    }

    public ulong Arm(ulong live)
    {
        ReceiverProtocol.SetStatus(_region.Slots, live, Blocked);
        return ReceiverProtocol.Collect(_region.Slots, live);
    }

    public ulong Disarm(ulong live)
    {
        ReceiverProtocol.SetStatus(_region.Slots, live, Running);
        return ReceiverProtocol.Collect(_region.Slots, live);
    }

    public int GetWaitWords(ulong live, Span<nint> words)
    {
        int count = 0;
        for (ulong m = live; m != 0; m &= m - 1)
        {
            int vector = BitOperations.TrailingZeroCount(m);
            words[count++] = (nint)Unsafe.AsPointer(ref ReceiverProtocol.UpidAt(_region.Slots, vector).Status);
        }
        return count;
    }

    public uint* WakeWord => _region.WakeWord;

    public void Interrupt() => ReceiverProtocol.Interrupt(_region.WakeWord);

    /// <summary>Unmaps everything; the receiver calls it once no thread can be inside Block.</summary>
    public void Dispose()
    {
        for (int vector = 0; vector < VectorCount; vector++)
        {
            if (_controls[vector] is { } control)
                ClosePage(control, vector);
        }
        _region.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A receiver dropped without Dispose still closes its pages, so its senders get ECONNRESET.</summary>
    ~FutexReceiverPath()
    {
        for (int vector = 0; vector < VectorCount; vector++)
        {
            if (_controls[vector] is { } control)
                ClosePage(control, vector);
        }
    }

    /// <summary>CLOSED before the owner word leaves the robust list: the page is never left looking alive.</summary>
    private static void ClosePage(OwnedPage control, int vector)
    {
        ReceiverProtocol.Close(new VectorPage(control.Address).UpidOf(vector));
        FaultPoints.Reach(FaultPoints.Closed);
        control.Dispose();
    }
}
