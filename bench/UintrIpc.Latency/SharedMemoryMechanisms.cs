using System.Net.Sockets;
using System.Runtime.Intrinsics.X86;
using UintrIpc.Latency.Native;

namespace UintrIpc.Latency;

/// <summary>
/// Raw futex ping-pong on a shared memfd page (made by the parent, passed with SendFileDescriptor):
/// the signaller stores 1 into the peer's flag and FUTEX_WAKEs it (every time: no waiter
/// bookkeeping); the waiter FUTEX_WAITs while its flag is 0, then clears it. Non-private futex
/// operations, since the two processes map the page at different addresses.
/// </summary>
internal sealed unsafe class FutexMechanism : Mechanism
{
    private readonly SharedPage _page;
    private readonly uint* _toChild;
    private readonly uint* _toParent;

    public FutexMechanism(Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-futex");
        _toChild = (uint*)_page.Address;
        _toParent = (uint*)(_page.Address + SharedMemory.LineApart);
    }

    public override void Ping()
    {
        Signal(_toChild);
        Await(_toParent);
    }

    public override void Pong()
    {
        Await(_toChild);
        Signal(_toParent);
    }

    private static void Signal(uint* flag)
    {
        Volatile.Write(ref *flag, 1);
        Futex.Wake(flag);
    }

    private static void Await(uint* flag)
    {
        while (Volatile.Read(ref *flag) == 0)
            Futex.Wait(flag, 0);
        Volatile.Write(ref *flag, 0); // strict alternation: the peer sets it again only after our answer
    }

    public override void Dispose() => _page.Dispose();
}

/// <summary>
/// Raw busy polling on a shared memfd page: the signaller stores the round trip's sequence number
/// into the peer's word; the waiter spins on its own word (a PAUSE per poll) until it shows the
/// number. No system call, no library: the floor for a cross-core round trip.
/// </summary>
internal sealed unsafe class SpinMechanism : Mechanism
{
    private readonly SharedPage _page;
    private readonly long* _toChild;
    private readonly long* _toParent;
    private long _sequence;

    public SpinMechanism(Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-spin");
        _toChild = (long*)_page.Address;
        _toParent = (long*)(_page.Address + SharedMemory.LineApart);
    }

    public override void Ping()
    {
        long n = ++_sequence;
        Volatile.Write(ref *_toChild, n);
        Spin(_toParent, n);
    }

    public override void Pong()
    {
        long n = ++_sequence;
        Spin(_toChild, n);
        Volatile.Write(ref *_toParent, n);
    }

    private static void Spin(long* word, long expected)
    {
        while (Volatile.Read(ref *word) != expected)
        {
            if (X86Base.IsSupported)
                X86Base.Pause();
        }
    }

    public override void Dispose() => _page.Dispose();
}

/// <summary>Sets up the page the two shared-memory mechanisms use.</summary>
internal static class SharedMemory
{
    /// <summary>The two words sit 128 bytes apart: different cache lines, and different adjacent-line prefetch pairs.</summary>
    public const int LineApart = 128;

    public static SharedPage Open(Socket control, bool parent, string name)
    {
        if (!parent)
            return SharedPage.Map(control.ReceiveFileDescriptor());
        SharedPage page = SharedPage.Create(name);
        control.SendFileDescriptor(page.File);
        return page;
    }
}
