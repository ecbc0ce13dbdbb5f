namespace UintrIpc.Diagnostics;

/// <summary>
/// One receiver's counters. Written with plain stores by whichever thread is inside
/// Wait/WaitAsync/Poll (one at a time), read racily by <see cref="UintrReceiver.Statistics"/> and
/// the metrics callbacks. Registered with <see cref="MeterInstruments"/> while the receiver lives.
/// </summary>
internal sealed class ReceiverCounters(string? name = null)
{
    /// <summary>The receiver's <see cref="UintrReceiverOptions.Name"/>, the tag of its measurements.</summary>
    public string? Name { get; } = name;

    public long Posts;
    public long Deliveries;
    public long Blocks;
    public long Wakeups;
    public long SpuriousWakeups;
}
