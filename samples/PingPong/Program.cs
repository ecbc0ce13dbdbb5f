using PingPong;
using UintrIpc;
using UintrIpc.Latency;

// The same program runs as the child process: the harness re-launches it with hidden arguments.
if (LatencyHarness.TryRunChild(args, out int childExitCode))
    return childExitCode;

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is UsageException or FormatException or OverflowException)
{
    if (e is not UsageException || e.Message != new UsageException().Message)
        Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

// Two processes ping-pong over each mechanism in turn, in interleaved slices so that the VM's
// drift hits all alike; `spin` (raw shared-memory polling, no system call) is the floor.
(string Name, string Label)[] mechanisms =
[
    ("uintr", $"uintr (spin {options.SpinDuration.TotalMicroseconds:0.#} µs, then sleep)"),
    ("uintr-blocked", "uintr (spin 0: always sleeps)"),
    ("eventfd", "eventfd (blocking read)"),
    ("eventfd-poll", "eventfd (busy-polled, non-blocking)"),
    ("spin", "spin on shared memory (the floor)"),
];
var settings = new LatencySettings
{
    Mechanisms = [.. mechanisms.Select(m => m.Name)],
    Rounds = options.Rounds,
    Slices = Math.Clamp(options.Rounds / 1_000, 1, 20),
    WarmupRounds = Math.Min(options.Rounds, 1_000),
    WarmupPasses = 2,
    Pin = options.Pin,
    UintrSpin = options.SpinDuration,
    MessagePrefix = "PingPong",
};

using LatencyRun run = LatencyRun.Start(settings);
run.Measure();
IReadOnlyList<LatencyResult> results = run.Finish();

Console.WriteLine($"UintrIpc PingPong: {options.Rounds} round trips per mechanism between two processes"
    + (options.Pin ? ", pinned to CPUs 0 and 1" : ", not pinned") + $", in {run.Settings.Slices} interleaved slices");
Console.WriteLine(Summary.PathLine(run.DeliveryPath, UintrCapabilities.Current));
if (options.Verbose)
    Console.WriteLine($"  detection: {UintrCapabilities.Current.Reason}");
Console.WriteLine();
// CPU: both ping-pong threads' CPU time (CLOCK_THREAD_CPUTIME_ID) per round trip: what the
// latency costs, spinning included.
Console.WriteLine($"{"mechanism",-36} {"p50 one-way",12} {"p99 one-way",12} {"CPU / round trip",17}");
foreach (LatencyResult r in results)
{
    string label = mechanisms.First(m => m.Name == r.Name).Label;
    Console.WriteLine($"{label,-36} {Format(r.P50Ns),12} {Format(r.P99Ns),12} {Format(r.CpuNsPerRoundTrip),17}");
}
if (Summary.Conclusion(results) is { } conclusion)
{
    Console.WriteLine();
    Console.WriteLine($"this run (medians): {conclusion}");
}
return 0;

static string Format(double ns) => ns < 1000 ? $"{ns:0} ns" : $"{ns / 1000:0.0} µs";
