using System.Diagnostics;

namespace UintrIpc.Idle;

/// <summary>
/// Conversions between <see cref="Stopwatch"/> timestamps, <see cref="TimeSpan"/> and the
/// nanoseconds the kernel's timeouts take, saturating rather than overflowing (a huge timeout
/// means "practically never", not a negative one).
/// </summary>
internal static class StopwatchTime
{
    private static readonly double s_ticksPerTimeSpanTick = (double)Stopwatch.Frequency / TimeSpan.TicksPerSecond;
    private static readonly double s_nanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    /// <summary><paramref name="span"/> in Stopwatch ticks, saturated at <see cref="long.MaxValue"/>.</summary>
    public static long ToTicks(TimeSpan span) => Saturate(span.Ticks * s_ticksPerTimeSpanTick);

    /// <summary>Stopwatch ticks to nanoseconds, at least 0, saturated at <see cref="long.MaxValue"/>.</summary>
    public static long ToNanoseconds(long ticks) => ticks <= 0 ? 0 : Saturate(ticks * s_nanosecondsPerTick);

    private static long Saturate(double value) => value >= long.MaxValue ? long.MaxValue : (long)value;
}
