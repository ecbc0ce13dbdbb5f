using UintrIpc.Interop;
using UintrIpc.FutexPath;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.Senders;

/// <summary>
/// The process's User Interrupt Target Table: index → registered sender, and a reserved
/// range of address space in which slot <c>i</c> maps sender <c>i</c>'s vector page (the futex
/// path; a hardware sender takes an index and no page, the kernel holds its target).
/// </summary>
/// <typeparam name="TSender">What an entry holds (the public sender type); the table never looks inside it.</typeparam>
/// <remarks>
/// An index is taken (<see cref="TakeMapped"/> or <see cref="Take"/>), then its sender is
/// <see cref="Publish"/>ed, and finally <see cref="Free"/>d. Like the receiver's region, a slot is
/// never left unmapped once used: a freed slot gets a private zero page, so a send racing its
/// disposal on another thread writes to private memory instead of faulting.
/// </remarks>
internal static unsafe class Uitt<TSender> where TSender : class
{
    /// <summary>How many senders one process can have registered at once.</summary>
    internal const int Capacity = 1024;

    private static readonly Lock s_lock = new();
    private static readonly TSender?[] s_entries = new TSender?[Capacity];
    private static readonly bool[] s_taken = new bool[Capacity];
    private static readonly HashSet<(ulong Device, ulong Inode)> s_registeredPages = [];
    private static readonly (ulong Device, ulong Inode)?[] s_pageByIndex = new (ulong, ulong)?[Capacity];
    private static SafeMappingHandle? s_slots;

    /// <summary>The sender at <paramref name="index"/>, or null when none is registered there.</summary>
    public static TSender? Lookup(int index) =>
        (uint)index < Capacity ? Volatile.Read(ref s_entries[index]) : null;

    /// <summary>
    /// Takes a free index and maps the vector page <paramref name="handle"/> into its slot.
    /// </summary>
    /// <exception cref="UintrException">
    /// EISCONN when this page is already registered; EOPNOTSUPP when it is not a uintr page;
    /// ECONNRESET or ESHUTDOWN when its vector or receiver is gone; ENOSPC when the table is full.
    /// </exception>
    public static int TakeMapped(SafeFileDescriptorHandle handle, int expectedVector, out Upid upid, out int vector)
    {
        var identity = VectorPageFile.Identity(handle);
        lock (s_lock)
        {
            if (s_registeredPages.Contains(identity))
                throw SenderErrors.AlreadyRegistered(expectedVector);
            int index = FreeIndex();
            s_slots ??= SafeMappingHandle.Reserve((ulong)Capacity * PageSize);
            byte* slot = SlotAddress(index);
            Errno.Check(Shim.MapSharedFixed(slot, handle, PageSize), "mmap (sender page)");
            var page = new VectorPage(slot);
            try
            {
                if (page.DescribeHeaderProblem() is { } problem)
                    throw new UintrException(Errno.EOPNOTSUPP, $"The descriptor's page is not a uintr page: {problem}.");
                vector = (int)page.VectorField;
                upid = page.UpidOf(vector);
                if (upid.IsClosed)
                    throw SenderErrors.VectorClosed(vector);
                if (upid.IsOwnerDead)
                    throw SenderErrors.ReceiverDied(vector);
            }
            catch
            {
                Retire(slot);
                throw;
            }
            s_taken[index] = true;
            s_registeredPages.Add(identity);
            s_pageByIndex[index] = identity;
            return index;
        }
    }

    /// <summary>Takes a free index without a page (the hardware path: the kernel holds the target).</summary>
    /// <exception cref="UintrException">ENOSPC when the table is full.</exception>
    public static int Take()
    {
        lock (s_lock)
        {
            int index = FreeIndex();
            s_taken[index] = true;
            return index;
        }
    }

    /// <summary>Makes <paramref name="sender"/> the entry at a taken <paramref name="index"/>: <see cref="Lookup"/> finds it from now on.</summary>
    public static void Publish(int index, TSender sender) => Volatile.Write(ref s_entries[index], sender);

    /// <summary>Frees <paramref name="index"/>; sends through its slot afterwards reach a private zero page.</summary>
    public static void Free(int index)
    {
        lock (s_lock)
        {
            Volatile.Write(ref s_entries[index], null);
            s_taken[index] = false;
            if (s_pageByIndex[index] is { } identity)
            {
                s_registeredPages.Remove(identity);
                s_pageByIndex[index] = null;
                Retire(SlotAddress(index));
            }
        }
    }

    /// <summary>The lowest free index; under <see cref="s_lock"/>.</summary>
    private static int FreeIndex()
    {
        int index = Array.IndexOf(s_taken, false);
        return index >= 0 ? index
            : throw new UintrException(Errno.ENOSPC, $"The process already has {Capacity} senders registered.");
    }

    private static byte* SlotAddress(int index) => s_slots!.Address + ((long)index * PageSize);

    private static void Retire(byte* slot) =>
        Errno.Check(Shim.MapPrivateZeroFixed(slot, PageSize), "mmap (retire sender page)");
}
