using System.Diagnostics;
using System.Numerics;
using UintrIpc.Delivery;
using UintrIpc.Diagnostics;
using UintrIpc.FutexPath;
using UintrIpc.Hardware;
using UintrIpc.Idle;
using UintrIpc.Interop;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc;

/// <summary>
/// A user-interrupt receiver (the RFC's <c>uintr_register_handler</c>): up to 64 vectors, each
/// a <see cref="UintrFd"/>, whose posts run the handler at the safe points
/// <see cref="Poll"/>, <see cref="Wait(TimeSpan)"/> and <see cref="WaitAsync(TimeSpan, CancellationToken)"/>.
/// </summary>
/// <remarks>
/// A receiver is not tied to a thread, but only one caller may be inside <see cref="Wait(TimeSpan)"/>,
/// <see cref="WaitAsync(TimeSpan, CancellationToken)"/> or <see cref="Poll"/> at a time; the other members may be called from
/// any thread. The native path is the exception the hardware imposes: there the registering
/// thread receives (see <see cref="Register"/>).
/// </remarks>
public sealed partial class UintrReceiver : IDisposable, IAsyncDisposable
{
    private readonly UintrHandler _handler;
    private readonly long _spinTicks;
    private readonly IReceiverPath _path;
    private readonly UintrFd?[] _fds = new UintrFd?[VectorCount];
    private readonly Lock _lock = new();
    private readonly Func<bool> _beforeSleep;
    private readonly ReceiverCounters _counters;
    private readonly FutexReceiverPath? _futex; // the same object as _path on the futex path: the spin calls it directly
    private AsyncWait? _asyncWait;              // created by the first WaitAsync that sleeps

    private ulong _liveMask;          // written under _lock, read without it
    private ulong _pending;           // collected, undelivered; atomic updates (CloseVector races)
    private volatile bool _interruptsEnabled = true;
    private bool _inHandler;          // owner thread only
    private CancellationToken _waitToken; // owner thread only: the token of the Wait in progress
    private int _owner;               // managed thread id of the thread inside Wait/Poll, AsyncOwner, or 0
    private int _disposed;
    private bool _released;           // under _lock

    /// <summary><see cref="_owner"/> while a WaitAsync sleeps in the futex engine: no thread is inside, but the receiver is taken.</summary>
    private const int AsyncOwner = -1;

    /// <summary>
    /// Spin polls between two reads of the clock and the cancellation token. A clock read costs
    /// about as much as a poll, so reading it every time doubled the loop and the time between a
    /// post and its discovery; 16 polls of one PAUSE each keep the spin budget's overshoot near a
    /// microsecond even where PAUSE takes 140 cycles.
    /// </summary>
    private const int SpinPollsPerCheck = 16;

    private UintrReceiver(UintrHandler handler, UintrMode mode, TimeSpan spinDuration, string? name)
    {
        _handler = handler;
        _counters = new ReceiverCounters(name);
        _spinTicks = SpinBudget.Ticks(spinDuration);
        Pid = Environment.ProcessId;
        Id = (ulong)Random.Shared.NextInt64() ^ ((ulong)Stopwatch.GetTimestamp() << 1);
        _futex = mode == UintrMode.Native ? null : new FutexReceiverPath(Pid, Id);
        _path = _futex ?? (IReceiverPath)new HardwareReceiverPath();
        _beforeSleep = () =>
        {
            if (Volatile.Read(ref _disposed) != 0 || _waitToken.IsCancellationRequested)
                return false;
            _counters.Blocks++;
            return true;
        };
        MeterInstruments.Register(_counters);
    }

    internal int Pid { get; }

    internal ulong Id { get; }

