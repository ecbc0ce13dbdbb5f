using System.Diagnostics;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>syscalls [--sends N] [--warmup N] [--vectors V]</c>: Send + Poll N times between two marker
/// lines on stderr, for bench/syscall-count.sh to run under strace (or valgrind, to count
/// instructions and cache misses per round). Each send is a fresh post (the Poll before it
/// collected the previous one), so each takes the LOCK OR + status-read path; with the receiver
/// not blocked none of them may make a system call. The receiver has V vectors (default 1) and
/// the sender posts the highest.
/// </summary>
internal sealed class SyscallsMode : IBenchMode
{
    public const string BeginMarker = "UINTRIPC-REGION-BEGIN";
    public const string EndMarker = "UINTRIPC-REGION-END";

    private static long s_handled;

    public string Name => "syscalls";

    public string Description => "N x (Send + Poll) between stderr markers, for strace (bench/syscall-count.sh); --sends N (1000000) --warmup N (200000) --vectors V (1)";

    public int Run(string[] args)
    {
        var options = CommandLine.Parse(args, "--sends", "--warmup", "--vectors");
        long sends = options.Int("--sends", 1_000_000);
        long warmup = options.Int("--warmup", 200_000);
        int vectors = checked((int)options.Int("--vectors", 1));

        using UintrReceiver receiver = UintrReceiver.Register(static _ => s_handled++);
        UintrFd[] fds = Enumerable.Range(0, vectors).Select(receiver.CreateFd).ToArray(); // closed with the receiver
        using UintrSender sender = UintrSender.Register(fds[^1]);

        // Identical in both runs the script compares: JIT tiering of the loop finishes here.
        SendAndPoll(sender, receiver, warmup);
        Thread.Sleep(500);
        SendAndPoll(sender, receiver, warmup);
        Thread.Sleep(500);

        long handledBefore = s_handled;
        StraceMark.Write($"{BeginMarker} sends={sends}");
        long start = Stopwatch.GetTimestamp();
        SendAndPoll(sender, receiver, sends);
        long elapsed = Stopwatch.GetTimestamp() - start;
        StraceMark.Write(EndMarker);

        long handled = s_handled - handledBefore;
        UintrReceiverStatistics stats = receiver.Statistics;
        Console.WriteLine($"vectors={vectors} sends={sends} handled={handled} blocks={stats.Blocks} " +
            $"ns/(send+poll)={(sends == 0 ? 0 : elapsed * 1e9 / Stopwatch.Frequency / sends):F1}");
        if (handled != sends)
        {
            Console.Error.WriteLine($"expected {sends} handler calls, got {handled}: some sends coalesced or were lost");
            return 1;
        }
        return 0;
    }

    private static void SendAndPoll(UintrSender sender, UintrReceiver receiver, long count)
    {
        for (long i = 0; i < count; i++)
        {
            sender.Send();
            receiver.Poll();
        }
    }
}
