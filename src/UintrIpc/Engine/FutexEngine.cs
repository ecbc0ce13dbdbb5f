using System.Diagnostics;
using UintrIpc.Interop;

namespace UintrIpc.Engine;

/// <summary>
/// The one engine that sleeps for every futex sleeper of the process other than a synchronous
/// <c>Wait</c>: receivers' async waits (W7 of docs/ABI.md section 5) and the death watches of
/// pipe peers' owner words. Registrations are packed into shards of at most
/// <see cref="WordsPerShard"/> words (the kernel's 128 less the shard's control word); each
/// shard with registrations has one leader, an engine thread asleep in one <c>futex_waitv</c>
/// over all its words, and idle engine threads wait as followers.
/// </summary>
/// <remarks>
/// <para><b>Leader/followers.</b> The leader that wakes for a completion whose code is not the
/// library's (an awaiting continuation) runs it itself, at once, so the kernel's wake of the
/// leader is the only thread wake between a sender's <c>FUTEX_WAKE</c> and the code after the
/// <c>await</c>. Before it runs that code it stops leading: if the shard still holds other
/// registrations it hires a follower to lead (its wake runs beside the continuation, off the
/// critical path), else it leaves the shard with no leader and takes the lead again when the
/// continuation returns. A continuation that starts its own next wait (the common loop) then
/// adds it to a shard whose leader is the thread it runs on, and no thread is woken for it. No
/// engine duty is ever held while code not the library's runs, so a continuation that blocks
/// delays only itself and, if it started its receiver's next wait before blocking, that wait;
/// every other registration keeps a leader. A wake that completes several such registrations
/// runs one inline and queues the others to the thread pool.</para>
/// <para><b>Why sharded futex_waitv.</b> Rather than io_uring's futex operations (Linux 6.7+):
/// no ring per process, no registration per word, no kernel newer than the runtime needs (5.16);
/// the same system call the synchronous W7 makes (one Promela model and one ABI cover both); and
/// a post wakes only the shard whose array holds that word.</para>
/// <para>Threads start with the execution context suppressed (<see cref="Thread.UnsafeStart()"/>)
/// and fail fast on an exception the engine did not expect, as the runtime's socket engine does.
/// An engine thread that has been a follower for <see cref="IdleRetirement"/> ends, and a shard
/// that stays empty that long is dropped: an idle process has no engine thread and spends no CPU.</para>
/// </remarks>
internal static class FutexEngine
{
    internal const int WordsPerShard = Shim.FutexWaitvMax - 1;

    /// <summary>How long an empty shard keeps its leader, and an idle follower its thread.</summary>
    internal static readonly TimeSpan IdleRetirement = TimeSpan.FromSeconds(1);