    /// <summary>
    /// Registers a receiver whose interrupts run <paramref name="handler"/> (<c>uintr_register_handler</c>).
    /// The receiver starts with interrupts enabled.
    /// </summary>
    /// <remarks>
    /// The path is <see cref="UintrReceiverOptions.Mode"/>, or automatic when null (native where
    /// <see cref="UintrCapabilities.Current"/> says it is available); <c>UINTR_IPC_MODE=futex|native</c>
    /// overrides both for the whole process. A native receiver belongs to the thread that
    /// registers it: the hardware delivers to that thread, so <see cref="CreateFd"/>,
    /// <see cref="Wait(TimeSpan)"/> and <see cref="Poll"/> must run there (docs/NATIVE.md).
    /// </remarks>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP when <see cref="UintrMode.Native"/> is asked for and not available (the message
    /// names what is missing); EINVAL when <c>UINTR_IPC_MODE</c> has a value other than auto, futex or native.
    /// </exception>
    public static UintrReceiver Register(UintrHandler handler, UintrReceiverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new UintrReceiver(handler, UintrCapabilities.ResolveMode(options?.Mode),
            options?.SpinDuration ?? UintrReceiverOptions.DefaultSpinDuration, options?.Name);
    }

    /// <summary>The delivery path this receiver uses.</summary>
    public UintrMode Mode
    {
        get
        {
            ThrowIfDisposed();
            return _path.Mode;
        }
    }

    /// <summary>Whether interrupts are delivered (the UIF flag; <c>TESTUI</c>).</summary>
    public bool InterruptsEnabled
    {
        get
        {
            ThrowIfDisposed();
            return _interruptsEnabled;
        }
    }

    /// <summary>Bit <c>v</c> set for every posted vector whose handler has not run yet.</summary>
    public ulong PendingVectors
    {
        get
        {
            lock (_lock)
            {
                ThrowIfDisposed();
                return (Volatile.Read(ref _pending) | _path.Peek(_liveMask)) & _liveMask;
            }
        }
    }

    /// <summary>Counters since registration; see <see cref="UintrReceiverStatistics"/>.</summary>
    public UintrReceiverStatistics Statistics
    {
        get
        {
            ThrowIfDisposed();
            return new UintrReceiverStatistics(Volatile.Read(ref _counters.Posts), Volatile.Read(ref _counters.Deliveries),
                Volatile.Read(ref _counters.Blocks), Volatile.Read(ref _counters.Wakeups), Volatile.Read(ref _counters.SpuriousWakeups));
        }
    }

    /// <summary>Enables delivery (<c>STUI</c>). Pending vectors are delivered at the next safe point.</summary>
    public void EnableInterrupts()
    {
        ThrowIfDisposed();
        _interruptsEnabled = true;
    }

    /// <summary>Disables delivery (<c>CLUI</c>): posts stay pending, none is lost.</summary>
    public void DisableInterrupts()
    {
        ThrowIfDisposed();
        _interruptsEnabled = false;
    }

    /// <summary>Creates the descriptor for <paramref name="vector"/> (<c>uintr_create_fd</c>).</summary>
    /// <exception cref="UintrException">ENOSPC when the vector is outside 0–63; EBUSY when it already has a live descriptor.</exception>
    public UintrFd CreateFd(int vector)
    {
        ThrowIfDisposed();
        if ((uint)vector >= VectorCount)
            throw new UintrException(Errno.ENOSPC, $"Vector {vector} is outside 0..63.");
        lock (_lock)
        {
            ThrowIfDisposed();
            if (_fds[vector] is not null)
                throw new UintrException(Errno.EBUSY, $"Vector {vector} already has a live uintr fd.");
            SafeFileDescriptorHandle handle = _path.OpenVector(vector);
            var fd = new UintrFd(handle, vector, Pid, Id, this, kind: _path.DescriptorKind);
            _fds[vector] = fd;
            Volatile.Write(ref _liveMask, _liveMask | (1UL << vector));
            Interrupt(); // a sleeping Wait starts watching the new vector
            return fd;
        }
    }

    /// <summary>
    /// Delivers what is pending now, without blocking, and returns the number of handler calls.
    /// Inside a handler it delivers nothing (the handler is never re-entered) and returns 0.
    /// </summary>
    public int Poll()
    {
        bool nested = Enter();
        try
        {
            CollectPosts();
            return _inHandler ? 0 : Deliver();
        }
        finally
        {
            Exit(nested);
        }
    }

