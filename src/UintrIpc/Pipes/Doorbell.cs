using System.Diagnostics;
using UintrIpc.Interop;
using UintrIpc.Liveness;

namespace UintrIpc.Pipes;

/// <summary>
/// One end's doorbell (docs/PIPE.md sections 1 and 8): a receiver whose vector 0 the peer
/// posts, and a way for this process to interrupt a wait on it (cancellation, death, disposal).
/// </summary>
internal sealed class Doorbell : IDisposable
{
    private readonly UintrReceiver _receiver;
    private CancellationTokenSource _interrupt = new();

    private Doorbell(UintrReceiver receiver, UintrFd fd, TimeSpan spinDuration)
    {
        _receiver = receiver;
        Fd = fd;
        // Spinning waits for a peer running on another CPU; with one CPU it only delays it.
        _baseSpinTicks = Environment.ProcessorCount > 1 ? (long)(spinDuration.TotalSeconds * Stopwatch.Frequency) : 0;
        _spinTicks = _baseSpinTicks;
    }

    /// <summary>
    /// How long an end spins on the ring header before it waits here, in stopwatch ticks. The
    /// end spins on the ring, not on the doorbell (whose receiver never spins): a change of the
    /// peer's position is seen one cache-line transfer earlier, and the peer's posts coalesce
    /// into one pending bit that its sends find set (a load, no read-modify-write).
    /// </summary>
    /// <remarks>
    /// It starts at <see cref="UintrPipeOptions.SpinDuration"/> and adapts: doubled (up to
    /// <see cref="MaxSpinFactor"/> times) after a sleep that ended sooner than the spin before it,
    /// halved back after a sleep four times as long. A streaming pair otherwise can settle into an
    /// oscillation where each side's spin gives up just before the other side frees space or
    /// publishes (it is draining a large read), so every turn pays a sleep and a dispatcher
    /// wake-up on top of its copy. An idle end's sleeps are long, so its spin returns to the
    /// configured one.
    /// </remarks>
    public long SpinTicks => Volatile.Read(ref _spinTicks);

    private const int MaxSpinFactor = 16;
    private readonly long _baseSpinTicks;
    private long _spinTicks;

    /// <summary>The descriptor the peer posts this doorbell with.</summary>
    public UintrFd Fd { get; }

    public static Doorbell Create(TimeSpan spinDuration)
    {
        // The futex path: a pipe end is used from whichever thread resumes its awaits, which a
        // native receiver (bound to its registering thread) cannot allow.
        var receiver = UintrReceiver.Register(static _ => { }, new UintrReceiverOptions { Mode = UintrMode.Futex, SpinDuration = TimeSpan.Zero });
        try
        {
            return new Doorbell(receiver, receiver.CreateFd(0), spinDuration);
        }
        catch
        {
            receiver.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Ends a wait in progress, or the next one. Callers make their reason visible first (with a
    /// full barrier), so that a waiter that renewed its token before the reason sees the reason.
    /// </summary>
    public void Interrupt() => Volatile.Read(ref _interrupt).Cancel();

    /// <summary>
    /// Returns once the peer posted or <see cref="Interrupt"/> was called (the caller looks at
    /// the ring and its flags again either way). Throws <see cref="OperationCanceledException"/>
    /// for <paramref name="cancellationToken"/>, <see cref="ObjectDisposedException"/> when disposed.
    /// </summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        CancellationTokenSource interrupt = Volatile.Read(ref _interrupt);
        if (interrupt.IsCancellationRequested)
        {
            Renew(interrupt);
            return;
        }
        CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), interrupt)
            : default;
        try
        {
            long asleepSince = Stopwatch.GetTimestamp();
            await _receiver.WaitAsync(Timeout.InfiniteTimeSpan, interrupt.Token).ConfigureAwait(false);
            Adapt(Stopwatch.GetTimestamp() - asleepSince);
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            Renew(interrupt);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            registration.Dispose();
        }
    }

    public void Dispose()
    {
        Fd.Dispose();
        _receiver.Dispose();
    }

    /// <summary>Doubles the spin after a sleep shorter than it, halves it after one four times as long (see <see cref="SpinTicks"/>).</summary>
    private void Adapt(long sleptTicks)
    {
        long spin = _spinTicks;
        if (sleptTicks < spin)
            Volatile.Write(ref _spinTicks, Math.Min(spin * 2, _baseSpinTicks * MaxSpinFactor));
        else if (sleptTicks > 4 * spin)
            Volatile.Write(ref _spinTicks, Math.Max(spin / 2, _baseSpinTicks));
    }

    // An old source may still be cancelled by a racing Interrupt: harmless, so it is not disposed.
    private void Renew(CancellationTokenSource old) => Interlocked.CompareExchange(ref _interrupt, new CancellationTokenSource(), old);

    /// <summary>The peer's doorbell, which this end posts.</summary>
    internal sealed class Remote(UintrSender sender, PeerLiveness peer) : IDisposable
    {
        public void Post()
        {
            try
            {
                sender.SendUncounted();
            }
            catch (UintrException e) when (e.Errno == Errno.ESHUTDOWN)
            {
                peer.MarkDead();
            }
            catch (UintrException e) when (e.Errno == Errno.ECONNRESET)
            {
                // The peer closed its end: it completed both directions first, and the ring's
                // state words say so.
            }
            catch (ObjectDisposedException)
            {
                // This end is being disposed concurrently; nobody is left to notify.
            }
        }

        public void Dispose() => sender.Dispose();
    }
}
