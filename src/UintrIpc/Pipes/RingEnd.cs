using System.Diagnostics;
using UintrIpc.Idle;
using UintrIpc.Liveness;

namespace UintrIpc.Pipes;

/// <summary>
/// What a pipe's reader and writer share about their end: the ring they hold while they touch
/// it, the doorbell they sleep on, the peer's liveness, a pending cancel and the disposal.
/// </summary>
internal sealed class RingEnd(Ring ring, Doorbell doorbell, PeerLiveness peer, string objectName = nameof(UintrPipe))
{
    private int _cancelPending;
    private volatile bool _disposed;

    public PeerLiveness Peer => peer;

    public bool IsDisposed => _disposed;

    /// <summary>Holds the ring for a call (see <see cref="Ring.Enter"/>).</summary>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public RingHold Enter() => Held(_disposed ? RingHold.None : ring.Enter());

    /// <summary>Holds the ring for a call that may end on another thread (see <see cref="Ring.EnterAcrossAwait"/>).</summary>
    /// <exception cref="ObjectDisposedException">The pipe is disposed.</exception>
    public RingHold EnterAcrossAwait() => Held(_disposed ? RingHold.None : ring.EnterAcrossAwait());

    private RingHold Held(RingHold hold) => hold != RingHold.None ? hold : throw new ObjectDisposedException(objectName);

    /// <summary>Lends the data area for memory handed to the application (see <see cref="Ring.TryLendData"/>).</summary>
    /// <exception cref="ObjectDisposedException">The pipe was disposed since the caller's last look: the ring may be gone.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void LendData()
    {
        if (!ring.TryLendData())
            throw new ObjectDisposedException(objectName);
    }

    public void Exit(RingHold hold) => ring.Exit(hold);

    /// <summary>CancelPendingRead/CancelPendingFlush: the next result, or the wait in progress, ends cancelled.</summary>
    public void CancelPending()
    {
        Interlocked.Exchange(ref _cancelPending, 1);
        doorbell.Interrupt();
    }

    public bool IsCancelPending => Volatile.Read(ref _cancelPending) != 0;

    public bool TakeCancelPending() => IsCancelPending && Interlocked.Exchange(ref _cancelPending, 0) != 0;

    /// <summary>Called by the pipe's Dispose, after the end completed: every later call and a pending wait fail.</summary>
    public void Close()
    {
        _disposed = true;
        doorbell.Interrupt();
    }

    /// <summary>
    /// Spins until the peer's <paramref name="position"/> leaves <paramref name="seen"/>, its
    /// <paramref name="state"/> leaves open (0), or a reason to look arises (cancel, death,
    /// disposal); false when the doorbell's spin budget ran out first.
    /// </summary>
    public bool SpinUntilChanged(ref ulong position, ulong seen, ref uint state)
    {
        long spinTicks = doorbell.SpinTicks;
        if (spinTicks == 0)
            return false;
        long end = Stopwatch.GetTimestamp() + spinTicks;
        for (int spins = 1; ; spins++)
        {
            if (Volatile.Read(ref position) != seen || Volatile.Read(ref state) != RingLayout.StateOpen
                || IsCancelPending || peer.IsDead || _disposed)
                return true;
            CpuPause.Once();
            if ((spins & 15) == 0 && Stopwatch.GetTimestamp() >= end)
                return false;
        }
    }

    /// <summary>Sleeps on the doorbell (see <see cref="Doorbell.WaitAsync"/>); a disposal during it is the pipe's.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await doorbell.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (_disposed)
        {
            throw new ObjectDisposedException(objectName);
        }
    }
}
