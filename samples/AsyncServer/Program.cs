using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using AsyncServer;
using UintrIpc;

// One process, many peers, a handful of threads: every simulated client has a receiver here,
// awaited with WaitAsync by an async loop on the thread pool; client threads post to random
// receivers. Usage: AsyncServer [--receivers N] [--clients N] [--seconds S] [--rate POSTS_PER_S] [--spin-us U]
// Each receiver here is posted rarely (1 000 share the posts), so by default they do not spin:
// a spin would only keep a pool thread busy for a post that is not coming (--spin-us 30 to see it).
var options = Options.Parse(args);
Console.WriteLine($"{options.Receivers} receivers awaited with WaitAsync, {options.Clients} client threads posting at random " +
    $"({(options.Rate > 0 ? $"{options.Rate:N0} posts/s each" : "as fast as they can")}), SpinDuration {options.SpinMicroseconds} µs, {options.Seconds} s");
// WaitAsync runs on the futex path: a native receiver belongs to its registering thread, one per
// thread, which 1 000 receivers awaited on the thread pool cannot be (docs/NATIVE.md). The client
// threads' senders post wherever the path is.
var receiverOptions = new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(options.SpinMicroseconds), Mode = UintrMode.Futex };

var latency = new WakeLatency();
var receivers = new UintrReceiver[options.Receivers];
var senders = new UintrSender[options.Receivers];
var fds = new UintrFd[options.Receivers];
long[] postedAt = new long[options.Receivers]; // 0: nothing outstanding; else the post's timestamp
long delivered = 0;
for (int i = 0; i < options.Receivers; i++)
{
    int client = i;
    receivers[i] = UintrReceiver.Register(_ =>
    {
        latency.Record(Volatile.Read(ref postedAt[client]));
        Volatile.Write(ref postedAt[client], 0);
        Interlocked.Increment(ref delivered);
    }, receiverOptions);
    fds[i] = receivers[i].CreateFd(0);
    senders[i] = UintrSender.Register(fds[i]);
}

using var stop = new CancellationTokenSource();
// One async loop per receiver: no thread waits; the library's futex engine sleeps for all of
// them, and each loop resumes on the engine thread the kernel woke for its post.
Task[] servers = [.. receivers.Select(receiver => Task.Run(async () =>
{
    try
    {
        while (true)
            await receiver.WaitAsync(Timeout.InfiniteTimeSpan, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }
}))];

Thread[] clients = [.. Enumerable.Range(0, options.Clients).Select(c => new Thread(() => Post(c)) { IsBackground = true, Name = $"client {c}" })];
foreach (Thread thread in clients)
    thread.Start();

long dispatcherThreads = 0;
using var meters = new MeterListener();
meters.InstrumentPublished = (instrument, listener) =>
{
    if (instrument.Meter.Name == UintrMetrics.MeterName && instrument.Name == "uintr.dispatcher.threads")
        listener.EnableMeasurementEvents(instrument);
};
meters.SetMeasurementEventCallback<long>((_, value, _, _) => dispatcherThreads = value);
meters.Start();

Console.WriteLine($"{"second",6} {"posts/s",12} {"wake p50",10} {"wake p99",10} {"threads",8} {"engine",10}");
long last = 0;
int maxThreads = 0;
for (int second = 1; second <= options.Seconds; second++)
{
    Thread.Sleep(1000);
    long now = Interlocked.Read(ref delivered);
    (long count, double p50, double p99) = latency.TakeSnapshot();
    meters.RecordObservableInstruments();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{second,6} {now - last,12:N0} {Micro(p50),10} {Micro(p99),10} {ThreadCount(),8} {dispatcherThreads,10}"));
    maxThreads = Math.Max(maxThreads, ThreadCount());
    last = now;
}

stop.Cancel();
foreach (Thread thread in clients)
    thread.Join();
Task.WaitAll(servers);
for (int i = 0; i < options.Receivers; i++)
{
    senders[i].Dispose();
    fds[i].Dispose();
    receivers[i].Dispose();
}
Console.WriteLine($"total: {Interlocked.Read(ref delivered):N0} posts delivered to {options.Receivers} receivers, at most {maxThreads} threads in the process");

// The same server on .NET's async sockets, same receivers, clients, rate and duration, so the
// wake latency above has something beside it.
Console.WriteLine($"the same with {options.Receivers} .NET async Unix socket pairs (ReceiveAsync loops), {options.Seconds} s ...");
WakeLatency sockets = await SocketPairs.RunAsync(options.Receivers, options.Clients, TimeSpan.FromSeconds(options.Seconds), options.Rate);
(long uintrCount, double uintrP50, double uintrP99) = latency.Total();
(long socketCount, double socketP50, double socketP99) = sockets.Total();
Console.WriteLine($"{"wake latency (post to the code after the await)",-48} {"p50",10} {"p99",10} {"wakes",12}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"UintrIpc WaitAsync",-48} {Micro(uintrP50),10} {Micro(uintrP99),10} {uintrCount,12:N0}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{".NET async socket pair",-48} {Micro(socketP50),10} {Micro(socketP99),10} {socketCount,12:N0}"));
return Interlocked.Read(ref delivered) > 0 ? 0 : 1;

// A client thread: picks a receiver at random and posts to it if its last post was delivered
// (so every latency measured is one post's), pacing itself to the rate when one is given.
void Post(int client)
{
    var random = new Random(client);
    long interval = options.Rate > 0 ? Stopwatch.Frequency / options.Rate : 0;
    long next = Stopwatch.GetTimestamp();
    while (!stop.IsCancellationRequested)
    {
        int target = random.Next(options.Receivers);
        long stamp = Stopwatch.GetTimestamp();
        if (Interlocked.CompareExchange(ref postedAt[target], stamp, 0) != 0)
            continue;
        try
        {
            senders[target].Send();
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        if (interval > 0)
        {
            next += interval;
            while (Stopwatch.GetTimestamp() < next && !stop.IsCancellationRequested)
                Thread.Sleep(next - Stopwatch.GetTimestamp() > Stopwatch.Frequency / 500 ? 1 : 0);
        }
    }
}

static string Micro(double ns) => double.IsNaN(ns) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ns / 1000:F1} µs");

static int ThreadCount() => Directory.GetDirectories("/proc/self/task").Length;

/// <summary>The command line.</summary>
internal sealed record Options(int Receivers, int Clients, int Seconds, long Rate, long SpinMicroseconds)
{
    public static Options Parse(string[] args)
    {
        var values = new Dictionary<string, long> { ["--receivers"] = 1000, ["--clients"] = 2, ["--seconds"] = 10, ["--rate"] = 50_000, ["--spin-us"] = 0 };
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (!values.ContainsKey(args[i]))
                throw new ArgumentException($"unknown option {args[i]}; known: {string.Join(", ", values.Keys)}");
            values[args[i]] = long.Parse(args[i + 1], CultureInfo.InvariantCulture);
        }
        return new((int)values["--receivers"], (int)values["--clients"], (int)values["--seconds"], values["--rate"], values["--spin-us"]);
    }
}
