using UintrIpc.Interop;
using UintrIpc.Protocol;

namespace UintrIpc;

/// <summary>
/// A registered sender of one vector (the RFC's <c>uintr_register_sender</c>): an entry in the
/// process's target table whose <see cref="Send"/> posts the vector (<c>SENDUIPI</c>).
/// </summary>
public sealed class UintrSender : IDisposable
{
    private readonly VectorPage _page;
    private readonly ulong _pirBit;
    private readonly int _index;
    private readonly int _vector;
    private int _disposed;

    private UintrSender(int index, VectorPage page, int vector)
    {
        _index = index;
        _page = page;
        _vector = vector;
        _pirBit = 1UL << vector;
    }

    /// <summary>Registers the calling process as a sender of <paramref name="fd"/>'s vector.</summary>
    /// <exception cref="UintrException">
    /// EISCONN when the same vector page is already registered in this process; ECONNRESET
    /// when its vector or receiver was disposed; ENOSPC when the table is full.
    /// </exception>
    public static UintrSender Register(UintrFd fd)
    {
        ArgumentNullException.ThrowIfNull(fd);
        return Uitt.Register(fd, static (index, page, vector) => new UintrSender(index, page, vector));
    }

    /// <summary>The index in the process's target table (the RFC's <c>uipi_index</c>), for <see cref="SendUipi"/>.</summary>
    public int Index
    {
        get
        {
            ThrowIfDisposed();
            return _index;
        }
    }

    /// <summary>The vector this sender posts.</summary>
    public int Vector
    {
        get
        {
            ThrowIfDisposed();
            return _vector;
        }
    }

    /// <summary>
    /// Posts the vector (<c>SENDUIPI</c>). Never blocks; makes a system call only when the
    /// receiver is asleep and nobody has woken it yet.
    /// </summary>
    /// <exception cref="UintrException">ECONNRESET when the receiver disposed the vector or itself.</exception>
    public void Send()
    {
        ThrowIfDisposed();
        if (!SenderProtocol.Post(_page, _pirBit))
            throw Closed();
    }

    /// <summary>Posts through the sender registered at <paramref name="index"/> (<c>SENDUIPI index</c>).</summary>
    /// <exception cref="UintrException">EINVAL when no sender is registered at <paramref name="index"/>; as <see cref="Send"/> otherwise.</exception>
    public static void SendUipi(int index)
    {
        UintrSender sender = Uitt.Lookup(index)
            ?? throw new UintrException(Errno.EINVAL, $"No sender is registered at UITT index {index}.");
        sender.Send();
    }

    /// <summary>Unregisters the sender (<c>uintr_unregister_sender</c>) and frees its index.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        Uitt.Unregister(_index, _page);
    }

    private UintrException Closed() =>
        new(Errno.ECONNRESET, $"Vector {_vector} was closed by its receiver.");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
