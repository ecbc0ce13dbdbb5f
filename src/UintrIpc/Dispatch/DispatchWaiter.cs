using UintrIpc.Delivery;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.Dispatch;

/// <summary>
/// One receiver's seat in the dispatcher: the words its W7 would wait on, the wake word and
/// generation of its W3, and its deadline. A receiver has one and reuses it for every sleep
/// (one waiter at a time), so a steady-state sleep allocates nothing.
/// </summary>
/// <remarks>
/// <see cref="Wake"/> runs on a dispatcher thread and must only hand the waiter on (queue it to
/// the thread pool or post it to a synchronization context): the receiver's W9, W10 and
/// handlers never run on a dispatcher thread.
/// </remarks>
internal abstract unsafe class DispatchWaiter
{
    private readonly nint[] _words = new nint[VectorCount];
    private int _wordCount;
    private uint* _wakeWord;
    private uint _generation;
    private DispatcherShard? _shard;
    private volatile bool _interruptRequested;

    /// <summary>Stopwatch timestamp at which the sleep times out; <see cref="long.MaxValue"/> for never.</summary>
    internal long Deadline { get; private set; }

    /// <summary>Words this waiter takes in its shard's futex_waitv array (at least one, so shards stay bounded).</summary>
    internal int Cost => Math.Max(1, _wordCount);

    internal int WordCount => _wordCount;

    /// <summary>Not yet read in full by its shard since it was added (the shard's thread only).</summary>
    internal bool IsNew { get; private set; }

    internal nint Word(int index) => _words[index];

    /// <summary>
    /// Hands the receiver, already armed (W4–W6 done, nothing pending), to a dispatcher thread,
    /// which calls <see cref="Wake"/> when the sleep is over. <paramref name="generation"/> is the
    /// wake word's value read at W3.
    /// </summary>
    protected void Sleep(IDispatchablePath path, ulong live, uint generation, long deadline)
    {
        _wordCount = path.GetWaitWords(live, _words);
        _wakeWord = path.WakeWord;
        _generation = generation;
        Deadline = deadline;
        _interruptRequested = false;
        IsNew = true;
        Dispatcher.Add(this);
    }

    /// <summary>Called on the dispatcher thread once the shard let go of this waiter: hand it on, do nothing else.</summary>
    protected internal abstract void Wake(DispatchOutcome outcome);

    /// <summary>
    /// Makes the dispatcher look at this waiter again; called after the receiver bumped its wake
    /// word. A waiter not yet adopted by a shard is checked against the wake word when it is.
    /// </summary>
    public void Interrupt()
    {
        _interruptRequested = true;
        Volatile.Read(ref _shard)?.Poke();
    }

    internal void AssignShard(DispatcherShard? shard) => Volatile.Write(ref _shard, shard);

    /// <summary>
    /// What can end the sleep without a look at shared memory: an interrupt asked for, or the
    /// deadline. Enough for a waiter whose words the kernel is watching (a changed word makes the
    /// next futex_waitv return at once, and then every waiter gets the full <see cref="Check"/>).
    /// </summary>
    internal DispatchOutcome? CheckWithoutPages(long now)
    {
        if (_interruptRequested)
            return Volatile.Read(ref *_wakeWord) != _generation ? DispatchOutcome.Interrupted : null;
        return now >= Deadline ? DispatchOutcome.TimedOut : null;
    }

    /// <summary>Whether the sleep is over, and why; called by the owning shard's thread only.</summary>
    internal DispatchOutcome? Check(long now)
    {
        IsNew = false;
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

}
