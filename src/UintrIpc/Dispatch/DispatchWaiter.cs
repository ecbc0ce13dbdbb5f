using System.Threading.Tasks.Sources;
using UintrIpc.Delivery;
using static UintrIpc.Protocol.VectorPageDescriptor;

namespace UintrIpc.Dispatch;

/// <summary>
/// One receiver's seat in the dispatcher: the words its W7 would wait on, and the
/// <see cref="IValueTaskSource{TResult}"/> its <c>WaitAsync</c> awaits. A receiver has one and
/// reuses it for every sleep (one waiter at a time), so a steady-state sleep allocates nothing.
/// </summary>
/// <remarks>
/// Continuations always run asynchronously: the dispatcher thread only completes the source,
/// and the receiver's W9, W10 and handlers run where the await resumes.
/// </remarks>
internal sealed unsafe class DispatchWaiter : IValueTaskSource<DispatchOutcome>
{
    private ManualResetValueTaskSourceCore<DispatchOutcome> _core = new() { RunContinuationsAsynchronously = true };
    private readonly nint[] _words = new nint[VectorCount];
    private int _wordCount;
    private uint* _wakeWord;
    private uint _generation;
    private DispatcherShard? _shard;

    /// <summary>Stopwatch timestamp at which the sleep times out; <see cref="long.MaxValue"/> for never.</summary>
    internal long Deadline { get; private set; }

    /// <summary>Words this waiter takes in its shard's futex_waitv array (at least one, so shards stay bounded).</summary>
    internal int Cost => Math.Max(1, _wordCount);

    internal int WordCount => _wordCount;

    internal nint Word(int index) => _words[index];

    /// <summary>
    /// Hands the receiver, already armed (W4–W6 done, nothing pending), to a dispatcher thread;
    /// the result says what ended the sleep. <paramref name="generation"/> is the wake word's value read at W3.
    /// </summary>
    public ValueTask<DispatchOutcome> SleepAsync(IDispatchablePath path, ulong live, uint generation, long deadline)
    {
        _core.Reset();
        _wordCount = path.GetWaitWords(live, _words);
        _wakeWord = path.WakeWord;
        _generation = generation;
        Deadline = deadline;
        Dispatcher.Add(this);
        return new ValueTask<DispatchOutcome>(this, _core.Version);
    }

    /// <summary>
    /// Makes the dispatcher look at this waiter again; called after the receiver bumped its wake
    /// word. A waiter not yet adopted by a shard is checked against the wake word when it is.
    /// </summary>
    public void Interrupt() => Volatile.Read(ref _shard)?.Poke();

    internal void AssignShard(DispatcherShard? shard) => Volatile.Write(ref _shard, shard);

    /// <summary>Whether the sleep is over, and why; called by the owning shard's thread only.</summary>
    internal DispatchOutcome? Check(long now)
    {
        for (int i = 0; i < _wordCount; i++)
        {
            if (Volatile.Read(ref *(uint*)_words[i]) != Blocked)
                return DispatchOutcome.Woken;
        }
        if (Volatile.Read(ref *_wakeWord) != _generation)
            return DispatchOutcome.Interrupted;
        if (now >= Deadline)
            return DispatchOutcome.TimedOut;
        return null;
    }

    internal void Complete(DispatchOutcome outcome) => _core.SetResult(outcome);

    DispatchOutcome IValueTaskSource<DispatchOutcome>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<DispatchOutcome>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<DispatchOutcome>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
