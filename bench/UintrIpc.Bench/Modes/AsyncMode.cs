using System.Diagnostics;
using UintrIpc.Latency.Primitives;
using UintrIpc.TestInterop;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>async wake|scale|idle</c>: WaitAsync and the futex engine.
/// <list type="bullet">
/// <item><c>wake [--rounds N] [--warmup N]</c>: in-process ping-pong between a thread in <c>Wait</c> and an
/// async loop in <c>WaitAsync</c> on the thread pool, default spin and SpinDuration = 0, next to the
/// same with two <c>Wait</c> threads: what the futex engine's hand-off adds.</item>
/// <item><c>scale [--receivers N]</c>: N receivers (one vector each) awaited at once; one post to one
/// receiver (only its awaiter may complete: the engine's wake-ups count), then one post to
/// each; engine threads, process threads, memory per receiver, completion time.</item>
/// <item><c>idle [--receivers N] [--seconds S]</c>: N idle awaiters after their spin; process CPU over S.</item>
/// </list>
/// </summary>
internal sealed class AsyncMode : IBenchMode
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    /// <summary>The dispatcher's gauges and wake-ups, from the library's public meter.</summary>
    private static readonly UintrMeterReader Meter = new();

    public string Name => "async";

    public string Description => "WaitAsync: 'wake' ping-pong latency, 'scale' 1 000 receivers awaited at once, 'idle' CPU of 1 000 idle awaiters; --receivers N --rounds N --seconds S";

    public int Run(string[] args)
    {
        string sub = args.Length > 0 ? args[0] : "scale";
        var options = CommandLine.Parse(args.Length > 0 ? args[1..] : [], "--rounds", "--warmup", "--receivers", "--seconds");
        return sub switch
        {
            "wake" => Wake(checked((int)options.Int("--rounds", 100_000)), checked((int)options.Int("--warmup", 10_000))),
            "scale" => Scale(checked((int)options.Int("--receivers", 1000))),
            "idle" => Idle(checked((int)options.Int("--receivers", 1000)), TimeSpan.FromSeconds(options.Int("--seconds", 5))),
            _ => throw new ArgumentException($"async: unknown sub-mode '{sub}' (wake, scale, idle)"),
        };
    }

    private static int Wake(int rounds, int warmup)
    {
        Console.WriteLine($"{"pong side",-40} {"rounds",8} {"median",9} {"p90",9} {"p99",9}  (one-way ns = round trip / 2; ping side: a thread in Wait)");
        foreach (TimeSpan spin in new[] { UintrReceiverOptions.DefaultSpinDuration, TimeSpan.Zero })
        {
            string spinText = spin == TimeSpan.Zero ? "SpinDuration = 0" : "default spin";
            WakeOnce($"Wait thread, {spinText}", spin, rounds, warmup, async: false);
            WakeOnce($"WaitAsync on the pool, {spinText}", spin, rounds, warmup, async: true);
        }
        return 0;
    }

    private static void WakeOnce(string label, TimeSpan spin, int rounds, int warmup, bool async)
    {
        var options = new UintrReceiverOptions { SpinDuration = spin };
        using UintrReceiver pingReceiver = UintrReceiver.Register(static _ => { }, options);
        using UintrReceiver pongReceiver = UintrReceiver.Register(static _ => { }, options);
        using UintrFd pingFd = pingReceiver.CreateFd(0);
        using UintrFd pongFd = pongReceiver.CreateFd(0);
        using UintrSender toPong = UintrSender.Register(pongFd);
        using UintrSender toPing = UintrSender.Register(pingFd);
        int total = warmup + rounds;

        Task pong;
        if (async)
        {
            pong = Task.Run(async () =>
            {
                for (int i = 0; i < total; i++)
                {
                    if (!await pongReceiver.WaitAsync(WaitLimit))
                        throw new TimeoutException("pong side: no ping within the wait limit");
                    toPing.Send();
                }
            });
        }
        else
        {
            pong = Task.Factory.StartNew(() =>
            {
                for (int i = 0; i < total; i++)
                {
                    if (!pongReceiver.Wait(WaitLimit))
                        throw new TimeoutException("pong side: no ping within the wait limit");
                    toPing.Send();
                }
            }, TaskCreationOptions.LongRunning);
        }

        long[] roundTrips = new long[rounds];
        for (int i = 0; i < total; i++)
        {
            long start = Stopwatch.GetTimestamp();
            toPong.Send();
            if (!pingReceiver.Wait(WaitLimit))
                throw new TimeoutException("ping side: no pong within the wait limit");
            if (i >= warmup)
                roundTrips[i - warmup] = Stopwatch.GetTimestamp() - start;
        }
        pong.GetAwaiter().GetResult();
        Array.Sort(roundTrips);
        double OneWayNs(double q) => roundTrips[(int)Math.Min(rounds - 1, q * rounds)] * 1e9 / Stopwatch.Frequency / 2;
        Console.WriteLine($"{label,-40} {rounds,8} {OneWayNs(0.5),9:F0} {OneWayNs(0.9),9:F0} {OneWayNs(0.99),9:F0}   pong sleeps {pongReceiver.Statistics.Blocks}");
    }

    private sealed class Client : IDisposable
    {
        public Client(int index)
        {
            Index = index;
            Receiver = UintrReceiver.Register(_ => Volatile.Write(ref Delivered, Delivered + 1));
            Fd = Receiver.CreateFd(index % 64);
            Sender = UintrSender.Register(Fd);
        }

        public int Index { get; }

        public UintrReceiver Receiver { get; }

        public UintrFd Fd { get; }

        public UintrSender Sender { get; }

        public int Delivered;

        public void Dispose()
        {
            Sender.Dispose();
            Fd.Dispose();
            Receiver.Dispose();
        }
    }

    private static int Scale(int count)
    {
        Console.WriteLine($"{count} receivers, one vector each, default options (30 µs spin inline, then the futex engine)");
        long managedBefore = GC.GetTotalMemory(forceFullCollection: true);
        long rssBefore = ResidentBytes();
        int threadsBefore = ProcessThreads();
        var clients = new Client[count];
        for (int i = 0; i < count; i++)
            clients[i] = new Client(i);
        try
        {
            var waits = new Task<bool>[count];
            long startAwaits = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
                waits[i] = clients[i].Receiver.WaitAsync(TimeSpan.FromSeconds(60)).AsTask();
            if (!SpinUntil(() => Meter.DispatcherWaiting == count, TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"only {Meter.DispatcherWaiting} of {count} receivers reached the dispatcher");
            double awaitMs = Stopwatch.GetElapsedTime(startAwaits).TotalMilliseconds;
            long managedAfter = GC.GetTotalMemory(forceFullCollection: true);
            long rssAfter = ResidentBytes();
            Console.WriteLine($"all {count} asleep in the dispatcher after {awaitMs:F1} ms (includes each one's 30 µs spin, run one after another)");
            Console.WriteLine($"dispatcher threads:  {Meter.DispatcherThreads} (limit 16); process threads {threadsBefore} -> {ProcessThreads()}");
            Console.WriteLine($"memory per receiver: {(managedAfter - managedBefore) / (double)count:F0} B managed, {(rssAfter - rssBefore) / (double)count:F0} B resident " +
                "(receiver, one vector page, its mappings and descriptors, sender, pending await)");

            // One post to one receiver: only that awaiter may complete.
            long wokenBefore = Meter.DispatcherWakeups;
            int target = count / 2;
            clients[target].Sender.Send();
            if (!waits[target].Wait(WaitLimit))
                throw new TimeoutException("the posted receiver did not complete");
            Thread.Sleep(100);
            int completed = waits.Count(w => w.IsCompleted);
            Console.WriteLine($"one post to receiver {target}: awaiters completed {completed} (expected 1), dispatcher wake-ups {Meter.DispatcherWakeups - wokenBefore} (expected 1), " +
                $"still waiting {Meter.DispatcherWaiting} (expected {count - 1})");

            // Then one post to each of the others.
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                if (i != target)
                    clients[i].Sender.Send();
            }
            if (!Task.WaitAll(waits, TimeSpan.FromSeconds(60)))
                throw new TimeoutException("not every receiver completed");
            double allMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            int delivered = clients.Sum(c => Volatile.Read(ref c.Delivered));
            long wakeups = clients.Sum(c => c.Receiver.Statistics.Wakeups);
            long spurious = clients.Sum(c => c.Receiver.Statistics.SpuriousWakeups);
            Console.WriteLine($"one post to each: all {count} completed in {allMs:F1} ms; handler calls {delivered} (expected {count}); " +
                $"receiver wake-ups {wakeups}, spurious {spurious}; dispatcher wake-ups total {Meter.DispatcherWakeups - wokenBefore}");
            return delivered == count && completed == 1 ? 0 : 1;
        }
        finally
        {
            foreach (Client client in clients)
                client?.Dispose();
        }
    }

    private static int Idle(int count, TimeSpan duration)
    {
        var clients = new Client[count];
        for (int i = 0; i < count; i++)
            clients[i] = new Client(i);
        try
        {
            var waits = new Task<bool>[count];
            for (int i = 0; i < count; i++)
                waits[i] = clients[i].Receiver.WaitAsync(duration + TimeSpan.FromSeconds(30)).AsTask();
            if (!SpinUntil(() => Meter.DispatcherWaiting == count, TimeSpan.FromSeconds(30)))
                throw new TimeoutException($"only {Meter.DispatcherWaiting} of {count} receivers reached the dispatcher");
            Thread.Sleep(200); // let the runtime's start-up work (tiering, the pool's hill climbing) settle
            TimeSpan cpu0 = CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID);
            long start = Stopwatch.GetTimestamp();
            Thread.Sleep(duration);
            TimeSpan cpu = CpuClock.Now(LibC.CLOCK_PROCESS_CPUTIME_ID) - cpu0;
            TimeSpan wall = Stopwatch.GetElapsedTime(start);
            Console.WriteLine($"{count} idle WaitAsync receivers in {Meter.DispatcherThreads} dispatcher threads; process threads {ProcessThreads()}");
            Console.WriteLine($"process CPU over {wall.TotalSeconds:F2} s idle: {cpu.TotalMilliseconds:F2} ms ({cpu / wall * 100:F3} % of one CPU; whole process, runtime threads included)");
            foreach (Client client in clients)
                client.Sender.Send();
            Task.WaitAll(waits, TimeSpan.FromSeconds(60));
            return 0;
        }
        finally
        {
            foreach (Client client in clients)
                client.Dispose();
        }
    }

    private static bool SpinUntil(Func<bool> condition, TimeSpan limit)
    {
        long start = Stopwatch.GetTimestamp();
        while (!condition())
        {
            if (Stopwatch.GetElapsedTime(start) > limit)
                return false;
            Thread.Sleep(1);
        }
        return true;
    }

    private static int ProcessThreads() => Directory.GetDirectories("/proc/self/task").Length;

    private static long ResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }
}