    /// <summary>
    /// Waits for interrupts (<c>uintr_wait</c>): spins for <see cref="UintrReceiverOptions.SpinDuration"/>,
    /// then sleeps in the kernel. Returns <see langword="true"/> once at least one handler ran,
    /// <see langword="false"/> on timeout. Interrupts pending on entry are delivered at once.
    /// </summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    public bool Wait(TimeSpan timeout) => Wait(timeout, CancellationToken.None);

    /// <inheritdoc cref="Wait(TimeSpan)"/>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">Cancels the wait with <see cref="OperationCanceledException"/>.</param>
    /// <exception cref="InvalidOperationException">Interrupts are disabled, or called from a handler.</exception>
    public bool Wait(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        long timeoutTicks = timeout == Timeout.InfiniteTimeSpan ? -1 : StopwatchTime.ToTicks(timeout);
        bool nested = Enter();
        try
        {
            if (_inHandler)
                throw new InvalidOperationException("Wait cannot be called from a handler: handlers are never re-entered.");
            if (!_interruptsEnabled)
                throw new InvalidOperationException("Interrupts are disabled: Wait could never deliver. Call EnableInterrupts first.");
            cancellationToken.ThrowIfCancellationRequested();
            return WaitCore(timeoutTicks, cancellationToken);
        }
        finally
        {
            Exit(nested);
        }
    }

    private bool WaitCore(long timeoutTicks, CancellationToken cancellationToken)
    {
        if (DeliverOrSpin(timeoutTicks, cancellationToken, out long deadline))    // W1, W2
            return true;
        if (timeoutTicks == 0)
            return false;

        using CancellationTokenRegistration registration = RegisterCancellation(cancellationToken);
        _waitToken = cancellationToken;
        try
        {
            while (true)
            {
                uint generation = _path.Generation;                                  // W3
                long remainingNs = deadline == long.MaxValue ? -1 : StopwatchTime.ToNanoseconds(deadline - Stopwatch.GetTimestamp());
                BlockResult result = _path.Block(Volatile.Read(ref _liveMask), generation, remainingNs, _beforeSleep); // W4-W10
                if (AfterBlock(result, deadline, cancellationToken) is { } done)     // W10, W11
                    return done;
            }
        }
        finally
        {
            _waitToken = default;
        }
    }

    /// <summary>W10–W11 after one block: the result of the wait, or null to block again.</summary>
    private bool? AfterBlock(BlockResult result, long deadline, CancellationToken cancellationToken)
    {
        if (result.WokenByPost)
            _counters.Wakeups++;
        AddPosts(result.Posted);
        if (Deliver() > 0)
            return true;
        ThrowIfInterrupted(cancellationToken);
        if (result.TimedOut || Stopwatch.GetTimestamp() >= deadline)
            return false;
        if (result.WokenByPost)
            _counters.SpuriousWakeups++;
        return null;
    }

    /// <summary>
    /// W1 and W2, shared by <see cref="Wait(TimeSpan, CancellationToken)"/> and <see cref="WaitAsync(TimeSpan, CancellationToken)"/>:
    /// true once a handler ran; otherwise <paramref name="deadline"/> is the wait's deadline
    /// (<see cref="long.MaxValue"/>: none). The first polls come before the clock is read: in a
    /// ping-pong the answer arrives while a receiver that just sent is still entering its wait,
    /// and two clock reads there would sit between that answer and its discovery.
    /// </summary>
    private bool DeliverOrSpin(long timeoutTicks, CancellationToken cancellationToken, out long deadline)
    {
        deadline = 0;
        if (CollectAndDeliver())
            return true;
        if (_spinTicks != 0 && timeoutTicks != 0 && PollRound(cancellationToken))
            return true;
        deadline = StartSpin(timeoutTicks, out long spinEnd);
        return Spin(spinEnd, cancellationToken);
    }

