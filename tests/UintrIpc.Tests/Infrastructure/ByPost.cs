namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// A <c>Wait</c> that must end because a post woke it, not by its own timeout. A Wait whose sleep
/// times out still collects at W10 and returns true if the post is there by then: that is a lost
/// wake-up rescued by the deadline, and it must fail the test, not pass it slowly.
/// </summary>
internal static class ByPost
{
    /// <summary>
    /// True when <paramref name="receiver"/>'s Wait delivered before <paramref name="timeout"/> ran
    /// out; false when nothing came, or when it came only with the timeout (a timed-out sleep
    /// returns at or after its deadline, so a delivery by post returns strictly before it).
    /// </summary>
    public static bool Wait(UintrReceiver receiver, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        return receiver.Wait(timeout) && Stopwatch.GetElapsedTime(start) < timeout;
    }
}
