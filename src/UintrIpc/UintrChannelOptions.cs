using UintrIpc.Pipes;

namespace UintrIpc;

/// <summary>Settings of a <see cref="UintrChannel"/> end.</summary>
public sealed class UintrChannelOptions
{
    private int _ringSize = RingLayout.DefaultRingSize;
    private TimeSpan _spinDuration = UintrReceiverOptions.DefaultSpinDuration;

    /// <summary>
    /// Bytes of each ring this end creates (its writing direction): a power of two from 4 KiB to
    /// 1 GiB; default 1 MiB. A message may be up to half of it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two in that range.</exception>
    public int RingSize
    {
        get => _ringSize;
        set
        {
            if (!RingLayout.IsValidRingSize(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "The ring size must be a power of two from 4096 to 2^30.");
            _ringSize = value;
        }
    }

    /// <summary>How long a reader or writer spins on the ring before it sleeps on its doorbell (as <see cref="UintrReceiverOptions.SpinDuration"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan SpinDuration
    {
        get => _spinDuration;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            _spinDuration = value;
        }
    }
}