    /// <summary>The wait's deadline (<see cref="long.MaxValue"/>: none) and, in <paramref name="spinEnd"/>, when its spin ends.</summary>
    private long StartSpin(long timeoutTicks, out long spinEnd)
    {
        long start = Stopwatch.GetTimestamp();
        long deadline = timeoutTicks < 0 ? long.MaxValue : AddSaturating(start, timeoutTicks);
        spinEnd = _spinTicks == 0 ? start : Math.Min(deadline, AddSaturating(start, _spinTicks));
        return deadline;
    }

    /// <summary>
    /// W2: polls the pages until a handler ran (true) or <paramref name="spinEnd"/> passed (false).
    /// No sched_yield in here: when another task is runnable it takes the CPU until the next
    /// scheduler tick (4 ms at HZ=250), far past any spin budget
    /// (docs/decisions/2026-11-23-wait-never-yields.md). One PAUSE
    /// per poll, and the clock and the token only every <see cref="SpinPollsPerCheck"/> polls:
    /// the time from a post to its discovery is then one poll and one PAUSE, as in a bare spin.
    /// </summary>
    private bool Spin(long spinEnd, CancellationToken cancellationToken)
    {
        if (_spinTicks == 0)
            return false;
        while (true)
        {
            if (Stopwatch.GetTimestamp() >= spinEnd) // first: a zero timeout spins not at all
                return false;
            if (PollRound(cancellationToken))
                return true;
        }
    }

    /// <summary>
    /// <see cref="SpinPollsPerCheck"/> polls with one PAUSE after each; true once a handler ran.
    /// The futex path's slots are looked up once a round: reached through the path object at
    /// every poll, they cost three dependent loads between a PAUSE and the load that finds the
    /// post. The region stays mapped while this thread is inside the wait (<see cref="Release"/>).
    /// </summary>
    private unsafe bool PollRound(CancellationToken cancellationToken)
    {
        ThrowIfInterrupted(cancellationToken);
        byte* slots = _futex is { } futex ? futex.Slots : null;
        for (int i = 0; i < SpinPollsPerCheck; i++)
        {
            ulong live = Volatile.Read(ref _liveMask);
            ulong posted = slots != null ? ReceiverProtocol.Collect(slots, live) : _path.Collect(live);
            if (posted != 0 && DeliverCollected(posted))
                return true;
            CpuPause.Once();
        }
        return false;
    }

