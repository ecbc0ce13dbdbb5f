namespace UintrIpc.Tests.Hardware;

/// <summary>
/// A fact that needs the UINTR simulator's own hooks (single-step injection, its counters):
/// it runs only with <c>UINTR_IPC_SIMULATE=1</c> and is skipped elsewhere, real UINTR machines
/// included, where the same behaviour is covered by the hardware-only tests.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SimulatorOnlyFactAttribute : FactAttribute
{
    public SimulatorOnlyFactAttribute()
    {
        if (!UintrCapabilities.Current.Simulated || !UintrCapabilities.Current.NativeAvailable)
            Skip = $"Simulator-only: run with {UintrCapabilities.SimulateVariable}=1 (docs/NATIVE.md). Here: {UintrCapabilities.Current.Reason}";
    }
}

/// <summary>Runs a native-path test on a fresh thread it owns: a native receiver belongs to its registering thread.</summary>
internal static class OwnThread
{
    public static void Run(Action test)
    {
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                test();
            }
            catch (Exception e)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromMinutes(5)), "the test thread hung");
        failure?.Throw();
    }

    /// <summary>The simulator's counters: notifications sent, processed, handler calls, window rewrites, empty notifications.</summary>
    public static unsafe ulong[] SimulatorCounters()
    {
        var counters = new ulong[5];
        fixed (ulong* p = counters)
            SimulatorHooks.Counters(p);
        return counters;
    }
}
