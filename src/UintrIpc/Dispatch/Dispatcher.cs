using UintrIpc.Interop;

namespace UintrIpc.Dispatch;

/// <summary>
/// What sleeps for async waiters: a few threads, each asleep in one <c>futex_waitv</c> over the
/// status words of many receivers' pages plus a private control word of its own. A shard takes
/// at most <see cref="WordsPerShard"/> words (the kernel's 128 less the control word); a waiter
/// goes to the first shard with room, a new shard starts when none has any, and a shard that
/// stays empty for <see cref="DispatcherShard.IdleRetirement"/> ends its thread.
/// </summary>
/// <remarks>
/// Sharded <c>futex_waitv</c> rather than io_uring's futex operations (Linux 6.7+): it needs no
/// ring per process, no registration per word and no kernel newer than the runtime already
/// needs (5.16), it is the same system call the synchronous W7 makes (so one Promela model and
/// one ABI cover both), and a post wakes only the shard whose array holds that word. Waking
/// one shard costs the same as waking a synchronous receiver; the rebuild of a 127-word array
/// after each wake is a few hundred nanoseconds of plain loads.
/// </remarks>
internal static class Dispatcher
{
    internal const int WordsPerShard = Shim.FutexWaitvMax - 1;

    /// <summary>Guards the shard list and every shard's pending list and word count.</summary>
    internal static readonly Lock Lock = new();

    private static readonly List<DispatcherShard> s_shards = [];
    private static int s_waiting;
    private static int s_threads;
    private static long s_woken, s_interrupted, s_timedOut;

    /// <summary>Receivers asleep in the dispatcher now.</summary>
    public static int Waiting => Volatile.Read(ref s_waiting);

    /// <summary>Dispatcher threads alive now.</summary>
    public static int Threads => Volatile.Read(ref s_threads);

    /// <summary>Sleeps the dispatcher ended because a status word left BLOCKED (a sender's notification, or a page toggled).</summary>
    public static long Woken => Volatile.Read(ref s_woken);

    /// <summary>Sleeps ended by the receiver's wake word (cancellation, disposal, vectors changed).</summary>
    public static long Interrupted => Volatile.Read(ref s_interrupted);

    /// <summary>Sleeps ended by their deadline.</summary>
    public static long TimedOut => Volatile.Read(ref s_timedOut);

    /// <summary>Gives <paramref name="waiter"/> to a shard with room for its words, starting one if none has.</summary>
    public static void Add(DispatchWaiter waiter)
    {
        DispatcherShard? shard = null;
        lock (Lock)
        {
            foreach (DispatcherShard candidate in s_shards)
            {
                if (candidate.FreeWords >= waiter.Cost)
                {
                    shard = candidate;
                    break;
                }
            }
            if (shard is null)
            {
                shard = new DispatcherShard();
                s_shards.Add(shard);
                Interlocked.Increment(ref s_threads);
                shard.Start();
            }
            shard.Enqueue(waiter);
            Interlocked.Increment(ref s_waiting);
        }
        shard.Poke();
    }

    /// <summary>Takes an empty shard out of the list; false when a waiter arrived meanwhile. Under <see cref="Lock"/>.</summary>
    internal static bool TryRetire(DispatcherShard shard)
    {
        if (!shard.IsEmpty)
            return false;
        s_shards.Remove(shard);
        Interlocked.Decrement(ref s_threads);
        return true;
    }

    /// <summary>Counts one finished sleep; the shard completes the waiter right after.</summary>
    internal static void Finished(DispatchOutcome outcome)
    {
        Interlocked.Decrement(ref s_waiting);
        if (outcome == DispatchOutcome.Woken)
            Interlocked.Increment(ref s_woken);
        else if (outcome == DispatchOutcome.Interrupted)
            Interlocked.Increment(ref s_interrupted);
        else
            Interlocked.Increment(ref s_timedOut);
    }
}