    private CancellationTokenRegistration RegisterCancellation(CancellationToken cancellationToken) =>
        cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((UintrReceiver)state!).InterruptWaiter(), this)
            : default;

    /// <summary>Unregisters the receiver (<c>uintr_unregister_handler</c>): every vector closes, later sends fail with ECONNRESET.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed != 0)
                return;
            Volatile.Write(ref _disposed, 1);
            for (int vector = 0; vector < VectorCount; vector++)
            {
                if (_fds[vector] is { } fd)
                {
                    fd.DetachFromReceiver();
                    CloseVectorLocked(vector);
                }
            }
            Interrupt();
        }
        // Pairs with Exit's store-then-load: either the thread inside Wait/Poll sees _disposed
        // and releases on its way out, or this sees it gone and releases now.
        Interlocked.MemoryBarrierProcessWide();
        if (Volatile.Read(ref _owner) == 0)
            Release();
    }

    /// <summary>Closes <paramref name="vector"/> when its <see cref="UintrFd"/> is disposed (ABI section 5, "Closing").</summary>
    internal void CloseVector(int vector, UintrFd fd)
    {
        lock (_lock)
        {
            if (_disposed == 0 && ReferenceEquals(_fds[vector], fd))
            {
                CloseVectorLocked(vector);
                Interrupt();
            }
        }
    }

    private void CloseVectorLocked(int vector)
    {
        ulong bit = 1UL << vector;
        _fds[vector] = null;
        Volatile.Write(ref _liveMask, _liveMask & ~bit);
        Interlocked.And(ref _pending, ~bit);
        _path.CloseVector(vector);
    }

    private static long AddSaturating(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    private void CollectPosts() => AddPosts(_path.Collect(Volatile.Read(ref _liveMask)));

    private void AddPosts(ulong posted)
    {
        if (posted == 0)
            return;
        Interlocked.Or(ref _pending, posted);
        _counters.Posts += BitOperations.PopCount(posted);
    }

    private bool CollectAndDeliver()
    {
        CollectPosts();
        return Deliver() > 0;
    }

    /// <summary>
    /// Delivers what one collect found; true once a handler ran. The spin's common case, one
    /// vector and nothing else pending, goes straight to its handler: the two atomics that
    /// <see cref="AddPosts"/> and <see cref="Deliver"/> spend on <c>_pending</c> sit between a
    /// post's discovery and the handler, which is the whole of spin-path latency above a bare
    /// spin. A close racing it is seen as in <see cref="Deliver"/>, by the live mask.
    /// </summary>
    private bool DeliverCollected(ulong posted)
    {
        if ((posted & (posted - 1)) != 0 || Volatile.Read(ref _pending) != 0 || !_interruptsEnabled)
        {
            AddPosts(posted);
            return Deliver() > 0;
        }
        _counters.Posts++;
        if ((Volatile.Read(ref _liveMask) & posted) == 0)
            return false; // closed after it was collected: dropped
        RunHandler(BitOperations.TrailingZeroCount(posted));
        Deliver(); // whatever a handler's Poll collected meanwhile
        return true;
    }

    /// <summary>Runs the handler once per pending vector, highest first, while interrupts stay enabled.</summary>
    private int Deliver()
    {
        int calls = 0;
        while (_interruptsEnabled)
        {
            ulong pending = Volatile.Read(ref _pending);
            if (pending == 0)
                break;
            int vector = 63 - BitOperations.LeadingZeroCount(pending);
            ulong bit = 1UL << vector;
            Interlocked.And(ref _pending, ~bit);
            if ((Volatile.Read(ref _liveMask) & bit) == 0)
                continue; // closed after it was collected: dropped, as the RFC drops a freed vector's bit
            calls++;
            RunHandler(vector);
        }
        return calls;
    }

    /// <summary>One handler call, with UIF clear while it runs.</summary>
    private void RunHandler(int vector)
    {
        _interruptsEnabled = false;
        _inHandler = true;
        _counters.Deliveries++;
        LogDelivery(vector);
        try
        {
            _handler(vector);
        }
        finally
        {
            _inHandler = false;
            _interruptsEnabled = true; // UIRET sets UIF again
        }
    }

    private void InterruptWaiter()
    {
        lock (_lock)
        {
            if (!_released)
                Interrupt();
        }
    }

    /// <summary>
    /// Wakes a sleeping wait, synchronous or async, after the caller made its reason visible
    /// (ABI section 5, "Interrupting"): the wake word first, then the engine holding an async
    /// waiter, which compares that word with the one its waiter read at W3.
    /// </summary>
    private void Interrupt()
    {
        _path.Interrupt();
        Volatile.Read(ref _asyncWait)?.Interrupt();
    }

    private void ThrowIfInterrupted(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Marks the calling thread as the one inside Wait/Poll; true when it already was (a handler calling Poll).</summary>
    private bool Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _owner) == me)
        {
            ThrowIfDisposed();
            return true;
        }
        if (Interlocked.CompareExchange(ref _owner, me, 0) != 0)
        {
            ThrowIfDisposed();
            throw new InvalidOperationException("Another Wait, WaitAsync or Poll of this receiver is in progress; only one may be at a time.");
        }
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit(nested: false);
            ThrowIfDisposed();
        }
        return false;
    }

    private void Exit(bool nested)
    {
        if (nested)
            return;
        Volatile.Write(ref _owner, 0);
        if (Volatile.Read(ref _disposed) != 0)
            Release();
    }

    /// <summary>Unmaps the region once no thread can touch it again.</summary>
    private void Release()
    {
        lock (_lock)
        {
            if (_released)
                return;
            _released = true;
            _path.Dispose();
            MeterInstruments.Unregister(_counters);
            SignalReleased();
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
