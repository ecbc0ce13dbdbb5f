using UintrIpc.Diagnostics;
using UintrIpc.Interop;

namespace UintrIpc.Liveness;

/// <summary>
/// A thread that lives as long as the process and owns robust futex words in shared pages.
/// When the process ends, however it ends (exit, signal, <c>kill -9</c>, exec), the kernel
/// walks this thread's robust list and sets <see cref="OwnerWord.OwnerDied"/> in every word
/// on it, so that every other process mapping those pages sees the death without a system call.
/// </summary>
/// <remarks>
/// <para>The kernel finds a word at a fixed offset (<c>futex_offset</c>) from its list entry, and
/// the list entries must not be in shared memory: a co-holder of one page could otherwise
/// rewrite the links and hide every other page from the walk. So each keeper owns an arena of
/// <see cref="Capacity"/> page-sized slots where the shared pages are mapped, followed by as
/// many private shadow pages; the entry for a word in slot <c>i</c> is at the same offset in
/// shadow page <c>i</c>, and <c>futex_offset</c> is minus the distance between the two halves.</para>
/// <para>The list is changed with single pointer stores (insert: link the entry, then publish it;
/// remove: bypass it), so a process killed in the middle of a change leaves a list the kernel
/// can walk; <c>list_op_pending</c> is not needed. A keeper holds at most <see cref="Capacity"/>
/// words, below the kernel's walk limit (<c>ROBUST_LIST_LIMIT</c>, 2048); more words, more keepers.</para>
/// </remarks>
internal sealed unsafe class RobustKeeper
{
    /// <summary>Words one keeper owns at most.</summary>
    internal const int Capacity = 1024;

    /// <summary>
    /// The size of a slot: one page, the first page of whatever file holds an owned word (a
    /// vector page, a ring's header). The files' layouts keep their owner words inside it.
    /// </summary>
    internal const int PageSize = 4096;

    private const ulong HalfSize = (ulong)Capacity * PageSize;
    private const int None = -1;

    private static readonly Lock s_lock = new();
    private static readonly List<RobustKeeper> s_keepers = [];

    private readonly SafeMappingHandle _arena;
    private readonly Shim.RobustListHead* _head;
    private readonly int _tid;
    private readonly Stack<int> _free = new(Enumerable.Range(0, Capacity).Reverse());
    private readonly int[] _prev = new int[Capacity];
    private readonly int[] _next = new int[Capacity];
    private readonly nint[] _entry = new nint[Capacity];
    private int _first = None;

    private RobustKeeper()
    {
        _arena = SafeMappingHandle.Reserve(2 * HalfSize);
        try
        {
            // The shadow half: private memory, paid for only where an entry is written.
            Errno.Check(Shim.MapPrivateZeroFixed(_arena.Address + HalfSize, HalfSize), "mmap (robust list entries)");
            // Never freed: the kernel reads it when the keeper thread exits, i.e. when the process does.
            _head = (Shim.RobustListHead*)NativeMemory.AllocZeroed((nuint)sizeof(Shim.RobustListHead));
            _head->Next = (nint)_head;
            _head->FutexOffset = -(nint)HalfSize;
            _tid = StartThread(_head);
        }
        catch
        {
            _arena.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Maps the first page of <paramref name="memfd"/> shared and writable, writes a keeper's
    /// thread id into the u32 at <paramref name="wordOffset"/> and puts the word on that keeper's
    /// robust list. The word must be 8-byte aligned (its list entry is a pointer at the same offset).
    /// </summary>
    internal static OwnedPage Claim(SafeFileDescriptorHandle memfd, int wordOffset)
    {
        if (wordOffset < 0 || wordOffset > PageSize - sizeof(ulong) || wordOffset % sizeof(ulong) != 0)
            throw new ArgumentOutOfRangeException(nameof(wordOffset), wordOffset, "An owner word must be 8-byte aligned inside the page.");
        lock (s_lock)
        {
            RobustKeeper? keeper = s_keepers.Find(k => k._free.Count > 0);
            if (keeper is null)
            {
                keeper = new RobustKeeper();
                s_keepers.Add(keeper);
            }
            return keeper.ClaimLocked(memfd, wordOffset);
        }
    }

    private OwnedPage ClaimLocked(SafeFileDescriptorHandle memfd, int wordOffset)
    {
        int slot = _free.Peek();
        byte* page = Slot(slot);
        Errno.Check(Shim.MapSharedFixed(page, memfd, PageSize), "mmap (owned page)");
        _free.Pop();
        Interlocked.Exchange(ref *(uint*)(page + wordOffset), (uint)_tid);

        nint* entry = (nint*)(page + HalfSize + wordOffset);
        _entry[slot] = (nint)entry;
        *entry = _first == None ? (nint)_head : _entry[_first];
        Volatile.Write(ref _head->Next, (nint)entry);   // published: the kernel now marks the word
        _prev[slot] = None;
        _next[slot] = _first;
        if (_first != None)
            _prev[_first] = slot;
        _first = slot;
        return new OwnedPage(this, slot, page);
    }

    /// <summary>Takes the word off the list and replaces the slot's mapping with private zero memory.</summary>
    internal void Release(int slot)
    {
        lock (s_lock)
        {
            int prev = _prev[slot], next = _next[slot];
            nint after = next == None ? (nint)_head : _entry[next];
            if (prev == None)
                Volatile.Write(ref _head->Next, after);
            else
                Volatile.Write(ref *(nint*)_entry[prev], after);
            if (next != None)
                _prev[next] = prev;
            if (prev == None)
                _first = next;
            else
                _next[prev] = next;
            _entry[slot] = 0;
            FaultPoints.Reach(FaultPoints.Unlinked);
            Errno.Check(Shim.MapPrivateZeroFixed(Slot(slot), PageSize), "mmap (release owned page)");
            _free.Push(slot);
        }
    }

    private byte* Slot(int slot) => _arena.Address + ((long)slot * PageSize);

    /// <summary>Starts the keeper thread and returns its id once it has registered its list.</summary>
    private static int StartThread(Shim.RobustListHead* head)
    {
        int result = 0;
        using var registered = new ManualResetEventSlim();
        var thread = new Thread(() =>
        {
            int r = Shim.SetRobustList(head, (ulong)sizeof(Shim.RobustListHead));
            Volatile.Write(ref result, r < 0 ? r : Shim.Gettid());
            registered.Set();
            if (r < 0)
                return;
            // It must never exit while the process lives: its exit is the death notice.
            Thread.Sleep(Timeout.Infinite);
        }, maxStackSize: 256 * 1024)
        {
            IsBackground = true,
            Name = "UintrIpc robust keeper",
        };
        thread.UnsafeStart();
        registered.Wait();
        return Errno.Check(Volatile.Read(ref result), "set_robust_list");
    }
}
