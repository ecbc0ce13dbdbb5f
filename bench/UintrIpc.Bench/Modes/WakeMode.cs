using System.Diagnostics;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>wake [--rounds N] [--warmup N] [--spin default|zero|both]</c>: thread-to-thread wake latency.
/// Two threads, each with its own receiver, ping-pong one vector; the one-way latency is half a
/// round trip (Send on one side until Wait returns on the other and its reply arrives).
/// </summary>
internal sealed class WakeMode : IBenchMode
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    public string Name => "wake";

    public string Description => "thread-to-thread ping-pong one-way latency; --rounds N (200000) --warmup N (20000) --spin default|zero|both (both)";

    public int Run(string[] args)
    {
        var options = CommandLine.Parse(args, "--rounds", "--warmup", "--spin");
        int rounds = checked((int)options.Int("--rounds", 200_000));
        int warmup = checked((int)options.Int("--warmup", 20_000));
        string spin = options.Text("--spin", "both");

        Console.WriteLine($"{"receivers",-28} {"rounds",8} {"median",9} {"p90",9} {"p99",9} {"p99.9",9} {"max",11}  (one-way ns = round trip / 2)");
        if (spin is "default" or "both")
            Measure($"spinning ({UintrReceiverOptions.DefaultSpinDuration.TotalMicroseconds:F0} µs, default)", new UintrReceiverOptions(), rounds, warmup);
        if (spin is "zero" or "both")
            Measure("SpinDuration = 0", new UintrReceiverOptions { SpinDuration = TimeSpan.Zero }, rounds, warmup);
        return 0;
    }

    private static void Measure(string label, UintrReceiverOptions options, int rounds, int warmup)
    {
        using UintrReceiver pingReceiver = UintrReceiver.Register(static _ => { }, options);
        using UintrReceiver pongReceiver = UintrReceiver.Register(static _ => { }, options);
        using UintrFd pingFd = pingReceiver.CreateFd(0);
        using UintrFd pongFd = pongReceiver.CreateFd(0);
        using UintrSender toPong = UintrSender.Register(pongFd);
        using UintrSender toPing = UintrSender.Register(pingFd);

        int total = warmup + rounds;
        var ponger = new Thread(() =>
        {
            for (int i = 0; i < total; i++)
            {
                if (!pongReceiver.Wait(WaitLimit))
                    throw new TimeoutException("pong side: no ping within the wait limit");
                toPing.Send();
            }
        }) { IsBackground = true, Name = "pong" };
        ponger.Start();

        long[] roundTrips = new long[rounds];
        long cpu0 = (long)Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;
        long wall0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < total; i++)
        {
            long start = Stopwatch.GetTimestamp();
            toPong.Send();
            if (!pingReceiver.Wait(WaitLimit))
                throw new TimeoutException("ping side: no pong within the wait limit");
            long end = Stopwatch.GetTimestamp();
            if (i >= warmup)
                roundTrips[i - warmup] = end - start;
        }
        double wallSeconds = Stopwatch.GetElapsedTime(wall0).TotalSeconds;
        long cpu = (long)Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds - cpu0;
        ponger.Join();

        Array.Sort(roundTrips);
        double OneWayNs(double quantile) => roundTrips[(int)Math.Min(rounds - 1, quantile * rounds)] * 1e9 / Stopwatch.Frequency / 2;
        Console.WriteLine($"{label,-28} {rounds,8} {OneWayNs(0.5),9:F0} {OneWayNs(0.9),9:F0} {OneWayNs(0.99),9:F0} {OneWayNs(0.999),9:F0} {OneWayNs(1),11:F0}");
        Console.WriteLine($"{"",-28} sleeps: ping {pingReceiver.Statistics.Blocks}, pong {pongReceiver.Statistics.Blocks}; " +
            $"CPU {cpu / 1e6:F2} s over {wallSeconds:F2} s wall");
    }
}
