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

/// <summary>
/// Diagnostic: the pipe's memory traffic with no library. Per direction a producer position,
/// a consumer position (each in its own line) and a 1 KiB data area on a shared page; Ping
/// copies 64 bytes in, publishes the position with a full barrier (as a UintrPipe does),
/// spins on the other direction's position, copies the answer out and frees it (a full
/// barrier too). The floor for uintr-pipe.
/// </summary>
internal sealed unsafe class RingSpinMechanism : Mechanism
{
    private const int MessageSize = 64;
    private const int DataSize = 1024;

    private readonly SharedPage _page;
    private readonly Direction _out;
    private readonly Direction _in;
    private readonly byte[] _message = new byte[MessageSize];

    public RingSpinMechanism(Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-ring");
        var toChild = new Direction(_page.Address, 0);
        var toParent = new Direction(_page.Address, 1);
        (_out, _in) = parent ? (toChild, toParent) : (toParent, toChild);
    }

    public override void Ping()
    {
        _out.Write(_message);
        _in.Read(_message);
    }

    public override void Pong()
    {
        _in.Read(_message);
        _out.Write(_message);
    }

    public override void Dispose() => _page.Dispose();

    private sealed class Direction(byte* page, int index)
    {
        private readonly long* _tail = (long*)(page + (index * 256));
        private readonly long* _head = (long*)(page + (index * 256) + 128);
        private readonly byte* _data = page + 1024 + (index * DataSize);
        private long _position;

        public void Write(byte[] message)
        {
            message.CopyTo(new Span<byte>(_data + (_position & (DataSize - 1)), MessageSize));
            _position += MessageSize;
            Interlocked.Exchange(ref *_tail, _position);
        }

        public void Read(byte[] message)
        {
            while (Volatile.Read(ref *_tail) == _position)
            {
                if (X86Base.IsSupported)
                    X86Base.Pause();
            }
            new ReadOnlySpan<byte>(_data + (_position & (DataSize - 1)), MessageSize).CopyTo(message);
            _position += MessageSize;
            Interlocked.Exchange(ref *_head, _position);
        }
    }
}

/// <summary>
/// Diagnostic: the delivery protocol's memory traffic with no library. Each side's word pair
/// stands for a UPID (status, then pir, in one line): the signaller does ABI S1 (load status),
/// S3 (load pir), S4 (LOCK OR) and S5 (load status); the waiter polls pir with a PAUSE and
/// collects it with XCHG. The floor for uintr: what spin pays for the protocol's atomics.
/// </summary>
internal sealed unsafe class ProtocolSpinMechanism : Mechanism
{
    private readonly SharedPage _page;
    private readonly long* _toChild;
    private readonly long* _toParent;

    public ProtocolSpinMechanism(Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-protocol");
        _toChild = (long*)_page.Address;
        _toParent = (long*)(_page.Address + SharedMemory.LineApart);
    }

    public override void Ping()
    {
        Post(_toChild);
        Collect(_toParent);
    }

    public override void Pong()
    {
        Collect(_toChild);
        Post(_toParent);
    }

    private static void Post(long* upid)
    {
        long status = Volatile.Read(ref upid[0]);
        if ((Volatile.Read(ref upid[1]) & 1) == 0)
            Interlocked.Or(ref upid[1], 1);
        status |= Volatile.Read(ref upid[0]);
        if (status == long.MinValue)
            throw new InvalidOperationException(); // keeps the loads
    }

    private static void Collect(long* upid)
    {
        while (Volatile.Read(ref upid[1]) == 0 || Interlocked.Exchange(ref upid[1], 0) == 0)
        {
            if (X86Base.IsSupported)
                X86Base.Pause();
        }
    }

    public override void Dispose() => _page.Dispose();
}
