using System.Diagnostics;
using UintrIpc.Latency.Primitives;
using UintrIpc.TestInterop;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>idle [--seconds S] [--spin-us U]</c>: a receiver with default options (30 µs spin) and one
/// vector, nobody sending; measures the CPU time one Wait(S) consumes. It should be the spin
/// budget plus a couple of system calls, not S. <c>--spin-us</c> overrides the spin, to see the
/// fixed cost apart from it.
/// </summary>
internal sealed class IdleMode : IBenchMode
{
    public string Name => "idle";

    public string Description => "CPU time consumed by Wait(5 s) with no sender (default options); --seconds S (5) --spin-us U (default 30)";

    public int Run(string[] args)
    {
        var options = CommandLine.Parse(args, "--seconds", "--spin-us");
        TimeSpan timeout = TimeSpan.FromSeconds(options.Int("--seconds", 5));
        var receiverOptions = new UintrReceiverOptions();
        if (options.ContainsKey("--spin-us"))
            receiverOptions.SpinDuration = TimeSpan.FromMicroseconds(options.Int("--spin-us", 30));

        using UintrReceiver receiver = UintrReceiver.Register(static _ => { }, receiverOptions);
        using UintrFd fd = receiver.CreateFd(0);
        // JIT the path and the clocks first: compiling is not waiting.
        receiver.Wait(TimeSpan.FromMilliseconds(20));
        _ = Process.GetCurrentProcess().TotalProcessorTime + CpuClock.Now(LibC.CLOCK_THREAD_CPUTIME_ID) + CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID);
        _ = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp());
        UintrReceiverStatistics before = receiver.Statistics;

        // Innermost the precise clocks, outermost the coarse one, so that none measures the others.
        TimeSpan managed0 = Process.GetCurrentProcess().TotalProcessorTime;
        TimeSpan process0 = CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID);
        TimeSpan thread0 = CpuClock.Now(LibC.CLOCK_THREAD_CPUTIME_ID);
        long start = Stopwatch.GetTimestamp();
        bool delivered = receiver.Wait(timeout);
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        TimeSpan thread = CpuClock.Now(LibC.CLOCK_THREAD_CPUTIME_ID) - thread0;
        TimeSpan process = CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID) - process0;
        TimeSpan managed = Process.GetCurrentProcess().TotalProcessorTime - managed0;
        UintrReceiverStatistics after = receiver.Statistics;

        Console.WriteLine($"Wait({timeout.TotalSeconds:F0} s) returned {delivered} (expected False)");
        Console.WriteLine($"wall time:                      {wall.TotalMilliseconds,12:F3} ms");
        Console.WriteLine($"CPU, waiting thread:            {thread.TotalMicroseconds,12:F1} µs  (CLOCK_THREAD_CPUTIME_ID)");
        Console.WriteLine($"CPU, whole process:             {process.TotalMicroseconds,12:F1} µs  (CLOCK_PROCESS_CPUTIME_ID, includes runtime threads)");
        Console.WriteLine($"CPU, Process.TotalProcessorTime:{managed.TotalMicroseconds,12:F1} µs  (10 ms tick resolution)");
        Console.WriteLine($"spin budget:                    {receiverOptions.SpinDuration.TotalMicroseconds,12:F1} µs");
        Console.WriteLine($"blocks={after.Blocks - before.Blocks} wakeups={after.Wakeups - before.Wakeups} spurious={after.SpuriousWakeups - before.SpuriousWakeups}");
        return delivered ? 1 : 0;
    }
}
