using System.Globalization;

namespace UintrIpc.Latency;

/// <summary>
/// The entry points of the cross-process ping-pong harness. The parent side: <see cref="Run"/>
/// (or <see cref="LatencyRun"/> step by step). It re-launches the current executable
/// (<see cref="Environment.ProcessPath"/>, plus the entry assembly when that is <c>dotnet</c>) with
/// <see cref="LatencySettings.ChildArgumentPrefix"/> and hidden arguments, which that executable
/// hands to <see cref="TryRunChild"/> first thing.
/// </summary>
public static class LatencyHarness
{
    /// <summary>Every mechanism, in catalogue order. The diagnostic ones run only when named.</summary>
    public static IReadOnlyList<(string Name, string Description, bool Diagnostic)> Mechanisms => MechanismCatalog.All;

    /// <summary>Runs the parent side start to end on the calling thread and returns one result per mechanism run, in catalogue order.</summary>
    public static IReadOnlyList<LatencyResult> Run(LatencySettings settings, ILatencyProgress? progress = null)
    {
        using LatencyRun run = LatencyRun.Start(settings);
        run.Measure(progress);
        return run.Finish();
    }

    /// <summary>
    /// When <paramref name="args"/> are the hidden arguments of a re-launched process (the child:
    /// <c>--child NAME --pin|--no-pin --uintr-spin-ticks N</c>, or the CPU burner: <c>--hog</c>),
    /// runs that process's side and gives its exit code; else returns false at once.
    /// </summary>
    public static bool TryRunChild(string[] args, out int exitCode)
    {
        if (args.Contains(HogArgument))
        {
            exitCode = LatencyChild.Hog();
            return true;
        }
        int child = Array.IndexOf(args, ChildArgument);
        if (child < 0 || child + 1 >= args.Length)
        {
            exitCode = 0;
            return false;
        }
        int spin = Array.IndexOf(args, SpinArgument);
        TimeSpan uintrSpin = spin >= 0 && spin + 1 < args.Length
            ? TimeSpan.FromTicks(long.Parse(args[spin + 1], CultureInfo.InvariantCulture))
            : UintrReceiverOptions.DefaultSpinDuration;
        exitCode = LatencyChild.Run(args[child + 1], pin: !args.Contains("--no-pin"), uintrSpin);
        return true;
    }

    internal const string ChildArgument = "--child";
    internal const string HogArgument = "--hog";
    internal const string SpinArgument = "--uintr-spin-ticks";
}
