using System.Net.Sockets;
using System.Runtime.Intrinsics.X86;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>
/// A ping-pong over two words of a shared memfd page (made by the parent, passed with
/// SendFileDescriptor), one per direction, 128 bytes apart: Ping signals the child's word and
/// awaits its own, Pong the other way round. <typeparamref name="TWords"/> is a struct, so the
/// JIT compiles each mechanism's Ping and Pong with direct calls, as a bare floor must be.
/// </summary>
internal sealed unsafe class SharedWordsMechanism<TWords> : Mechanism where TWords : struct, ISharedWords
{
    private readonly SharedPage _page;
    private readonly byte* _toChild;
    private readonly byte* _toParent;
    private TWords _words = default; // a struct with the per-process state (SpinWords counts)

    public SharedWordsMechanism(Socket control, bool parent, string name)
    {
        _page = SharedMemory.Open(control, parent, name);
        _toChild = _page.Address;
        _toParent = _page.Address + SharedMemory.LineApart;
    }

    public override void Ping()
    {
        _words.Signal(_toChild);
        _words.Await(_toParent);
    }

    public override void Pong()
    {
        _words.Await(_toChild);
        _words.Signal(_toParent);
    }

    public override void Dispose() => _page.Dispose();
}

/// <summary>How a <see cref="SharedWordsMechanism{TWords}"/> signals a word and waits on one.</summary>
internal unsafe interface ISharedWords
{
    void Signal(byte* word);

    void Await(byte* word);
}

/// <summary>
/// Raw futex ping-pong: the signaller stores 1 into the peer's flag and FUTEX_WAKEs it (every
/// time: no waiter bookkeeping); the waiter FUTEX_WAITs while its flag is 0, then clears it.
/// Non-private futex operations, since the two processes map the page at different addresses.
/// </summary>
internal unsafe struct FutexWords : ISharedWords
{
    public readonly void Signal(byte* word)
    {
        Volatile.Write(ref *(uint*)word, 1);
        Futex.Wake((uint*)word);
    }

    public readonly void Await(byte* word)
    {
        uint* flag = (uint*)word;
        while (Volatile.Read(ref *flag) == 0)
            Futex.Wait(flag, 0);
        Volatile.Write(ref *flag, 0); // strict alternation: the peer sets it again only after our answer
    }
}

/// <summary>
/// Raw busy polling: the signaller stores its count of signals into the peer's word; the waiter
/// spins on its own word (a PAUSE per poll) until it shows the next count. No system call, no
/// library: the floor for a cross-core round trip.
/// </summary>
internal unsafe struct SpinWords : ISharedWords
{
    private long _signalled;
    private long _awaited;

    public void Signal(byte* word) => Volatile.Write(ref *(long*)word, ++_signalled);

    public void Await(byte* word)
    {
        long expected = ++_awaited;
        while (Volatile.Read(ref *(long*)word) != expected)
        {
            if (X86Base.IsSupported)
                X86Base.Pause();
        }
    }
}

/// <summary>
/// Diagnostic: the delivery protocol's memory traffic with no library. Each word stands for a
/// UPID's first 16 bytes (status, then pir, in one line): the signaller does ABI S1 (load
/// status), S3 (load pir), S4 (LOCK OR) and S5 (load status); the waiter polls pir with a PAUSE
/// and collects it with XCHG. The floor for uintr: what spin pays for the protocol's atomics.
/// </summary>
internal unsafe struct ProtocolWords : ISharedWords
{
    public readonly void Signal(byte* word)
    {
        long* upid = (long*)word;
        long status = Volatile.Read(ref upid[0]);
        if ((Volatile.Read(ref upid[1]) & 1) == 0)
            Interlocked.Or(ref upid[1], 1);
        status |= Volatile.Read(ref upid[0]);
        if (status == long.MinValue)
            throw new InvalidOperationException(); // keeps the loads
    }

    public readonly void Await(byte* word)
    {
        long* pir = (long*)word + 1;
        while (Volatile.Read(ref *pir) == 0 || Interlocked.Exchange(ref *pir, 0) == 0)
        {
            if (X86Base.IsSupported)
                X86Base.Pause();
        }
    }
}

/// <summary>Sets up the page of a shared-memory mechanism.</summary>
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
/// Diagnostic: the pipe's memory traffic with no library, over two <see cref="BareRing"/>s:
/// Ping copies 64 bytes in and publishes them, spins on the other ring's position, copies the
/// answer out and frees it. The floor for uintr-pipe.
/// </summary>
internal sealed class RingSpinMechanism : Mechanism
{
    private const int MessageSize = 64;

    private readonly SharedPage _page;
    private readonly BareRing _out;
    private readonly BareRing _in;
    private readonly byte[] _message = new byte[MessageSize];
    private long _written;
    private long _read;

    public RingSpinMechanism(Socket control, bool parent)
    {
        _page = SharedMemory.Open(control, parent, "uintripc-bench-ring");
        (_out, _in) = BareRing.Pair(_page, parent);
    }

    public override void Ping()
    {
        Write();
        Read();
    }

    public override void Pong()
    {
        Read();
        Write();
    }

    public override void Dispose() => _page.Dispose();

    private void Write()
    {
        _message.CopyTo(_out.Span(_written, MessageSize));
        _written += MessageSize;
        _out.Publish(_written);
    }

    private void Read()
    {
        while (_in.Tail == _read)
            BareRing.Pause();
        _in.Prefetch(_read);
        _in.Span(_read, MessageSize).CopyTo(_message);
        _read += MessageSize;
        _in.Free(_read);
    }
}
