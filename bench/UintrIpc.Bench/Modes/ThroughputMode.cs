using System.Text.Json;
using UintrIpc.Bench.Latency;
using UintrIpc.Bench.Throughput;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>throughput [--quick] [--json FILE]</c>: streaming throughput between two processes of a
/// UintrPipe, Pipelines over a Unix stream socket and Pipelines over an anonymous pipe, with
/// 64-byte and 64 KiB messages, one flush each. Writes FILE (<c>results: [{name, messageSize,
/// messagesPerSecond, bytesPerSecond}]</c>) and a PNG next to it. The program re-launches itself
/// as the writing child with the hidden option <c>--throughput-child</c>.
/// </summary>
internal sealed class ThroughputMode : IBenchMode
{
    private static readonly int[] Sizes = [64, 65536];

    public string Name => "throughput";

    public string Description => "cross-process streaming throughput: uintr-pipe, unix-socket-pipe, pipe-pipe at 64 B and 64 KiB; --quick --json FILE";

    public int Run(string[] args)
    {
        if (args is [ThroughputRun.ChildOption, var childName, var childSize, var count, var path])
            return ThroughputRun.RunChildAsync(childName, int.Parse(childSize), long.Parse(count), path).GetAwaiter().GetResult();
        bool quick = false;
        string? json = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--json" when i + 1 < args.Length: json = args[++i]; break;
                default:
                    Console.Error.WriteLine("usage: throughput [--quick] [--json FILE]");
                    return 2;
            }
        }
        var results = new List<ThroughputResult>();
        foreach (int size in Sizes)
        {
            // About 2 s of the slowest pipeline per measurement in a full run.
            long bytes = size == 64 ? (quick ? 8L << 20 : 128L << 20) : (quick ? 256L << 20 : 4L << 30);
            foreach (string name in ThroughputStreams.Names)
            {
                ThroughputResult r = ThroughputRun.MeasureAsync(name, size, bytes / size).GetAwaiter().GetResult();
                results.Add(r);
                Console.WriteLine($"{r.Name,-18} {r.MessageSize,6} B  {r.MessagesPerSecond / 1e6,10:0.000} M msg/s  {r.BytesPerSecond / 1e9,8:0.000} GB/s");
            }
        }
        foreach (int size in Sizes)
        {
            double uintr = results.Single(r => r.Name == "uintr-pipe" && r.MessageSize == size).BytesPerSecond;
            double socket = results.Single(r => r.Name == "unix-socket-pipe" && r.MessageSize == size).BytesPerSecond;
            Console.WriteLine($"uintr-pipe / unix-socket-pipe at {size} B: {uintr / socket:0.0}x");
        }
        if (json is not null)
        {
            var options = new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
            string machine = MachineInfo.Collect(pinned: false, deliveryPath: "Futex").Describe();
            File.WriteAllText(json, JsonSerializer.Serialize(new { machine, quick, results }, options));
            string png = Path.ChangeExtension(json, ".png");
            ThroughputPlot.Write(png, results, machine);
            Console.WriteLine($"wrote {json}, {png}");
        }
        return 0;
    }
}
