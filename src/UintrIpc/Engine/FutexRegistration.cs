using UintrIpc.Interop;

namespace UintrIpc.Engine;

/// <summary>
/// One sleeper of the <see cref="FutexEngine"/>: the words it sleeps on with their expected
/// values, an optional private wake word with the generation it must keep, a deadline and a
/// completion. An owner reuses one registration for every sleep (one sleep at a time), so a
/// steady-state sleep allocates nothing.
/// </summary>
/// <remarks>
/// <see cref="Check"/> and <see cref="FillArray"/> run on the shard's leader under
/// <see cref="FutexEngine.Lock"/>; <see cref="Complete"/> runs on an engine thread after the
/// engine let go of the registration, with no lock held and, when <see cref="RunsUserCode"/>,
/// after that thread gave its engine duties away (see <see cref="FutexEngine"/>).
/// </remarks>
internal abstract unsafe class FutexRegistration
{
    private readonly nint[] _words;
    private readonly uint[] _values;
    private int _count;
    private uint* _wakeWord;
    private uint _generation;
    private volatile bool _interruptRequested;

    protected FutexRegistration(int capacity)
    {
        _words = new nint[capacity];
        _values = new uint[capacity];
    }

    private FutexShard? _shard;

    /// <summary>The shard holding this registration, or null; written under <see cref="FutexEngine.Lock"/>, read by pokers without it.</summary>
    internal FutexShard? Shard
    {
        get => Volatile.Read(ref _shard);
        set => Volatile.Write(ref _shard, value);
    }

    /// <summary>Stopwatch timestamp at which the sleep times out; <see cref="long.MaxValue"/> for never.</summary>
    internal long Deadline { get; private set; }

    /// <summary>Not yet read in full by its shard since it was added (the leader only).</summary>
    internal bool IsNew { get; set; }

    /// <summary>Words this registration takes in its shard's futex_waitv array (at least one, so shards stay bounded).</summary>
    internal int Cost => Math.Max(1, _count);

    /// <summary>
    /// Whether <see cref="Complete"/> may run code that is not the library's and may block: the
    /// engine then gives the thread away first, and runs at most one such completion per wake
    /// inline (the others go to the thread pool).
    /// </summary>
    protected internal virtual bool RunsUserCode => false;

    /// <summary>The words and expected values, filled by the owner before <see cref="Start"/>.</summary>
    protected Span<nint> Words => _words;

    /// <summary>The expected value of each of <see cref="Words"/>.</summary>
    protected Span<uint> Values => _values;

    /// <summary>
    /// Hands the registration to the engine: it sleeps while each of the first
    /// <paramref name="count"/> words holds its value, <paramref name="wakeWord"/> (if any) holds
    /// <paramref name="generation"/>, and the deadline has not passed.
    /// </summary>
    protected void Start(int count, uint* wakeWord, uint generation, long deadline)
    {
        _count = count;
        _wakeWord = wakeWord;
        _generation = generation;
        Deadline = deadline;
        _interruptRequested = false;
        IsNew = true;
        FutexEngine.Add(this);
    }

    /// <summary>
    /// Called once the engine let go of the registration. <paramref name="inline"/>: on the
    /// engine thread, which is given away to this call; otherwise the completion must hand itself
    /// on (queue to the thread pool) and return at once.
    /// </summary>
    protected internal abstract void Complete(EngineOutcome outcome, bool inline);

    /// <summary>
    /// Makes the engine look at this registration again, after its owner bumped the wake word
    /// (or, with no wake word, to withdraw it). Not yet adopted: checked when it is.
    /// </summary>
    public void Interrupt()
    {
        _interruptRequested = true;
        FutexEngine.Poke(this);
    }

    /// <summary>
    /// Whether the sleep is over, and why. <paramref name="readWords"/> false: only what can end
    /// it without a look at the watched words (an interrupt, the deadline), enough while the
    /// kernel watches them (a changed word makes the next futex_waitv return at once, and then
    /// every registration is read in full).
    /// </summary>
    internal virtual EngineOutcome? Check(long now, bool readWords)
    {
        if (readWords)
        {
            for (int i = 0; i < _count; i++)
            {
                if (Volatile.Read(ref *(uint*)_words[i]) != _values[i])
                    return EngineOutcome.Woken;
            }
        }
        if ((readWords || _interruptRequested) && IsInterrupted())
            return EngineOutcome.Interrupted;
        return now >= Deadline ? EngineOutcome.TimedOut : null;
    }

    /// <summary>
    /// The outcome when the kernel named one of this registration's words as the one woken. By
    /// default a wake counts even if the value did not change (a sender woke it: docs/ABI.md S7).
    /// </summary>
    internal virtual EngineOutcome? CheckWoken(long now) => EngineOutcome.Woken;

    private bool IsInterrupted() => _wakeWord is null ? _interruptRequested : Volatile.Read(ref *_wakeWord) != _generation;

    /// <summary>Writes this registration's words into the shard's array; returns how many.</summary>
    internal int FillArray(Shim.FutexWaiter* array, FutexRegistration?[] owners, int at)
    {
        for (int i = 0; i < _count; i++)
        {
            owners[at + i] = this;
            array[at + i] = new Shim.FutexWaiter { Value = _values[i], Address = (ulong)_words[i], Flags = Shim.FUTEX2_SIZE_U32 }; // shared: other processes wake them
        }
        return _count;
    }
}
