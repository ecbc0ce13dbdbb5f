using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using UintrIpc.Latency;

namespace UintrIpc.Bench.Latency;

/// <summary>
/// One figure the issue asks the harness to show: a ratio of two medians of the same run, against
/// its target; or, with no target, a ratio that tells how far a target can be reached on this host.
/// </summary>
internal sealed record Figure(string Claim, string Formula, double Ratio, string Target, bool Pass)
{
    /// <summary>A context ratio: no target of its own.</summary>
    public static Figure Context(string claim, string formula, double ratio) => new(claim, formula, ratio, "-", Pass: false) { IsContext = true };

    public bool IsContext { get; private init; }

    /// <summary>PASS, MISS, info for a context ratio, or n/a when a mechanism it compares was not run (--only).</summary>
    public string Verdict => double.IsNaN(Ratio) ? "n/a" : IsContext ? "info" : Pass ? "PASS" : "MISS";
}

/// <summary>The results of one run: the terminal table, the Markdown table, the JSON and the plot.</summary>
internal sealed class LatencyReport(MachineInfo machine, LatencyResult[] results, SendCostResult sendCost, LatencyOptions options, TimeSpan wall)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public IReadOnlyList<Figure> Figures { get; } = ComputeFigures(results, sendCost);

    private static IReadOnlyList<Figure> ComputeFigures(LatencyResult[] results, SendCostResult sendCost)
    {
        double P50(string name) => results.SingleOrDefault(r => r.Name == name)?.P50Ns ?? double.NaN; // NaN: not run (--only)
        double P99(string name) => results.SingleOrDefault(r => r.Name == name)?.P99Ns ?? double.NaN;
        double Cpu(string name) => results.SingleOrDefault(r => r.Name == name)?.CpuNsPerRoundTrip ?? double.NaN;
        double uintrOverSpin = P50("uintr") / P50("spin");
        double pollOverUintr = P50("eventfd-poll") / P50("uintr");
        double blockedOverEventfd = P50("uintr-blocked") / P50("eventfd");
        double writeOverSend = sendCost.EventFdWrite / sendCost.UintrSend;
        double asyncOverUintr = P50("uintr-async") / P50("uintr");
        double asyncBlockedOverEventfd = P50("uintr-async-blocked") / P50("eventfd");
        double asyncBlockedOverAsyncSocket = P50("uintr-async-blocked") / P50("unix-socket-async");
        double asyncBlockedP99OverEventfd = P99("uintr-async-blocked") / P99("eventfd");
        double asyncBlockedCpuOverEventfd = Cpu("uintr-async-blocked") / Cpu("eventfd");
        double pipeOverUintr = P50("uintr-pipe") / P50("uintr");
        double floorOverUintr = P50("ring-pipelines") / P50("uintr");
        return
        [
            new("uintr ≤ 3× spin", "p50 uintr / p50 spin", uintrOverSpin, "≤ 3", uintrOverSpin <= 3),
            new("uintr ≥ 2× faster than eventfd-poll", "p50 eventfd-poll / p50 uintr", pollOverUintr, "≥ 2", pollOverUintr >= 2),
            new("uintr-blocked ≤ 1.1× eventfd", "p50 uintr-blocked / p50 eventfd", blockedOverEventfd, "≤ 1.1", blockedOverEventfd <= 1.1),
            new("uintr-send ≥ 15× cheaper than eventfd-write", "eventfd-write / uintr-send", writeOverSend, "≥ 15", writeOverSend >= 15),
            new("uintr ≤ 1.15× spin", "p50 uintr / p50 spin", uintrOverSpin, "≤ 1.15", uintrOverSpin <= 1.15),
            new("uintr-async ≤ 1.2× uintr", "p50 uintr-async / p50 uintr", asyncOverUintr, "≤ 1.2", asyncOverUintr <= 1.2),
            new("uintr-async-blocked ≤ 1.2× eventfd", "p50 uintr-async-blocked / p50 eventfd", asyncBlockedOverEventfd, "≤ 1.2", asyncBlockedOverEventfd <= 1.2),
            new("uintr-pipe ≤ 1.5× uintr", "p50 uintr-pipe / p50 uintr", pipeOverUintr, "≤ 1.5", pipeOverUintr <= 1.5),
            // Context: the same Pipelines calls over a bare ring with no library; at 1.5 or more
            // the row above cannot pass on this host, whatever the library does.
            Figure.Context("its floor: the same calls, no library", "p50 ring-pipelines / p50 uintr", floorOverUintr),
            new("uintr-async-blocked p99 ≤ 1.5× eventfd", "p99 uintr-async-blocked / p99 eventfd", asyncBlockedP99OverEventfd, "≤ 1.5", asyncBlockedP99OverEventfd <= 1.5),
            new("uintr-async-blocked CPU ≤ 2× eventfd", "CPU/rt uintr-async-blocked / CPU/rt eventfd", asyncBlockedCpuOverEventfd, "≤ 2", asyncBlockedCpuOverEventfd <= 2),
            // .NET's async socket takes two hops (the epoll thread, then a pool thread); the futex
            // engine resumes the await on the thread the kernel woke, one hop.
            new("uintr-async-blocked ≤ 0.6× .NET async socket", "p50 uintr-async-blocked / p50 unix-socket-async", asyncBlockedOverAsyncSocket, "≤ 0.6", asyncBlockedOverAsyncSocket <= 0.6),
        ];
    }

    public void Print()
    {
        AnsiConsole.WriteLine();
        AnsiConsole.MarkupLineInterpolated($"[bold]UintrIpc cross-process latency[/]  {machine.Describe()}");
        AnsiConsole.MarkupLineInterpolated(
            $"{options.Rounds} measured round trips per mechanism in {options.Slices} interleaved slices, after {options.WarmupPasses} warm-up passes of {options.WarmupRounds}; one-way = round trip / 2; wall {wall.TotalSeconds:F0} s{(options.Contend ? "; with a competing CPU-bound process (--contend)" : "")}");

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("mechanism")
            .AddColumn(new TableColumn("p50").RightAligned())
            .AddColumn(new TableColumn("p99").RightAligned())
            .AddColumn(new TableColumn("p99.9").RightAligned())
            .AddColumn(new TableColumn("p99.99").RightAligned())
            .AddColumn(new TableColumn("max").RightAligned())
            .AddColumn(new TableColumn("mean").RightAligned())
            .AddColumn(new TableColumn("CPU / round trip").RightAligned())
            .AddColumn(new TableColumn("parent + child").RightAligned())
            .AddColumn(new TableColumn("sleeps / RT").RightAligned())
            .AddColumn(new TableColumn("round trips").RightAligned());
        foreach (LatencyResult r in results)
        {
            table.AddRow(
                r.Name, Ns(r.P50Ns), Ns(r.P99Ns), Ns(r.P999Ns),
                Ns(LatencyResult.Percentile(r.SortedOneWayNs, 0.9999)), Ns(r.SortedOneWayNs.Length == 0 ? double.NaN : r.SortedOneWayNs[^1]),
                Ns(r.MeanNs), Ns(r.CpuNsPerRoundTrip),
                $"{Ns(r.ParentCpuNsPerRoundTrip)} + {Ns(r.ChildCpuNsPerRoundTrip)}",
                r.Name.StartsWith("uintr", StringComparison.Ordinal) ? r.SleepsPerRoundTrip.ToString("F2", Invariant) : "",
                r.RoundTrips.ToString("N0", Invariant));
        }
        AnsiConsole.Write(table);

        var send = new Table().Border(TableBorder.Rounded)
            .AddColumn("send cost (in process)")
            .AddColumn(new TableColumn("ns/op").RightAligned())
            .AddColumn("how");
        send.AddRow("uintr-send", F1(sendCost.UintrSend), "(Send + Poll) − (plain PIR store + Poll), per batch; median");
        send.AddRow("eventfd-write", F1(sendCost.EventFdWrite), "write(eventfd, &1, 8), nobody waiting");
        send.AddRow("[dim]  Send + Poll[/]", F1(sendCost.SendPoll), "[dim]a fresh post, collected and delivered[/]");
        send.AddRow("[dim]  store + Poll[/]", F1(sendCost.StorePoll), "[dim]the same Poll after a plain store of the bit[/]");
        send.AddRow("[dim]  clear + Send[/]", F1(sendCost.ClearSend), "[dim]cross-check: plain store of 0, then a fresh Send[/]");
        AnsiConsole.Write(send);

        AnsiConsole.WriteLine("Figures (medians of this run; measurements, not tests):");
        foreach (Figure f in Figures)
        {
            string verdict = f.Verdict switch { "PASS" => "[green]PASS[/]", "MISS" => "[red]MISS[/]", var other => other };
            AnsiConsole.MarkupLine($"  {Markup.Escape(f.Claim),-44} {Markup.Escape(f.Formula),-32} = {f.Ratio.ToString("F2", Invariant),6}  (target {Markup.Escape(f.Target)})  {verdict}");
        }

        AnsiConsole.WriteLine();
        Console.WriteLine(Markdown());
    }

    /// <summary>Writes <paramref name="jsonPath"/>, and next to it the .md table and the .png plot.</summary>
    public void Write(string jsonPath)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(jsonPath));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        File.WriteAllText(jsonPath, Json());
        string md = Path.ChangeExtension(jsonPath, ".md");
        File.WriteAllText(md, Markdown());
        string png = Path.ChangeExtension(jsonPath, ".png");
        LatencyPlot.Write(png, results, machine, options);
        Console.WriteLine($"wrote {jsonPath}, {md}, {png}");
    }

    public string Markdown()
    {
        var md = new StringBuilder();
        md.AppendLine(Invariant, $"Machine: {machine.Describe()}.");
        md.AppendLine(Invariant,
            $"{options.Rounds:N0} round trips per mechanism in {options.Slices} interleaved slices (after {options.WarmupPasses} warm-up passes){(options.Contend ? ", with a competing CPU-bound process (--contend)" : "")}; one-way latency = round trip / 2; CPU = both ping-pong threads (CLOCK_THREAD_CPUTIME_ID) per round trip; for the uintr-async rows both whole processes (CLOCK_PROCESS_CPUTIME_ID: the async loop, the futex engine and any pool threads).");
        md.AppendLine();
        md.AppendLine("| mechanism | p50 | p99 | p99.9 | mean | CPU / round trip | round trips |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (LatencyResult r in results)
            md.AppendLine(Invariant, $"| `{r.Name}` | {Ns(r.P50Ns)} | {Ns(r.P99Ns)} | {Ns(r.P999Ns)} | {Ns(r.MeanNs)} | {Ns(r.CpuNsPerRoundTrip)} | {r.RoundTrips:N0} |");
        md.AppendLine();
        md.AppendLine("| send cost (in process) | ns/op |");
        md.AppendLine("| --- | ---: |");
        md.AppendLine(Invariant, $"| `uintr-send` | {F1(sendCost.UintrSend)} |");
        md.AppendLine(Invariant, $"| `eventfd-write` | {F1(sendCost.EventFdWrite)} |");
        md.AppendLine();
        md.AppendLine("| figure (medians, same run) | ratio | target | result |");
        md.AppendLine("| --- | ---: | --- | --- |");
        foreach (Figure f in Figures)
            md.AppendLine(Invariant, $"| {f.Claim} ({f.Formula}) | {f.Ratio:F2} | {f.Target} | {f.Verdict} |");
        return md.ToString();
    }

    public string Json()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("machine");
            json.WriteString("cpuModel", machine.CpuModel);
            json.WriteNumber("cores", machine.Cores);
            json.WriteString("kernel", machine.Kernel);
            json.WriteString("dotnet", machine.DotNet);
            json.WriteBoolean("pinned", machine.Pinned);
            json.WriteString("deliveryPath", machine.DeliveryPath);
            json.WriteString("date", machine.Date.ToString("yyyy-MM-ddTHH:mm:ssZ", Invariant));
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (LatencyResult r in results)
            {
                json.WriteStartObject();
                json.WriteString("name", r.Name);
                json.WriteNumber("p50Ns", Round(r.P50Ns));
                json.WriteNumber("p99Ns", Round(r.P99Ns));
                json.WriteNumber("p999Ns", Round(r.P999Ns));
                json.WriteNumber("meanNs", Round(r.MeanNs));
                json.WriteNumber("cpuNsPerRoundTrip", Round(r.CpuNsPerRoundTrip));
                json.WriteNumber("roundTrips", r.RoundTrips);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("sendCost");
            foreach ((string name, double ns) in new[] { ("uintr-send", sendCost.UintrSend), ("eventfd-write", sendCost.EventFdWrite) })
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteNumber("nsPerOp", Round(ns));
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static double Round(double value) => Math.Round(value, 1);

    private static string F1(double value) => double.IsNaN(value) ? "-" : value.ToString("F1", Invariant);

    /// <summary>ns below a microsecond, then µs, then ms.</summary>
    public static string Ns(double ns) => ns switch
    {
        double.NaN => "-",
        < 1_000 => ns.ToString("F0", Invariant) + " ns",
        < 100_000 => (ns / 1_000).ToString("F2", Invariant) + " µs",
        < 1_000_000 => (ns / 1_000).ToString("F1", Invariant) + " µs",
        _ => (ns / 1_000_000).ToString("F2", Invariant) + " ms",
    };
}
