namespace UintrIpc;

/// <summary>Options for <see cref="UintrReceiver.Register(UintrHandler, UintrReceiverOptions?)"/>.</summary>
public sealed class UintrReceiverOptions
{
    /// <summary>
    /// How long <see cref="UintrReceiver.Wait(TimeSpan)"/> spins by default before it sleeps: 30 µs.
    /// Blocking and being woken costs about 30 µs on a virtual machine (waking a halted vCPU
    /// dominates), so spinning for as long as a sleep would cost keeps the CPU spent on a
    /// wait within twice the best choice made with hindsight (the classic competitive
    /// spin-then-block bound), while round trips shorter than that never pay for a wake-up.
    /// </summary>
    public static readonly TimeSpan DefaultSpinDuration = TimeSpan.FromMicroseconds(30);

    private TimeSpan _spinDuration = DefaultSpinDuration;

    /// <summary>The delivery path; <see langword="null"/> chooses automatically.</summary>
    public UintrMode? Mode { get; set; }

    /// <summary>
    /// How long <see cref="UintrReceiver.Wait(TimeSpan)"/> and <see cref="UintrReceiver.WaitAsync(TimeSpan, CancellationToken)"/>
    /// spin before they sleep (WaitAsync spins inline, on the calling thread, before it hands the
    /// receiver to the futex engine); <see cref="TimeSpan.Zero"/> sleeps at once. Defaults to
    /// <see cref="DefaultSpinDuration"/>. A process that may run on only one CPU never spins: the
    /// sender could not run meanwhile. Many receivers that are each posted rarely (a server with
    /// one per peer) are better off with zero: a spin there only keeps a pool thread busy.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public TimeSpan SpinDuration
    {
        get => _spinDuration;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _spinDuration = value;
        }
    }

    /// <summary>
    /// A name for the receiver in the library's metrics: its instruments (<see cref="UintrMetrics.MeterName"/>)
    /// carry the tag <c>uintr.receiver.name</c> with this value, and receivers of the same name are
    /// summed together. <see langword="null"/> (the default): counted with the unnamed receivers, untagged.
    /// </summary>
    public string? Name { get; set; }
}
