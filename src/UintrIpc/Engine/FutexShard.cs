using UintrIpc.Interop;

namespace UintrIpc.Engine;

/// <summary>
/// Up to <see cref="FutexEngine.WordsPerShard"/> words of many registrations, slept on in one
/// <c>futex_waitv</c> together with a private control word of the shard, by whichever engine
/// thread is the shard's leader. Everything but the sleep itself is under <see cref="FutexEngine.Lock"/>.
/// </summary>
internal sealed unsafe class FutexShard
{
    // Pinned: the kernel reads the array and sleeps on the control word by address, and a poker
    // may still hold this shard after it retired (its word stays valid memory while referenced).
    private readonly uint[] _controlWords = GC.AllocateArray<uint>(2, pinned: true); // [0] control, [1] sleeping

    internal Shim.FutexWaiter[] Array { get; } = GC.AllocateArray<Shim.FutexWaiter>(Shim.FutexWaitvMax, pinned: true);

    /// <summary>The registration each entry of <see cref="Array"/> belongs to (the leader only).</summary>
    internal FutexRegistration?[] ArrayOwners { get; } = new FutexRegistration?[Shim.FutexWaitvMax];

    internal List<FutexRegistration> Entries { get; } = new(FutexEngine.WordsPerShard);

    internal int ReservedWords { get; set; }

    internal int FreeWords => FutexEngine.WordsPerShard - ReservedWords;

    /// <summary>The thread sleeping for this shard (or about to), or null: then nobody watches its words.</summary>
    internal EngineThread? Leader { get; set; }

    /// <summary>
    /// The engine thread that gave up leading this shard, leaving it with no leader, to run a
    /// completion; it takes the lead again when that returns unless someone was hired meanwhile.
    /// </summary>
    internal EngineThread? Heir { get; set; }

    internal uint* ControlWord => (uint*)Unsafe.AsPointer(ref _controlWords[0]);

    /// <summary>Makes the leader look at its registrations again; a system call only when it sleeps.</summary>
    internal void Poke()
    {
        Interlocked.Increment(ref _controlWords[0]);
        // Dekker with Sleep: it publishes "sleeping" and then futex_waitv compares the control
        // word, so either this sees it asleep and wakes it, or its compare sees the increment.
        if (Volatile.Read(ref _controlWords[1]) != 0)
            Shim.FutexWake(ControlWord, 1, shared: false);
    }

    /// <summary>The leader's futex_waitv over the first <paramref name="words"/> entries and the control word.</summary>
    internal int Sleep(int words, uint generation, long timeoutNs)
    {
        fixed (Shim.FutexWaiter* array = Array)
        {
            array[words] = new Shim.FutexWaiter
            {
                Value = generation,
                Address = (ulong)ControlWord,
                Flags = Shim.FUTEX2_SIZE_U32 | Shim.FUTEX2_PRIVATE,
            };
            Interlocked.Exchange(ref _controlWords[1], 1);
            int result = Shim.FutexWaitv(array, (uint)words + 1, timeoutNs);
            Volatile.Write(ref _controlWords[1], 0);
            return result;
        }
    }

    internal uint Generation => Volatile.Read(ref _controlWords[0]);
}
