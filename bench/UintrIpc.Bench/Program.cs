using UintrIpc.Bench.Modes;

namespace UintrIpc.Bench;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/UintrIpc.Bench -- MODE [args]</c>.
/// Each mode lives in its own file under Modes/ and implements <see cref="IBenchMode"/>;
/// to add one write the class and list it here.
/// </summary>
internal static class Program
{
    private static readonly IBenchMode[] Modes =
    [
        new MicroMode(),
        new SyscallsMode(),
        new IdleMode(),
        new WakeMode(),
        new LatencyMode(),
        new ThroughputMode(),
        new AsyncMode(),
        new DeathMode(),
    ];

    private static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
            return Usage(args.Length == 0 ? 2 : 0);
        IBenchMode? mode = Array.Find(Modes, m => m.Name == args[0]);
        if (mode is null)
        {
            Console.Error.WriteLine($"Unknown mode '{args[0]}'.");
            return Usage(2);
        }
        return mode.Run(args[1..]);
    }

    private static int Usage(int exitCode)
    {
        TextWriter output = exitCode == 0 ? Console.Out : Console.Error;
        output.WriteLine("usage: UintrIpc.Bench MODE [args]");
        foreach (IBenchMode mode in Modes)
            output.WriteLine($"  {mode.Name,-10} {mode.Description}");
        return exitCode;
    }
}
