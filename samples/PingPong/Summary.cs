using UintrIpc;
using UintrIpc.Latency;

namespace PingPong;

/// <summary>The two lines a reader needs: which path ran and why, and what this run's numbers say.</summary>
internal static class Summary
{
    /// <summary>One line: the path and the one-sentence reason (the full detection is behind --verbose).</summary>
    public static string PathLine(string path, UintrCapabilities capabilities) =>
        $"delivery path: {path.ToLowerInvariant()} — {ShortReason(path, capabilities)}";

    public static string ShortReason(string path, UintrCapabilities capabilities)
    {
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
    /// The conclusion this run's medians support, e.g. "uintr: 2.9× faster than busy-polled
    /// eventfd, 1.38× the raw shared-memory floor; asleep: 1.04× blocking eventfd"; null when a
    /// mechanism it compares did not run.
    /// </summary>
    public static string? Conclusion(IReadOnlyList<LatencyResult> results)
    {
        double? P50(string name) => results.FirstOrDefault(r => r.Name == name)?.P50Ns;
        if (P50("uintr") is not { } uintr || P50("eventfd-poll") is not { } polled || P50("spin") is not { } floor
            || P50("uintr-blocked") is not { } asleep || P50("eventfd") is not { } blocking)
            return null;
        string versusPolled = uintr <= polled
            ? $"{Ratio(polled / uintr)} faster than busy-polled eventfd"
            : $"{Ratio(uintr / polled)} slower than busy-polled eventfd";
        return $"uintr: {versusPolled}, {Ratio(uintr / floor)} the raw shared-memory floor; "
            + $"asleep: {Ratio(asleep / blocking)} blocking eventfd";
    }

    private static string Ratio(double ratio) =>
        double.IsFinite(ratio) ? (ratio >= 10 ? $"{ratio:0}×" : ratio >= 2 ? $"{ratio:0.0}×" : $"{ratio:0.00}×") : "n/a";
}
