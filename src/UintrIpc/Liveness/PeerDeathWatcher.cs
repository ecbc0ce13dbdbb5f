using UintrIpc.Engine;

namespace UintrIpc.Liveness;

/// <summary>
/// Wakes whoever waits for a peer when the kernel marks the peer's owner word dead. The kernel
/// wakes one sleeper of a robust word at its owner's death only if <see cref="OwnerWord.Waiters"/>
/// is set in it, so each watch is a registration of the futex engine over one owner word that
/// sets that bit and sleeps while the word keeps the value it read. It calls back, on an engine
/// thread, once per dead word.
/// </summary>
internal sealed unsafe class PeerDeathWatcher : FutexRegistration, IDisposable
{
    private readonly Action _onDeath;
    private int _done;

    private PeerDeathWatcher(uint* word, Action onDeath)
        : base(capacity: 1)
    {
        _onDeath = onDeath;
        Words[0] = (nint)word;
    }

    /// <summary>
    /// Calls <paramref name="onDeath"/> once when <paramref name="word"/> says its owner died
    /// (soon, on an engine thread, if it already does). The word must stay mapped until the
    /// returned watch is disposed; after Dispose the engine never reads it again.
    /// </summary>
    public static IDisposable Watch(uint* word, Action onDeath)
    {
        var watch = new PeerDeathWatcher(word, onDeath);
        watch.Values[0] = Volatile.Read(ref *word);
        watch.Start(1, wakeWord: null, generation: 0, deadline: long.MaxValue);
        return watch;
    }

    /// <summary>
    /// Ask the kernel for a wake at the death; a CAS that loses to the owner or to the kernel just
    /// shows up as another value, and the next futex_waitv expects whatever value is there now.
    /// </summary>
    internal override EngineOutcome? Check(long now, bool readWords)
    {
        uint* word = (uint*)Words[0];
        uint value = Volatile.Read(ref *word);
        if (!OwnerWord.IsDead(value) && (value & OwnerWord.Waiters) == 0)
            value = Interlocked.CompareExchange(ref *word, value | OwnerWord.Waiters, value) == value ? value | OwnerWord.Waiters : Volatile.Read(ref *word);
        if (OwnerWord.IsDead(value))
            return EngineOutcome.Woken;
        Values[0] = value;
        return base.Check(now, readWords: false);
    }

    /// <summary>Only a death ends the watch: a wake of a word still alive is looked at like any other change.</summary>
    internal override EngineOutcome? CheckWoken(long now) => Check(now, readWords: true);

    protected internal override void Complete(EngineOutcome outcome, bool inline)
    {
        if (outcome == EngineOutcome.Woken && Interlocked.Exchange(ref _done, 1) == 0)
            _onDeath();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
            FutexEngine.Remove(this);
    }
}
