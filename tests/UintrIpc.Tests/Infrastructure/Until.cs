namespace UintrIpc.Tests.Infrastructure;

/// <summary>Generous deadlines that only catch hangs; they never decide a pass on their own.</summary>
internal static class Until
{
    /// <summary>The deadline for anything that should take milliseconds: only a hang reaches it.</summary>
    public static readonly TimeSpan Hang = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds or <see cref="Hang"/> passes.</summary>
    public static bool True(Func<bool> condition) => True(condition, Hang);

    public static bool True(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var spin = new SpinWait();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
                return condition();
            if (spin.NextSpinWillYield)
                Thread.Sleep(1);
            else
                spin.SpinOnce();
        }
        return true;
    }

    /// <summary>Polls until <paramref name="receiver"/> has gone to sleep in the kernel more than <paramref name="blocksBefore"/> times.</summary>
    public static void Blocked(UintrReceiver receiver, long blocksBefore = 0) =>
        Assert.True(True(() => receiver.Statistics.Blocks > blocksBefore), "the waiting thread never went to sleep");
}
