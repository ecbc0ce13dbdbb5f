using System.Net.Sockets;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>
/// One way for the two processes to signal each other. Both processes open every mechanism, in
/// catalogue order, over the control socket before any round trip; then the parent calls
/// <see cref="Ping"/> and the child <see cref="Pong"/>, once per round trip.
/// </summary>
internal abstract class Mechanism : IDisposable
{
    /// <summary>Parent side of one round trip: signal the child, wait for its answer.</summary>
    public abstract void Ping();

    /// <summary>Child side of one round trip: wait for the parent, answer.</summary>
    public abstract void Pong();

    /// <summary>How often this process's side has gone to sleep in the kernel so far, when the mechanism counts it (uintr receivers); else 0.</summary>
    public virtual long Sleeps => 0;

    /// <summary>The CPU clock a slice is charged with: the ping-pong thread's own, unless the mechanism works on other threads.</summary>
    public virtual long CpuNowNs() => CpuClock.ThreadNowNs();

    /// <summary>Whether the mechanism runs a slice's round trips itself (<see cref="Time"/>, <see cref="Answer"/>) instead of one <see cref="Ping"/> or <see cref="Pong"/> call each.</summary>
    public virtual bool RunsSlices => false;

    /// <summary>Parent: times <paramref name="roundTrips"/>.Length round trips (Stopwatch ticks each); only when <see cref="RunsSlices"/>.</summary>
    public virtual void Time(Span<long> roundTrips) => throw new NotSupportedException();

    /// <summary>Child: answers <paramref name="rounds"/> round trips; only when <see cref="RunsSlices"/>.</summary>
    public virtual void Answer(int rounds) => throw new NotSupportedException();

    public abstract void Dispose();
}

/// <summary>The mechanisms, in the order both processes open them and the tables list them.</summary>
internal static class MechanismCatalog
{
    /// <summary>
    /// Every mechanism. The diagnostic ones run only when named with <c>--only</c>: they take the
    /// library's <c>Wait</c> apart (no sleeping; no yielding and no sleeping) to find where time goes.
    /// </summary>
    public static readonly IReadOnlyList<(string Name, string Description, bool Diagnostic)> All =
    [
        ("uintr", "UintrIpc, default options: Wait spins (30 µs) then sleeps", false),
        ("uintr-blocked", "UintrIpc, SpinDuration = 0: every Wait sleeps in futex_waitv", false),
        ("uintr-async", "UintrIpc, await WaitAsync in an async loop on the thread pool, default spin (inline)", false),
        ("uintr-async-blocked", "UintrIpc, await WaitAsync, SpinDuration = 0: every wait sleeps in the dispatcher, resumes on a pool thread", false),
        ("eventfd", "two eventfds, blocking 8-byte read/write", false),
        ("eventfd-poll", "two non-blocking eventfds, read busy-polled (EAGAIN loop)", false),
        ("pipe", "two pipes, blocking 1-byte read/write", false),
        ("unix-socket", "AF_UNIX stream socketpair, blocking 1-byte send/recv", false),
        ("unix-socket-async", "AF_UNIX stream socketpair, .NET Socket SendAsync/ReceiveAsync in an async loop (epoll thread, then a pool thread)", false),
        ("futex", "shared memfd page: store flag + FUTEX_WAKE, FUTEX_WAIT while zero", false),
        ("spin", "shared memfd page: store a sequence number, busy-poll for the reply (the floor)", false),
        ("uintr-pipe", "UintrPipe, default spin: 64-byte request, 64-byte response (write, flush, ReadAtLeastAsync)", false),
        ("uintr-channel", "UintrChannel, default spin: 64-byte request, 64-byte response (TryClaim, Commit, ReadAsync, Release)", false),
        ("uintr-longspin", "diagnostic: UintrIpc, SpinDuration = 1 s: Wait spins but never sleeps", true),
        ("uintr-poll", "diagnostic: UintrIpc, Send + a busy loop of Poll() with a PAUSE: Wait's own overhead left out", true),
        ("protocol-spin", "diagnostic: uintr's memory traffic with no library (S1, S3, LOCK OR, S5; poll and XCHG collect, busy-poll): its floor", true),
        ("ring-spin", "diagnostic: uintr-pipe's memory traffic with no library (positions, 64-byte copies, two full barriers per message, the next line claimed, busy-poll): its floor", true),
        ("uintr-pipe-writeasync", "diagnostic: uintr-pipe with the request and the response written by WriteAsync instead of GetSpan, Advance and FlushAsync", true),
        ("ring-pipelines", "diagnostic: ring-spin behind a PipeReader/PipeWriter that does nothing else, with uintr-pipe's calls: the floor for that application code", true),
    ];

    public static int IndexOf(string name)
    {
        for (int i = 0; i < All.Count; i++)
        {
            if (All[i].Name == name)
                return i;
        }
        throw new ArgumentException($"no mechanism '{name}'");
    }

    /// <summary>Opens every mechanism; <paramref name="uintrSpin"/> is <c>uintr</c>'s SpinDuration (both processes must pass the same).</summary>
    public static Mechanism[] OpenAll(Socket control, bool parent, TimeSpan uintrSpin) =>
        [.. All.Select(m => Open(m.Name, control, parent, uintrSpin))];

    private static Mechanism Open(string name, Socket control, bool parent, TimeSpan uintrSpin) => name switch
    {
        "uintr" => new UintrMechanism(control, parent, uintrSpin),
        "uintr-blocked" => new UintrMechanism(control, parent, TimeSpan.Zero),
        "uintr-async" => new AsyncMechanism<UintrAsyncSide>(new(control, parent, uintrSpin)),
        "uintr-async-blocked" => new AsyncMechanism<UintrAsyncSide>(new(control, parent, TimeSpan.Zero)),
        "eventfd" => new EventFdMechanism(control, parent, busyPoll: false),
        "eventfd-poll" => new EventFdMechanism(control, parent, busyPoll: true),
        "pipe" => new PipeMechanism(control, parent),
        "unix-socket" => new UnixSocketMechanism(control, parent),
        "unix-socket-async" => new AsyncMechanism<SocketAsyncSide>(new(control, parent)),
        "futex" => new SharedWordsMechanism<FutexWords>(control, parent, "uintripc-bench-futex"),
        "spin" => new SharedWordsMechanism<SpinWords>(control, parent, "uintripc-bench-spin"),
        "uintr-pipe" => new PipelinesMechanism<UintrPipeEnds>(new(control, parent, uintrSpin)),
        "uintr-channel" => new ChannelMechanism(control, parent, uintrSpin),
        "uintr-longspin" => new UintrMechanism(control, parent, TimeSpan.FromSeconds(1)),
        "uintr-poll" => new UintrMechanism(control, parent, TimeSpan.Zero, pollFor: Timeout.InfiniteTimeSpan),
        "ring-spin" => new RingSpinMechanism(control, parent),
        "uintr-pipe-writeasync" => new PipelinesMechanism<UintrPipeEnds>(new(control, parent, uintrSpin), writeAsync: true),
        "ring-pipelines" => new PipelinesMechanism<BareRingPipe>(new(control, parent)),
        "protocol-spin" => new SharedWordsMechanism<ProtocolWords>(control, parent, "uintripc-bench-protocol"),
        _ => throw new ArgumentException($"no mechanism '{name}'"),
    };
}
