using UintrIpc.Latency;

namespace UintrIpc.Bench.Latency;

/// <summary>Options of the <c>latency</c> mode; <see cref="Parse"/> gives the defaults and <c>--quick</c>'s.</summary>
internal sealed record LatencyOptions
{
    public const string Usage = """
        usage: UintrIpc.Bench latency [--quick] [--json FILE] [--rounds N] [--slices N] [--no-pin] [--only NAME,...] [--contend]

          --quick       fewer round trips and send-cost batches: well under two minutes
          --json FILE   also write FILE (JSON), FILE with .md (the Markdown table) and with .png (the plot)
          --rounds N    measured round trips per mechanism (default 200000; --quick 10000)
          --slices N    interleaved slices the rounds are split into (default 20; --quick 10)
          --no-pin      do not pin the ping-pong threads to CPUs 0 and 1
          --only LIST   run only these mechanisms (comma-separated), e.g. to profile one; figures that need others are skipped;
                        also the diagnostic ones: uintr-longspin (Wait never sleeps), uintr-poll (a Poll loop)
          --contend     run one more process, unpinned, that only burns CPU, while the round trips run: a loaded machine
        """;

    /// <summary>Measured round trips per mechanism, over all slices.</summary>
    public int Rounds { get; init; } = 200_000;

    public int Slices { get; init; } = 20;

    /// <summary>Round trips per mechanism in each warm-up pass (not measured).</summary>
    public int WarmupRounds { get; init; } = 2_000;

    /// <summary>Warm-up passes over every mechanism, with a pause between them so tiered JIT promotes the hot paths.</summary>
    public int WarmupPasses { get; init; } = 3;

    /// <summary>Batches of each send-cost loop (interleaved).</summary>
    public int SendCostBatches { get; init; } = 200;

    public int SendCostOpsPerBatch { get; init; } = 20_000;

    public bool Pin { get; init; } = Environment.ProcessorCount >= 2;

    public bool Quick { get; init; }

    public string? JsonPath { get; init; }

    /// <summary>The mechanisms to run (catalogue names); null: all.</summary>
    public IReadOnlySet<string>? Only { get; init; }

    /// <summary>Whether a CPU-burning process (the program re-launched with the hidden <c>--hog</c>) competes with the ping-pong threads.</summary>
    public bool Contend { get; init; }

    public static LatencyOptions Parse(string[] args)
    {
        bool quick = args.Contains("--quick");
        var options = quick
            ? new LatencyOptions { Quick = true, Rounds = 10_000, Slices = 10, WarmupRounds = 1_000, WarmupPasses = 2, SendCostBatches = 40 }
            : new LatencyOptions();
        for (int i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--quick" => options,
                "--json" => options with { JsonPath = Value(args, ref i) },
                "--rounds" => options with { Rounds = Positive(args, ref i) },
                "--slices" => options with { Slices = Positive(args, ref i) },
                "--no-pin" => options with { Pin = false },
                "--only" => options with { Only = Names(Value(args, ref i)) },
                "--pin" => options with { Pin = true },
                "--contend" => options with { Contend = true },
                _ => throw new ArgumentException($"unknown option '{args[i]}'\n{Usage}"),
            };
        }
        return options with { Slices = Math.Min(options.Slices, options.Rounds) };
    }

    private static HashSet<string> Names(string list)
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        foreach (string name in names)
            _ = MechanismCatalog.IndexOf(name); // throws ArgumentException for an unknown name
        return names;
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{args[i - 1]} needs a value\n{Usage}");

    private static int Positive(string[] args, ref int i)
    {
        string text = Value(args, ref i);
        return int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"{args[i - 1]} needs a positive integer, not '{text}'");
    }
}
