namespace UintrIpc;

/// <summary>Options of one <see cref="UintrPipe"/> end.</summary>
public sealed class UintrPipeOptions
{
    private int _ringSize = Pipes.RingLayout.DefaultRingSize;
    private TimeSpan _spinDuration = UintrReceiverOptions.DefaultSpinDuration;

    /// <summary>
    /// Bytes per direction: a power of two from 4 KiB to 1 GiB; default 1 MiB. For a connected
    /// pipe the connecting side's value is used.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two, or outside 4 KiB .. 1 GiB.</exception>
    public int RingSize
    {
        get => _ringSize;
        set
        {
            if (!Pipes.RingLayout.IsValidRingSize(value))
                throw new ArgumentOutOfRangeException(nameof(value), value, "RingSize must be a power of two from 4096 to 1073741824.");
            _ringSize = value;
        }
    }

    /// <summary>How long a read or flush spins before it sleeps, as <see cref="UintrReceiverOptions.SpinDuration"/>.</summary>
    public TimeSpan SpinDuration
    {
        get => _spinDuration;
        set
        {
            if (value < TimeSpan.Zero)
                throw new ArgumentOutOfRangeException(nameof(value), value, "SpinDuration must not be negative.");
            _spinDuration = value;
        }
    }
}
