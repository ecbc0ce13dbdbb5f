using UintrIpc;
using UintrIpc.Latency;

namespace PingPong;

/// <summary>The two lines a reader needs: which path ran and why, and what this run's numbers say.</summary>
internal static class Summary
{
    /// <summary>One line: the path and the one-sentence reason (the full detection is behind --verbose).</summary>
    public static string PathLine(string path, UintrCapabilities capabilities) =>
        $"delivery path: {path.ToLowerInvariant()}{(path == nameof(UintrMode.Native) && capabilities.Simulated ? " (simulated)" : "")} — {ShortReason(path, capabilities)}";

    public static string ShortReason(string path, UintrCapabilities capabilities)
    {
        if (path == nameof(UintrMode.Native) && capabilities.Simulated)
            return "the UINTR simulator (UINTR_IPC_SIMULATE=1), a software model of SENDUIPI and the uintr system calls: the native path's code runs, but its timings are not UINTR's.";
        if (path == nameof(UintrMode.Native))
            return "User Interrupts in hardware: posts are SENDUIPI instructions.";
        string why =
            !capabilities.CpuSupportsUintr ? "this CPU has no User Interrupts (UINTR needs Sapphire Rapids or later)"
            : !capabilities.KernelSupportsUintr ? "this kernel has no uintr system calls (mainline Linux never merged them)"
            : !capabilities.NativeAvailable ? "the uintr system call numbers are unknown (set UINTR_IPC_SYSCALLS)"
            : $"the mode was chosen ({UintrCapabilities.ModeVariable} or options)";
        return $"{why}, so posts go through a shared page and a futex.";
    }

    /// <summary>
    /// The conclusion this run's medians support, in words, e.g. "uintr: 2.9 times faster than
    /// busy-polled eventfd, 38 % slower than the raw shared-memory floor; asleep: 4 % slower than
    /// blocking eventfd"; null when a mechanism it compares did not run.
    /// </summary>
    public static string? Conclusion(IReadOnlyList<LatencyResult> results)
    {
        double? P50(string name) => results.FirstOrDefault(r => r.Name == name)?.P50Ns;
        if (P50("uintr") is not { } uintr || P50("eventfd-poll") is not { } polled || P50("spin") is not { } floor
            || P50("uintr-blocked") is not { } asleep || P50("eventfd") is not { } blocking)
            return null;
        // Nothing signals another process faster than a store it busy-polls for: a row below
        // that floor is below it by this run's noise, not by a faster mechanism.
        string versusFloor = uintr < floor
            ? $"{Compare(uintr, floor)} the raw shared-memory floor, a difference within this run's noise (no mechanism beats the floor)"
            : $"{Compare(uintr, floor)} the raw shared-memory floor";
        return $"uintr: {Compare(uintr, polled)} busy-polled eventfd, {versusFloor}; asleep: {Compare(asleep, blocking)} blocking eventfd";
    }

    /// <summary>"3 % slower than", "2.9 times faster than", "as fast as": <paramref name="ns"/> against <paramref name="baseline"/>.</summary>
    public static string Compare(double ns, double baseline)
    {
        if (!double.IsFinite(ns) || !double.IsFinite(baseline) || ns <= 0 || baseline <= 0)
            return "not comparable with";
        double ratio = ns >= baseline ? ns / baseline : baseline / ns;
        string word = ns >= baseline ? "slower" : "faster";
        if (ratio >= 2)
            return $"{(ratio >= 10 ? $"{ratio:0}" : $"{ratio:0.0}")} times {word} than";
        double percent = ns >= baseline ? (ratio - 1) * 100 : (1 - (ns / baseline)) * 100;
        return percent < 0.5 ? "as fast as" : $"{percent:0} % {word} than";
    }
}