    internal static readonly long IdleRetirementTicks = (long)(IdleRetirement.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Guards the shards, their entries and leaders, and the followers.</summary>
    internal static readonly Lock Lock = new();

    private static readonly List<FutexShard> s_shards = [];
    private static readonly List<EngineThread> s_followers = [];
    private static int s_waiting;
    private static int s_threads;
    private static long s_woken, s_interrupted, s_timedOut, s_leaderWakes, s_hires;

    /// <summary>Registrations asleep in the engine now.</summary>
    public static int Waiting => Volatile.Read(ref s_waiting);

    /// <summary>Engine threads alive now.</summary>
    public static int Threads => Volatile.Read(ref s_threads);

    /// <summary>Sleeps ended because a watched word changed or was woken (a sender's notification, a page toggled, a death).</summary>
    public static long Woken => Volatile.Read(ref s_woken);

    /// <summary>Sleeps ended by an interrupt (cancellation, disposal, vectors changed, a watch withdrawn).</summary>
    public static long Interrupted => Volatile.Read(ref s_interrupted);

    /// <summary>Sleeps ended by their deadline.</summary>
    public static long TimedOut => Volatile.Read(ref s_timedOut);

    /// <summary>Times a leader's futex_waitv returned because a word was woken (not a timeout, not a word changed before the sleep).</summary>
    public static long LeaderWakes => Volatile.Read(ref s_leaderWakes);

    /// <summary>Times a sleeping follower was woken to lead: beside a continuation, never between a post and it.</summary>
    public static long Hires => Volatile.Read(ref s_hires);

    /// <summary>Shards now (each with a leader, or vacant while the thread that led it runs a completion).</summary>
    internal static int Shards
    {
        get
        {
            lock (Lock)
                return s_shards.Count;
        }
    }

    /// <summary>The kernel thread ids of the shards' leaders now (tests look at their state in /proc).</summary>
    internal static int[] LeaderThreadIds()
    {
        lock (Lock)
            return [.. s_shards.Select(s => s.Leader?.OsThreadId ?? 0).Where(id => id != 0)];
    }

    /// <summary>Gives <paramref name="registration"/> to a shard with room for its words, starting one if none has.</summary>
    internal static void Add(FutexRegistration registration)
    {
        FutexShard? shard = null;
        EngineThread? hired = null;
        bool start = false;
        lock (Lock)
        {
            foreach (FutexShard candidate in s_shards)
            {
                if (candidate.FreeWords >= registration.Cost)
                {
                    shard = candidate;
                    break;
                }
            }
            if (shard is null)
            {
                shard = new FutexShard();
                s_shards.Add(shard);
            }
            shard.Entries.Add(registration);
            shard.ReservedWords += registration.Cost;
            registration.Shard = shard;
            s_waiting++;
            // A continuation restarting its own wait on the thread that will lead this shard when
            // it returns: nobody to wake (see the remarks).
            bool heirWillLead = shard.Heir is { } heir && heir.IsCurrentThreadCompleting(registration);
            if (shard.Leader is null && !heirWillLead)
                hired = HireLocked(shard, out start);
        }
        if (hired is not null)
            hired.Assign(start);
        else
            shard.Poke();
    }

    /// <summary>
    /// Takes <paramref name="registration"/> out of the engine at once; false when it had already
    /// been let go (its completion runs or ran). After true, the engine never reads its words again.
    /// </summary>
    internal static bool Remove(FutexRegistration registration)
    {
        FutexShard? shard;
        lock (Lock)
        {
            shard = registration.Shard;
            if (shard is null)
                return false;
            shard.Entries.Remove(registration);
            TakeOutLocked(shard, registration);
        }
        shard.Poke(); // its leader drops the words from its array
        return true;
    }

    /// <summary>Makes the leader of <paramref name="registration"/>'s shard look at it again.</summary>
    internal static void Poke(FutexRegistration registration) => registration.Shard?.Poke();

    /// <summary>Books a registration leaving its shard (already out of <see cref="FutexShard.Entries"/>). Under <see cref="Lock"/>.</summary>
    internal static void TakeOutLocked(FutexShard shard, FutexRegistration registration)
    {
        shard.ReservedWords -= registration.Cost;
        registration.Shard = null;
        s_waiting--;
    }

    /// <summary>Makes an idle follower, or a new thread, the leader of <paramref name="shard"/>. Under <see cref="Lock"/>; assign it after.</summary>
    internal static EngineThread HireLocked(FutexShard shard, out bool start)
    {
        EngineThread thread;
        start = s_followers.Count == 0;
        if (start)
        {
            thread = new EngineThread();
            s_threads++;
        }
        else
        {
            thread = s_followers[^1];
            s_followers.RemoveAt(s_followers.Count - 1);
        }
        thread.Assigned = shard;
        shard.Leader = thread;
        return thread;
    }

    /// <summary>Lists an idle thread as a follower (once). Under <see cref="Lock"/>.</summary>
    internal static void FollowLocked(EngineThread thread)
    {
        if (!s_followers.Contains(thread))
            s_followers.Add(thread);
    }

    /// <summary>Ends a follower's thread that stayed idle; false when it was hired meanwhile. Under <see cref="Lock"/>.</summary>
    internal static bool TryRetireLocked(EngineThread thread)
    {
        if (thread.Assigned is not null)
            return false;
        s_followers.Remove(thread);
        s_threads--;
        return true;
    }

    /// <summary>Drops a shard that stayed empty; false when a registration arrived meanwhile. Under <see cref="Lock"/>.</summary>
    internal static bool TryRetireLocked(FutexShard shard)
    {
        if (shard.Entries.Count != 0)
            return false;
        s_shards.Remove(shard);
        shard.Leader = null;
        return true;
    }

    internal static void CountLeaderWake() => Interlocked.Increment(ref s_leaderWakes);

    internal static void CountHire() => Interlocked.Increment(ref s_hires);

    /// <summary>Counts one finished sleep.</summary>
    internal static void CountFinished(EngineOutcome outcome)
    {
        if (outcome == EngineOutcome.Woken)
            Interlocked.Increment(ref s_woken);
        else if (outcome == EngineOutcome.Interrupted)
            Interlocked.Increment(ref s_interrupted);
        else
            Interlocked.Increment(ref s_timedOut);
    }
}
