namespace PingPong;

/// <summary>Command-line options; the defaults make the README's main job.</summary>
internal sealed record Options(int Rounds, TimeSpan SpinDuration, bool Pin, bool Verbose = false)
{
    public const string Usage = """
        usage: PingPong [--rounds N] [--spin-us MICROSECONDS] [--no-pin] [--verbose]

          --rounds N         round trips per mechanism (default 20000)
          --spin-us US       UintrIpc spin before sleeping, in µs (default: the library's, 30)
          --no-pin           do not pin the two processes to different CPUs
          --verbose          also print the full detection (CPUID, kernel, syscall table)
        """;

    public static Options Parse(string[] args)
    {
        var options = new Options(20_000, UintrIpc.UintrReceiverOptions.DefaultSpinDuration, Environment.ProcessorCount >= 2);
        for (int i = 0; i < args.Length; i++)
        {
            options = args[i] switch
            {
                "--rounds" => options with { Rounds = int.Parse(Value(args, ref i)) },
                "--spin-us" => options with { SpinDuration = TimeSpan.FromMicroseconds(double.Parse(Value(args, ref i))) },
                "--no-pin" => options with { Pin = false },
                "--verbose" => options with { Verbose = true },
                "-h" or "--help" => throw new UsageException(),
                _ => throw new UsageException($"unknown option {args[i]}"),
            };
        }
        if (options.Rounds < 1)
            throw new UsageException("--rounds must be at least 1");
        if (options.SpinDuration < TimeSpan.Zero)
            throw new UsageException("--spin-us must not be negative");
        return options;
    }

    private static string Value(string[] args, ref int i) =>
        ++i < args.Length ? args[i] : throw new UsageException($"{args[i - 1]} needs a value");
}

internal sealed class UsageException(string? message = null) : Exception(message);
