using System.Diagnostics;
using System.Runtime.ExceptionServices;
using UintrIpc.Interop;

namespace UintrIpc.Engine;

/// <summary>
/// One thread of the <see cref="FutexEngine"/>: it leads a shard (sleeps for it and completes
/// what wakes), gives itself away to run a completion that is not the library's code, and waits
/// as a follower until it is hired to lead again.
/// </summary>
internal sealed unsafe class EngineThread
{
    [ThreadStatic]
    private static FutexRegistration? t_completing; // the registration whose completion this thread runs now

    // [0] bumped at each hire, [1] nonzero while asleep as a follower; pinned: the kernel sleeps on [0] by address.
    private readonly uint[] _hireWords = GC.AllocateArray<uint>(2, pinned: true);
    private readonly List<(FutexRegistration Registration, EngineOutcome Outcome)> _finished = new(FutexEngine.WordsPerShard);
    private Thread? _thread;

    /// <summary>The kernel's id of the thread, once it runs (diagnostics and tests: /proc/self/task/&lt;id&gt;).</summary>
    internal int OsThreadId { get; private set; }

    /// <summary>The shard this thread was hired to lead and has not taken up yet; under <see cref="FutexEngine.Lock"/>.</summary>
    internal FutexShard? Assigned { get; set; }

    /// <summary>Whether the calling thread is this one, running the completion of <paramref name="registration"/>.</summary>
    internal bool IsCurrentThreadCompleting(FutexRegistration registration) =>
        ReferenceEquals(Thread.CurrentThread, _thread) && ReferenceEquals(t_completing, registration);

    /// <summary>Starts the new thread, or wakes the follower, after <see cref="FutexEngine.HireLocked"/> assigned it.</summary>
    internal void Assign(bool start)
    {
        if (start)
        {
            _thread = new Thread(Run, maxStackSize: 256 * 1024) { IsBackground = true, Name = "UintrIpc engine" };
            _thread.UnsafeStart(); // no execution context flows into the engine
            return;
        }
        Interlocked.Increment(ref _hireWords[0]);
        if (Volatile.Read(ref _hireWords[1]) != 0) // Dekker with Follow, as FutexShard.Poke with its leader
            Shim.FutexWake((uint*)Unsafe.AsPointer(ref _hireWords[0]), 1, shared: false);
    }

    private void Run()
    {
        OsThreadId = Shim.Gettid();
        try
        {
            FutexShard? shard = Follow();
            while (shard is not null)
            {
                while (shard is not null)
                    shard = Lead(shard);
                shard = Follow();
            }
        }
        catch (Exception e)
        {
            Environment.FailFast("UintrIpc futex engine: an engine thread failed; waits and death watches can no longer be completed.", e);
        }
    }

    /// <summary>Waits to be hired; the shard to lead, or null once idle for <see cref="FutexEngine.IdleRetirement"/> (the thread ends).</summary>
    private FutexShard? Follow()
    {
        long idleSince = Stopwatch.GetTimestamp();
        while (true)
        {
            uint generation;
            long remaining;
            lock (FutexEngine.Lock)
            {
                if (Assigned is { } shard)
                {
                    Assigned = null;
                    return shard;
                }
                remaining = FutexEngine.IdleRetirementTicks - (Stopwatch.GetTimestamp() - idleSince);
                if (remaining <= 0 && FutexEngine.TryRetireLocked(this))
                    return null;
                FutexEngine.FollowLocked(this);
                generation = Volatile.Read(ref _hireWords[0]);
            }
            fixed (uint* word = _hireWords)
            {
                var waiter = new Shim.FutexWaiter { Value = generation, Address = (ulong)word, Flags = Shim.FUTEX2_SIZE_U32 | Shim.FUTEX2_PRIVATE };
                Interlocked.Exchange(ref word[1], 1);
                if (Volatile.Read(ref word[0]) == generation)
                {
                    int result = Shim.FutexWaitv(&waiter, 1, ToNanoseconds(remaining));
                    if (result == 0)
                        FutexEngine.CountHire();
                }
                Volatile.Write(ref word[1], 0);
            }
        }
    }

