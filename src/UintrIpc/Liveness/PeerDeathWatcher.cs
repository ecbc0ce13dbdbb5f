using UintrIpc.Interop;

namespace UintrIpc.Liveness;

/// <summary>
/// Wakes whoever waits for a peer when the kernel marks the peer's owner word dead. The kernel
/// wakes one sleeper of a robust word at its owner's death only if <see cref="OwnerWord.Waiters"/>
/// is set in it, so each shard is a thread that sets that bit in up to 127 peers' words and
/// sleeps on them in one <c>futex_waitv</c>, with a private control word that changes whenever
/// a word is added or removed. It calls back, on its own thread, once per dead word.
/// </summary>
internal sealed unsafe class PeerDeathWatcher
{
    private const int WordsPerShard = Shim.FutexWaitvMax - 1;

    private static readonly Lock s_lock = new();
    private static readonly List<PeerDeathWatcher> s_shards = [];

    private readonly List<WordWatch> _watches = [];
    // The private futex word bumped at every change of _watches: native memory, because the GC
    // may move a managed field while the thread sleeps on its address. A shard lives for ever.
    private readonly uint* _control = (uint*)NativeMemory.AllocZeroed(sizeof(uint));

    private PeerDeathWatcher()
    {
        new Thread(Run) { IsBackground = true, Name = "UintrIpc peer death watcher" }.Start();
    }

    /// <summary>
    /// Calls <paramref name="onDeath"/> once when <paramref name="word"/> says its owner died
    /// (at once if it already does). The word must stay mapped until the returned watch is disposed.
    /// </summary>
    public static IDisposable Watch(uint* word, Action onDeath)
    {
        lock (s_lock)
        {
            PeerDeathWatcher? shard = s_shards.Find(s => s._watches.Count < WordsPerShard);
            if (shard is null)
            {
                shard = new PeerDeathWatcher();
                s_shards.Add(shard);
            }
            var watch = new WordWatch(shard, (nint)word, onDeath);
            shard._watches.Add(watch);
            shard.Changed();
            return watch;
        }
    }

    private void Changed()
    {
        Interlocked.Increment(ref *_control);
        Shim.FutexWake(_control, 1, shared: false);
    }

    private void Run()
    {
        Shim.FutexWaiter* waiters = stackalloc Shim.FutexWaiter[Shim.FutexWaitvMax];
        var dead = new List<WordWatch>();
        while (true)
        {
            uint count = 0;
            lock (s_lock)
            {
                waiters[count++] = new Shim.FutexWaiter
                {
                    Value = Volatile.Read(ref *_control),
                    Address = (ulong)_control,
                    Flags = Shim.FUTEX2_SIZE_U32 | Shim.FUTEX2_PRIVATE,
                };
                for (int i = _watches.Count - 1; i >= 0; i--)
                {
                    WordWatch watch = _watches[i];
                    uint* word = (uint*)watch.Word;
                    uint value = Volatile.Read(ref *word);
                    // Ask the kernel for a wake at the death; a CAS that loses to the owner or to
                    // the kernel just shows up as a changed value at the next pass.
                    if (!OwnerWord.IsDead(value) && (value & OwnerWord.Waiters) == 0)
                        value = Interlocked.CompareExchange(ref *word, value | OwnerWord.Waiters, value) == value ? value | OwnerWord.Waiters : Volatile.Read(ref *word);
                    if (OwnerWord.IsDead(value))
                    {
                        _watches.RemoveAt(i);
                        dead.Add(watch);
                        continue;
                    }
                    waiters[count++] = new Shim.FutexWaiter { Value = value, Address = (ulong)watch.Word, Flags = Shim.FUTEX2_SIZE_U32 };
                }
            }
            foreach (WordWatch watch in dead)
                watch.Fire();
            if (dead.Count > 0)
            {
                dead.Clear();
                continue;
            }
            Shim.FutexWaitv(waiters, count, -1);
        }
    }

    private sealed class WordWatch(PeerDeathWatcher shard, nint word, Action onDeath) : IDisposable
    {
        private int _done;

        public nint Word => word;

        public void Fire()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                onDeath();
        }

        public void Dispose()
        {
            lock (s_lock)
            {
                Interlocked.Exchange(ref _done, 1);
                if (shard._watches.Remove(this))
                    shard.Changed();
            }
        }
    }
}
