using UintrIpc.Bench.Latency;
using UintrIpc.Latency;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>latency [--quick] [--json FILE] [--rounds N] [--slices N] [--no-pin] [--only LIST] [--contend]</c>: cross-process
/// ping-pong one-way latency and CPU per round trip of UintrIpc next to eventfd, pipes, Unix
/// sockets, raw futexes and raw spinning, all measured in one run, interleaved in slices; then the
/// in-process cost of one send. The program re-launches itself as the child process with the
/// hidden option <c>--child NAME</c> (and, for <c>--contend</c>, as a CPU burner with <c>--hog</c>). The harness is the
/// bench/UintrIpc.Latency library; this mode adds the progress display, the send cost and the report. See bench/README.md.
/// </summary>
internal sealed class LatencyMode : IBenchMode
{
    public string Name => "latency";

    public string Description => "cross-process ping-pong latency + CPU of uintr, eventfd, pipe, unix-socket, futex, spin; send cost; --quick --json FILE --rounds N";

    public int Run(string[] args)
    {
        // The re-launched child process (or CPU burner) of a latency run.
        if (LatencyHarness.TryRunChild(args, out int childExitCode))
            return childExitCode;
        if (args is ["-h" or "--help"])
        {
            Console.WriteLine(LatencyOptions.Usage);
            return 0;
        }
        LatencyOptions options;
        try
        {
            options = LatencyOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }
        return LatencyParent.Run(options);
    }
}
