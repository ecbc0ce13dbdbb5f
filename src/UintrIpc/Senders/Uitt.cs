using UintrIpc.Interop;
using UintrIpc.FutexPath;
using static UintrIpc.FutexPath.VectorPageLayout;

namespace UintrIpc.Senders;

/// <summary>
/// The process's User Interrupt Target Table: index → registered sender, and a reserved
/// range of address space in which slot <c>i</c> maps sender <c>i</c>'s vector page.
/// </summary>
/// <remarks>
/// Like the receiver's region, a slot is never left unmapped once used: an unregistered
/// sender's slot gets a private zero page, so a send racing its disposal on another thread
/// writes to private memory instead of faulting.
/// </remarks>
internal static unsafe class Uitt
{
    /// <summary>How many senders one process can have registered at once.</summary>
    internal const int Capacity = 1024;

    private static readonly Lock s_lock = new();
    private static readonly UintrSender?[] s_entries = new UintrSender?[Capacity];
    private static readonly HashSet<(ulong Device, ulong Inode)> s_registeredPages = [];
    private static readonly (ulong Device, ulong Inode)?[] s_pageByIndex = new (ulong, ulong)?[Capacity];
    private static SafeMappingHandle? s_slots;

    /// <summary>The sender at <paramref name="index"/>, or null when none is registered there.</summary>
    public static UintrSender? Lookup(int index) =>
        (uint)index < Capacity ? Volatile.Read(ref s_entries[index]) : null;

    /// <summary>Maps <paramref name="fd"/>'s page into a free slot and records the sender made for it.</summary>
    public static UintrSender Register(UintrFd fd, Func<int, Upid, int, UintrSender> create)
    {
        SafeFileDescriptorHandle handle = fd.Handle;
        var identity = VectorPageFile.Identity(handle);
        lock (s_lock)
        {
            if (s_registeredPages.Contains(identity))
                throw new UintrException(Errno.EISCONN, $"Vector {fd.Vector} of receiver {fd.ReceiverPid} is already registered as a sender in this process.");
            int index = FreeIndex();
            s_slots ??= SafeMappingHandle.Reserve((ulong)Capacity * PageSize);
            byte* slot = s_slots.Address + ((long)index * PageSize);
            Errno.Check(Shim.MapSharedFixed(slot, handle, PageSize), "mmap (sender page)");
            var page = new VectorPage(slot);
            try
            {
                if (page.DescribeHeaderProblem() is { } problem)
                    throw new UintrException(Errno.EOPNOTSUPP, $"The descriptor's page is not a uintr page: {problem}.");
                int vector = (int)page.VectorField;
                Upid upid = page.UpidOf(vector);
                if (upid.IsClosed)
                    throw new UintrException(Errno.ECONNRESET, $"Vector {vector} was closed by its receiver.");
                if (upid.IsOwnerDead)
                    throw new UintrException(Errno.ESHUTDOWN, $"The process that receives vector {vector} has exited.");
                UintrSender sender = create(index, upid, vector);
                s_registeredPages.Add(identity);
                s_pageByIndex[index] = identity;
                Volatile.Write(ref s_entries[index], sender);
                return sender;
            }
            catch
            {
                Retire(slot);
                throw;
            }
        }
    }

    /// <summary>Records a sender that needs an index but no page (the native path: the kernel holds the target).</summary>
    public static UintrSender RegisterUnmapped(Func<int, UintrSender> create)
    {
        lock (s_lock)
        {
            int index = FreeIndex();
            UintrSender sender = create(index);
            Volatile.Write(ref s_entries[index], sender);
            return sender;
        }
    }

    /// <summary>Frees <paramref name="index"/>; sends through it afterwards reach a private zero page.</summary>
    public static void Unregister(int index, bool mapped = true)
    {
        lock (s_lock)
        {
            Volatile.Write(ref s_entries[index], null);
            if (s_pageByIndex[index] is { } identity)
                s_registeredPages.Remove(identity);
            s_pageByIndex[index] = null;
            if (mapped)
                Retire(s_slots!.Address + ((long)index * PageSize));
        }
    }

    /// <summary>The lowest free index; under <see cref="s_lock"/>.</summary>
    private static int FreeIndex()
    {
        int index = Array.IndexOf(s_entries, null);
        return index >= 0 ? index
            : throw new UintrException(Errno.ENOSPC, $"The process already has {Capacity} senders registered.");
    }

    private static void Retire(byte* slot) =>
        Errno.Check(Shim.MapPrivateZeroFixed(slot, PageSize), "mmap (retire sender page)");
}