    /// <summary>
    /// Leads <paramref name="shard"/> until this thread gives itself away to a completion (then
    /// returns the shard to lead after it, or null if someone else leads it now) or the shard
    /// retires (null).
    /// </summary>
    private FutexShard? Lead(FutexShard shard)
    {
        long emptySince = Stopwatch.GetTimestamp();
        FutexRegistration? wokenBy = null;
        bool readAll = true;
        while (true)
        {
            uint generation = shard.Generation;
            long now = Stopwatch.GetTimestamp();
            int userCode = 0, words = 0;
            long nearest = long.MaxValue;
            bool retire = false;
            EngineThread? hired = null;
            bool start = false;
            lock (FutexEngine.Lock)
            {
                List<FutexRegistration> entries = shard.Entries;
                for (int i = 0; i < entries.Count;)
                {
                    FutexRegistration registration = entries[i];
                    EngineOutcome? outcome = ReferenceEquals(registration, wokenBy) && !registration.IsNew ? registration.CheckWoken(now)
                        : registration.Check(now, readAll || registration.IsNew);
                    registration.IsNew = false;
                    if (outcome is not { } done)
                    {
                        i++;
                        continue;
                    }
                    entries[i] = entries[^1];
                    entries.RemoveAt(entries.Count - 1);
                    FutexEngine.TakeOutLocked(shard, registration);
                    _finished.Add((registration, done));
                    if (registration.RunsUserCode)
                        userCode++;
                }
                if (userCode != 0)
                {
                    // Give the engine duties away before any code not the library's runs here.
                    shard.Leader = null;
                    if (entries.Count != 0)
                        hired = FutexEngine.HireLocked(shard, out start);
                    else
                        shard.Heir = this;
                }
                else
                {
                    if (entries.Count != 0 || _finished.Count != 0)
                        emptySince = now;
                    else if (now - emptySince >= FutexEngine.IdleRetirementTicks)
                        retire = FutexEngine.TryRetireLocked(shard);
                    fixed (Shim.FutexWaiter* array = shard.Array)
                    {
                        foreach (FutexRegistration registration in entries)
                        {
                            nearest = Math.Min(nearest, registration.Deadline);
                            words += registration.FillArray(array, shard.ArrayOwners, words);
                        }
                    }
                }
            }
            wokenBy = null;
            readAll = false;
            hired?.Assign(start);
            if (_finished.Count != 0)
                RunCompletions(userCode);
            if (userCode != 0)
                return TakeLeadAgain(shard);
            if (retire)
                return null;

            long timeoutNs = words == 0 ? ToNanoseconds(FutexEngine.IdleRetirementTicks)
                : nearest == long.MaxValue ? -1
                : ToNanoseconds(nearest - Stopwatch.GetTimestamp());
            int result = shard.Sleep(words, generation, timeoutNs);
            if (result >= 0 && result < words)
                wokenBy = shard.ArrayOwners[result];
            else if (result < 0 && result != -Errno.ETIMEDOUT)
                readAll = true; // -EAGAIN: some word had changed already, but which one the kernel does not say
            if (result >= 0)
                FutexEngine.CountLeaderWake();
            Array.Clear(shard.ArrayOwners, 0, words);
        }
    }

    /// <summary>
    /// The library's completions inline; of those that run code not the library's, all but the
    /// last go to the thread pool and the last runs here, on this thread given away to it.
    /// </summary>
    private void RunCompletions(int userCode)
    {
        FutexRegistration? inline = null;
        EngineOutcome inlineOutcome = default;
        foreach ((FutexRegistration registration, EngineOutcome outcome) in _finished)
        {
            FutexEngine.CountFinished(outcome);
            if (!registration.RunsUserCode)
                registration.Complete(outcome, inline: true);
            else if (--userCode > 0)
                registration.Complete(outcome, inline: false);
            else
                (inline, inlineOutcome) = (registration, outcome);
        }
        _finished.Clear();
        if (inline is null)
            return;
        t_completing = inline;
        try
        {
            inline.Complete(inlineOutcome, inline: true);
        }
        catch (Exception e)
        {
            // Code not the library's threw out of its continuation: unhandled, as it would be on
            // a pool thread (which ends the process), but not blamed on the engine.
            ThreadPool.UnsafeQueueUserWorkItem(static state => ((ExceptionDispatchInfo)state!).Throw(), ExceptionDispatchInfo.Capture(e));
        }
        finally
        {
            t_completing = null;
        }
    }

    /// <summary>After a completion: lead the shard again if nobody was hired for it meanwhile.</summary>
    private FutexShard? TakeLeadAgain(FutexShard shard)
    {
        lock (FutexEngine.Lock)
        {
            if (ReferenceEquals(shard.Heir, this))
                shard.Heir = null;
            if (shard.Leader is not null)
                return null;
            shard.Leader = this;
            return shard;
        }
    }

    private static long ToNanoseconds(long ticks) =>
        ticks <= 0 ? 0 : (long)Math.Min(ticks * (1e9 / Stopwatch.Frequency), long.MaxValue);
}
