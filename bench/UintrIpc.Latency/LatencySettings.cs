namespace UintrIpc.Latency;

/// <summary>What one run of the harness measures; the defaults are the bench's full run.</summary>
public sealed record LatencySettings
{
    /// <summary>The mechanisms to run (catalogue names, <see cref="LatencyHarness.Mechanisms"/>), run in catalogue order; null: every non-diagnostic one.</summary>
    public IReadOnlyCollection<string>? Mechanisms { get; init; }

    /// <summary>Measured round trips per mechanism, over all slices.</summary>
    public int Rounds { get; init; } = 200_000;

    /// <summary>Interleaved slices the rounds are split into (at most <see cref="Rounds"/>).</summary>
    public int Slices { get; init; } = 20;

    /// <summary>Round trips per mechanism in each warm-up pass (timed the same way, not kept).</summary>
    public int WarmupRounds { get; init; } = 2_000;

    /// <summary>Warm-up passes over every mechanism, with a pause between them so tiered JIT promotes the hot paths.</summary>
    public int WarmupPasses { get; init; } = 3;

    /// <summary>Pin the ping-pong threads: the parent's to CPU 0, the child's to CPU 1.</summary>
    public bool Pin { get; init; } = Environment.ProcessorCount >= 2;

    /// <summary>Run one more process, unpinned, that only burns CPU while the round trips run.</summary>
    public bool Contend { get; init; }

    /// <summary>The <c>uintr</c> mechanism's <see cref="UintrReceiverOptions.SpinDuration"/> (the other uintr mechanisms have their own).</summary>
    public TimeSpan UintrSpin { get; init; } = UintrReceiverOptions.DefaultSpinDuration;

    /// <summary>
    /// Arguments put before the hidden child arguments when the harness re-launches the current
    /// executable, e.g. the bench's mode name <c>latency</c>: whatever makes that executable call
    /// <see cref="LatencyHarness.TryRunChild"/> with the rest.
    /// </summary>
    public IReadOnlyList<string> ChildArgumentPrefix { get; init; } = [];

    /// <summary>Prefix of the messages the harness writes to stderr itself.</summary>
    public string MessagePrefix { get; init; } = "latency";
}

/// <summary>
/// Told about progress by <see cref="LatencyRun.Measure"/>, on its (pinned) thread, between slices:
/// never while a slice is timed.
/// </summary>
public interface ILatencyProgress
{
    /// <summary>The ping-pong thread is pinned (and the CPU burner started); the warm-up is next.</summary>
    void Started() { }

    /// <summary>One warm-up slice of one mechanism is done.</summary>
    void WarmupSliceDone(string mechanism) { }

    /// <summary>One measured slice of <paramref name="mechanism"/> is done.</summary>
    void SliceDone(string mechanism) { }

    /// <summary>Every round trip is done and the CPU burner stopped; the thread is still pinned, for in-process measurements of the caller's own.</summary>
    void RoundsDone() { }
}
