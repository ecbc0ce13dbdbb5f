namespace UintrIpc;

/// <summary>
/// Counters of one receiver since it registered, read with <see cref="UintrReceiver.Statistics"/>.
/// </summary>
/// <param name="Posts">Posts collected from the vector pages; sends that coalesced count once.</param>
/// <param name="Deliveries">Handler calls.</param>
/// <param name="Blocks">Times <c>Wait</c> went to sleep in the kernel.</param>
/// <param name="Wakeups">Times a sender's notification ended such a sleep.</param>
/// <param name="SpuriousWakeups">
/// Wake-ups that found nothing to deliver (the RFC's UIS counter): a notification that raced
/// with the receiver waking up anyway, or a holder of a page toggling its status word.
/// </param>
public readonly record struct UintrReceiverStatistics(long Posts, long Deliveries, long Blocks, long Wakeups, long SpuriousWakeups);
