using System.Diagnostics;
using System.Threading.Tasks.Sources;
using UintrIpc.Delivery;
using UintrIpc.Engine;
using UintrIpc.Idle;
using UintrIpc.Interop;

namespace UintrIpc;

public sealed partial class UintrReceiver
{
    /// <summary>
    /// Waits for interrupts without blocking a thread: <see cref="Wait(TimeSpan, CancellationToken)"/>'s
    /// contract, asynchronously. Interrupts pending on entry are delivered at once (the result is
    /// already complete); otherwise it spins inline for <see cref="UintrReceiverOptions.SpinDuration"/>,
    /// then hands the receiver to the library's futex engine, whose threads sleep for many receivers at once.
    /// Returns <see langword="true"/> once at least one handler ran, <see langword="false"/> on timeout.
    /// </summary>
    /// <remarks>
    /// <para>Handlers run on the thread that resumes the await. In the
    /// <see cref="SynchronizationContext"/> that was current when <see cref="WaitAsync(TimeSpan, CancellationToken)"/>
    /// was called, if there is one. Otherwise on the engine thread the kernel woke: before it runs
    /// any handler it stops being an engine thread (another takes over the sleeping, see
    /// docs/API.md, "Where the code after an await runs"), so the thread is the application's
    /// until the awaiting code returns or awaits again, and a handler or continuation that blocks
    /// delays no other receiver. When one wake completes several waits, the others resume on
    /// thread-pool threads. The vector pages go to BLOCKED and back exactly as for
    /// <see cref="Wait(TimeSpan)"/> (docs/ABI.md section 5), so senders cannot tell the two apart.</para>
    /// <para>A steady-state call allocates nothing: the receiver reuses one operation object for
    /// every wait. As with any <see cref="ValueTask{TResult}"/>, await the result once.
    /// <see cref="Wait(TimeSpan)"/>, WaitAsync and <see cref="Poll"/> exclude each other
    /// while it is pending.</para>
    /// </remarks>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits for ever.</param>
    /// <param name="cancellationToken">
    /// Cancels the wait with <see cref="OperationCanceledException"/>. A post the wait had already
    /// collected is delivered instead (the result is then <see langword="true"/>); none is lost.
    /// </param>
    /// <exception cref="InvalidOperationException">Interrupts are disabled; called from a handler; or another Wait, WaitAsync or Poll is in progress.</exception>
    /// <exception cref="ObjectDisposedException">The receiver is disposed, before or during the wait.</exception>
    /// <exception cref="UintrException">
    /// EOPNOTSUPP on the native path: the hardware delivers to the thread that registered the
    /// receiver, which only a blocking <see cref="Wait(TimeSpan)"/> on that thread can keep.
    /// </exception>
    public ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be non-negative or Timeout.InfiniteTimeSpan.");
        if (_futex is null)
        {
            ThrowIfDisposed();
            throw new UintrException(Errno.EOPNOTSUPP,
                "WaitAsync is not available on the native path: user interrupts are delivered to the thread that registered the receiver, " +
                "and only a blocking Wait on that thread can receive them. Use Wait there, or a futex-mode receiver (UintrReceiverOptions.Mode = UintrMode.Futex).");
        }
        long timeoutTicks = timeout == Timeout.InfiniteTimeSpan ? -1 : StopwatchTime.ToTicks(timeout);
        bool nested = Enter();
        bool handedOver = false;
        try
        {
            if (_inHandler)
                throw new InvalidOperationException("WaitAsync cannot be called from a handler: handlers are never re-entered.");
            if (!_interruptsEnabled)
                throw new InvalidOperationException("Interrupts are disabled: WaitAsync could never deliver. Call EnableInterrupts first.");
            cancellationToken.ThrowIfCancellationRequested();
            if (DeliverOrSpin(timeoutTicks, cancellationToken, out long deadline)) // W1, W2 inline: a busy receiver never sleeps
                return new ValueTask<bool>(true);
            if (timeoutTicks == 0)
                return new ValueTask<bool>(false);
            // A result not yet taken by its awaiter still lives in the old operation: only then a new one.
            AsyncWait wait = _asyncWait is { ResultTaken: true } reusable ? reusable : CreateAsyncWait();
            handedOver = true;
            return wait.Start(deadline, cancellationToken);
        }
        finally
        {
            if (!handedOver)
                Exit(nested);
        }
    }

    /// <summary>
    /// Waits for interrupts with no timeout: <see cref="WaitAsync(TimeSpan, CancellationToken)"/>
    /// with <see cref="Timeout.InfiniteTimeSpan"/>. The result is always <see langword="true"/>
    /// (a handler ran); it ends otherwise only by cancellation or disposal.
    /// </summary>
    /// <inheritdoc cref="WaitAsync(TimeSpan, CancellationToken)" path="/exception"/>
    /// <param name="cancellationToken">Cancels the wait with <see cref="OperationCanceledException"/>; a post already collected is delivered instead.</param>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => WaitAsync(Timeout.InfiniteTimeSpan, cancellationToken);

    private AsyncWait CreateAsyncWait()
    {
        var wait = new AsyncWait(this, _futex!);
        Volatile.Write(ref _asyncWait, wait);
        return wait;
    }

    /// <summary>
    /// W3–W11 of one WaitAsync, written out as a state machine so that the receiver can reuse it:
    /// the caller arms the pages (W3–W6), the futex engine sleeps (W7) and completes the
    /// operation on the engine thread it gives away (or posts it to the caller's context, or the
    /// thread pool), where it disarms, collects and delivers (W9–W11), then completes the awaited
    /// source inline so that the awaiting code runs on that same thread. Owns the receiver from
    /// the caller's Enter to its own Exit.
    /// </summary>
    private sealed unsafe class AsyncWait : FutexRegistration, IValueTaskSource<bool>, IThreadPoolWorkItem
    {
        private static readonly SendOrPostCallback s_resumeInContext = static state => ((AsyncWait)state!).Resume();

        private readonly UintrReceiver _receiver;
        private readonly IDispatchablePath _path;
        private ManualResetValueTaskSourceCore<bool> _core; // continuations inline: the resuming thread runs the awaiting code
        private CancellationTokenRegistration _registration;
        private CancellationToken _token;
        private SynchronizationContext? _context;
        private long _deadline;
        private ulong _live;
        private EngineOutcome _outcome;
        private volatile bool _resultTaken = true;

        public AsyncWait(UintrReceiver receiver, IDispatchablePath path)
            : base(FutexPath.VectorPageLayout.VectorCount)
        {
            _receiver = receiver;
            _path = path;
        }

        /// <summary>Whether the last asynchronous result was taken (GetResult), so <see cref="Start"/> may reset the source.</summary>
        public bool ResultTaken => _resultTaken;

        /// <summary>On the caller's thread, which owns the receiver: W3–W6, then either a result now or a sleep.</summary>
        public ValueTask<bool> Start(long deadline, CancellationToken cancellationToken)
        {
            _core.Reset();
            _deadline = deadline;
            _token = cancellationToken;
            SynchronizationContext? context = SynchronizationContext.Current;
            _context = context is not null && context.GetType() != typeof(SynchronizationContext) ? context : null;
            _receiver._waitToken = cancellationToken;
            _registration = _receiver.RegisterCancellation(cancellationToken);
            bool? result;
            try
            {
                result = ArmOrFinish(posted: 0, slept: false);
            }
            catch
            {
                Finish();
                throw;
            }
            if (result is not { } done)
                return new ValueTask<bool>(this, _core.Version);
            Finish();
            return new ValueTask<bool>(done);
        }

        /// <summary>
        /// W10–W11 for what the last block found, then, unless that ends the wait, W3–W6 and a sleep
        /// (null). Returns the wait's result when it ends.
        /// </summary>
        private bool? ArmOrFinish(ulong posted, bool slept)
        {
            UintrReceiver receiver = _receiver;
            if (slept)
            {
                var block = new BlockResult(posted, Slept: true, WokenByPost: _outcome == EngineOutcome.Woken,
                    TimedOut: _outcome == EngineOutcome.TimedOut);
                if (receiver.AfterBlock(block, _deadline, _token) is { } done)     // W10, W11
                    return done;
            }
            while (true)
            {
                uint generation = receiver._path.Generation;                        // W3
                ulong live = Volatile.Read(ref receiver._liveMask);
                posted = _path.Arm(live);                                           // W4, W5
                if (posted == 0 && Stopwatch.GetTimestamp() < _deadline && receiver._beforeSleep()) // W6
                {
                    _live = live;
                    Volatile.Write(ref receiver._owner, AsyncOwner);
                    try
                    {
                        int words = _path.GetWaitWords(live, Words);
                        Values[..words].Fill(FutexPath.VectorPageLayout.Blocked);
                        Start(words, _path.WakeWord, generation, _deadline);        // W7, in the engine
                    }
                    catch
                    {
                        Volatile.Write(ref receiver._owner, Environment.CurrentManagedThreadId);
                        _path.Disarm(live);
                        throw;
                    }
                    return null;
                }
                posted |= _path.Disarm(live);                                       // W9, W10
                var block = new BlockResult(posted, Slept: false, WokenByPost: false, TimedOut: Stopwatch.GetTimestamp() >= _deadline);
                if (receiver.AfterBlock(block, _deadline, _token) is { } done)     // W10, W11
                    return done;
            }
        }

        /// <summary>The rest runs the handlers and the awaiting code: the engine gives its thread away first.</summary>
        protected internal override bool RunsUserCode => _context is null;

        /// <summary>
        /// On an engine thread: with a captured context, post the rest to it; else run it here
        /// (<paramref name="inline"/>: this thread is given away to it) or on the thread pool.
        /// </summary>
        protected internal override void Complete(EngineOutcome outcome, bool inline)
        {
            _outcome = outcome;
            if (_context is { } context)
                context.Post(s_resumeInContext, this);
            else if (inline)
                Resume();
            else
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        void IThreadPoolWorkItem.Execute() => Resume();

        /// <summary>On the resuming thread: take the receiver back, W9–W11, and complete or sleep again.</summary>
        private void Resume()
        {
            UintrReceiver receiver = _receiver;
            Volatile.Write(ref receiver._owner, Environment.CurrentManagedThreadId);
            bool? result;
            try
            {
                ulong posted = _path.Disarm(_live);                                 // W9, W10
                result = ArmOrFinish(posted, slept: true);
            }
            catch (Exception e)
            {
                _resultTaken = false;
                Finish();
                _core.SetException(e);
                return;
            }
            if (result is { } done)
            {
                _resultTaken = false;
                Finish();
                _core.SetResult(done);
            }
        }

        /// <summary>Releases what the wait held; the receiver is free (and may be released) once this returns.</summary>
        private void Finish()
        {
            _receiver._waitToken = default;
            _registration.Dispose();
            _registration = default;
            _token = default;
            _context = null;
            _receiver.Exit(nested: false);
        }

        bool IValueTaskSource<bool>.GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _resultTaken = true;
            }
        }

        ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
