namespace UintrIpc.Idle;

/// <summary>
/// How long a waiter may spin before it sleeps: the one rule every spinning wait here follows.
/// </summary>
internal static class SpinBudget
{
    /// <summary>
    /// Whether spinning can find a post sooner than sleeping: only when the sender can run on
    /// another CPU at the same time. A process that can run on one CPU only (one core, or an
    /// affinity mask or CPU quota of one, as <see cref="Environment.ProcessorCount"/> reports)
    /// never spins, since its spin would only keep the sender off the CPU.
    /// </summary>
    public static bool CanSpin { get; } = Environment.ProcessorCount > 1;

    /// <summary>The Stopwatch ticks to spin for <paramref name="spinDuration"/>; 0 where spinning cannot help.</summary>
    public static long Ticks(TimeSpan spinDuration) => CanSpin ? StopwatchTime.ToTicks(spinDuration) : 0;
}
