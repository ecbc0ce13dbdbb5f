namespace UintrIpc.Liveness;

/// <summary>
/// A mapping of a shared page whose owner word the kernel marks <see cref="OwnerWord.OwnerDied"/>
/// when this process dies (see <see cref="RobustKeeper"/>). Made by <see cref="RobustKeeper.Claim"/>.
/// </summary>
/// <remarks>
/// Disposing takes the word off the list and unmaps the page; the word keeps the keeper's id,
/// so whoever disposes writes its own final state into the page first (a closed vector, a
/// completed ring), or the page would look owned by a live process for ever.
/// </remarks>
internal sealed unsafe class OwnedPage : IDisposable
{
    private readonly RobustKeeper _keeper;
    private readonly int _slot;
    private int _disposed;

    internal OwnedPage(RobustKeeper keeper, int slot, byte* address)
    {
        _keeper = keeper;
        _slot = slot;
        Address = address;
    }

    /// <summary>The page, writable until <see cref="Dispose"/>.</summary>
    public byte* Address { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _keeper.Release(_slot);
    }
}
