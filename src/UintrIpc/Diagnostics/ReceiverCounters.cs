namespace UintrIpc.Diagnostics;

/// <summary>
/// One receiver's counters. Written with plain stores by whichever thread is inside
/// Wait/WaitAsync/Poll (one at a time), read racily by <see cref="UintrReceiver.Statistics"/> and
/// the metrics callbacks. Registered with <see cref="UintrMetrics"/> while the receiver lives.
/// </summary>
internal sealed class ReceiverCounters
{
    public long Posts;
    public long Deliveries;
    public long Blocks;
    public long Wakeups;
    public long SpuriousWakeups;
}
