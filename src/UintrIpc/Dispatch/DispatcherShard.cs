using System.Diagnostics;
using UintrIpc.Interop;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.Dispatch;

/// <summary>
/// One dispatcher thread: W7 of docs/ABI.md section 5 for up to <see cref="Dispatcher.WordsPerShard"/>
/// words of many receivers at once. After each return of <c>futex_waitv</c> it completes the
/// waiters whose words changed, whose wake word moved or whose deadline passed, and sleeps
/// again on the rest; a post to one receiver completes that receiver's waiter only.
/// </summary>
/// <remarks>
/// The status words are only read when the kernel could not say which word ended the sleep
/// (a value already changed at entry: -EAGAIN, or a signal). When it names a word, that word's
/// waiter is done and the others are checked for interrupts and deadlines only: any other word
/// that changed meanwhile makes the next <c>futex_waitv</c> return -EAGAIN at once, and then
/// every waiter is read. Newly added waiters are always read in full.
/// </remarks>
internal sealed unsafe class DispatcherShard
{
    /// <summary>How long a shard with no waiter keeps its thread.</summary>
    internal static readonly TimeSpan IdleRetirement = TimeSpan.FromSeconds(1);

    private static readonly long s_idleRetirementTicks = (long)(IdleRetirement.TotalSeconds * Stopwatch.Frequency);

    // Pinned: the kernel reads the array and sleeps on the control word by address, and a poker
    // may still hold this shard after it retired (its word stays valid memory while referenced).
    private readonly uint[] _controlWords = GC.AllocateArray<uint>(2, pinned: true); // [0] control, [1] sleeping
    private readonly Shim.FutexWaiter[] _array = GC.AllocateArray<Shim.FutexWaiter>(Shim.FutexWaitvMax, pinned: true);
    private readonly DispatchWaiter?[] _arrayOwner = new DispatchWaiter?[Shim.FutexWaitvMax];
    private readonly DispatchWaiter?[] _entries = new DispatchWaiter?[Dispatcher.WordsPerShard];
    private readonly List<DispatchWaiter> _pending = new(Dispatcher.WordsPerShard);
    private readonly (DispatchWaiter Waiter, DispatchOutcome Outcome)[] _finished = new (DispatchWaiter, DispatchOutcome)[Dispatcher.WordsPerShard];
    private int _count;        // dispatcher thread only
    private int _reservedWords; // under Dispatcher.Lock: words of entries and pending waiters

    internal int FreeWords => Dispatcher.WordsPerShard - _reservedWords;

    internal bool IsEmpty => _reservedWords == 0;

    internal void Start()
    {
        var thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "UintrIpc dispatcher" };
        thread.UnsafeStart();
    }

    /// <summary>Under <see cref="Dispatcher.Lock"/>.</summary>
    internal void Enqueue(DispatchWaiter waiter)
    {
        _reservedWords += waiter.Cost;
        _pending.Add(waiter);
        waiter.AssignShard(this);
    }

    /// <summary>Makes the thread look at its waiters again; a system call only when it sleeps.</summary>
    internal void Poke()
    {
        fixed (uint* words = _controlWords)
        {
            Interlocked.Increment(ref words[0]);
            // Dekker with Run: it publishes "sleeping" and then futex_waitv compares the control
            // word, so either this sees it asleep and wakes it, or its compare sees the increment.
            if (Volatile.Read(ref words[1]) != 0)
                Shim.FutexWake(&words[0], 1, shared: false);
        }
    }

    private void Run()
    {
        long emptySince = Stopwatch.GetTimestamp();
        DispatchWaiter? wokenBy = null;
        bool readAll = true;
        fixed (uint* control = _controlWords)
        fixed (Shim.FutexWaiter* array = _array)
        {
            while (true)
            {
                uint generation = Volatile.Read(ref control[0]);
                long now = Stopwatch.GetTimestamp();
                int finished = 0;
                bool retire = false;
                lock (Dispatcher.Lock)
                {
                    foreach (DispatchWaiter waiter in _pending)
                        _entries[_count++] = waiter;
                    _pending.Clear();
                    for (int i = 0; i < _count;)
                    {
                        DispatchWaiter waiter = _entries[i]!;
                        DispatchOutcome? outcome = ReferenceEquals(waiter, wokenBy) ? DispatchOutcome.Woken
                            : readAll || waiter.IsNew ? waiter.Check(now)
                            : waiter.CheckWithoutPages(now);
                        if (outcome is not { } done)
                        {
                            i++;
                            continue;
                        }
                        _entries[i] = _entries[--_count];
                        _entries[_count] = null;
                        _reservedWords -= waiter.Cost;
                        waiter.AssignShard(null);
                        _finished[finished++] = (waiter, done);
                    }
                    if (_count != 0 || finished != 0)
                        emptySince = now;
                    else if (now - emptySince >= s_idleRetirementTicks)
                        retire = Dispatcher.TryRetire(this);
                }
                wokenBy = null;
                readAll = false;
                for (int i = 0; i < finished; i++)
                {
                    (DispatchWaiter waiter, DispatchOutcome outcome) = _finished[i];
                    _finished[i] = default;
                    Dispatcher.Finished(outcome);
                    waiter.Wake(outcome);
                }
                if (retire)
                    return;

                int words = 0;
                long nearest = long.MaxValue;
                for (int i = 0; i < _count; i++)
                {
                    DispatchWaiter waiter = _entries[i]!;
                    nearest = Math.Min(nearest, waiter.Deadline);
                    for (int w = 0; w < waiter.WordCount; w++)
                    {
                        _arrayOwner[words] = waiter;
                        array[words++] = new Shim.FutexWaiter
                        {
                            Value = Blocked,
                            Address = (ulong)waiter.Word(w),
                            Flags = Shim.FUTEX2_SIZE_U32, // shared: senders in other processes wake these
                        };
                    }
                }
                array[words] = new Shim.FutexWaiter
                {
                    Value = generation,
                    Address = (ulong)control,
                    Flags = Shim.FUTEX2_SIZE_U32 | Shim.FUTEX2_PRIVATE,
                };
                long timeoutNs = _count == 0 ? ToNanoseconds(s_idleRetirementTicks)
                    : nearest == long.MaxValue ? -1
                    : ToNanoseconds(nearest - Stopwatch.GetTimestamp());
                Interlocked.Exchange(ref control[1], 1);
                int result = Shim.FutexWaitv(array, (uint)words + 1, timeoutNs);
                Volatile.Write(ref control[1], 0);
                if (result >= 0 && result < words)
                    wokenBy = _arrayOwner[result]; // a wake on a word counts even if its value did not change
                else if (result < 0 && result != -Errno.ETIMEDOUT)
                    readAll = true; // -EAGAIN: some word had changed already, but which one the kernel does not say
                Array.Clear(_arrayOwner, 0, words);
            }
        }
    }

    private static long ToNanoseconds(long ticks) =>
        ticks <= 0 ? 0 : (long)Math.Min(ticks * (1e9 / Stopwatch.Frequency), long.MaxValue);
}
