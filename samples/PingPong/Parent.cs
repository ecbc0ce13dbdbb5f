using System.Diagnostics;
using System.Net.Sockets;
using System.Reflection;
using UintrIpc;

namespace PingPong;

/// <summary>The parent process: starts the child, runs every mechanism, prints the table.</summary>
internal static class Parent
{
    public static int Run(Options options)
    {
        string socketName = $"uintripc-pingpong-{Environment.ProcessId}-{Guid.NewGuid():N}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(Address(socketName));
        listener.Listen(1);
        using Process child = StartChild(socketName, options);
        using Socket control = AcceptFrom(listener, child);
        if (options.Pin)
            Native.PinCurrentThread(0);

        int warmup = Math.Min(options.Rounds, 2_000);
        var rows = new List<(string Name, Summary Summary)>();
        string mode = "";
        foreach (var (name, phase) in Phases(options))
        {
            (phase with { Rounds = warmup }).Write(control);
            RunPhase(control, phase with { Rounds = warmup }, null);
            phase.Write(control);
            var oneWayNs = new double[phase.Rounds];
            string? ran = RunPhase(control, phase, oneWayNs);
            mode = ran ?? mode;
            rows.Add((name, Summary.Of(oneWayNs)));
        }
        new Phase(PhaseKind.Done, 0, TimeSpan.Zero).Write(control);
        child.WaitForExit();

        Console.WriteLine($"UintrIpc PingPong: {options.Rounds} round trips per mechanism between pid {Environment.ProcessId} and pid {child.Id}"
            + (options.Pin ? ", pinned to CPUs 0 and 1" : ", not pinned"));
        Console.WriteLine($"delivery path: {mode}");
        Console.WriteLine();
        Console.WriteLine($"{"mechanism",-34} {"p50 one-way",12} {"p99 one-way",12}");
        foreach (var (name, summary) in rows)
            Console.WriteLine($"{name,-34} {Format(summary.P50),12} {Format(summary.P99),12}");
        return child.ExitCode;
    }

    private static IEnumerable<(string Name, Phase Phase)> Phases(Options o)
    {
        yield return ($"uintr (spin {o.SpinDuration.TotalMicroseconds:0.#} µs, then sleep)", new(PhaseKind.Uintr, o.Rounds, o.SpinDuration));
        yield return ("uintr (spin 0: always sleeps)", new(PhaseKind.Uintr, o.Rounds, TimeSpan.Zero));
        yield return ("eventfd (blocking read)", new(PhaseKind.EventfdBlocking, o.Rounds, TimeSpan.Zero));
        yield return ("eventfd (busy-polled, non-blocking)", new(PhaseKind.EventfdBusyPoll, o.Rounds, TimeSpan.Zero));
    }

    /// <summary>Runs one phase; fills <paramref name="oneWayNs"/> when given. Returns the uintr mode, if any.</summary>
    private static string? RunPhase(Socket control, Phase phase, double[]? oneWayNs)
    {
        string? mode = null;
        using (Mechanism mechanism = phase.Open(control, parent: true))
        {
            if (mechanism is UintrMechanism uintr)
                mode = uintr.Mode.ToString();
            double nsPerTick = 1e9 / Stopwatch.Frequency;
            for (int i = 0; i < phase.Rounds; i++)
            {
                long start = Stopwatch.GetTimestamp();
                mechanism.Ping();
                long end = Stopwatch.GetTimestamp();
                if (oneWayNs is not null)
                    oneWayNs[i] = (end - start) * nsPerTick / 2;
            }
        }
        var ack = new byte[1];
        if (control.Receive(ack) != 1)
            throw new IOException("The child exited in the middle of a phase.");
        return mode;
    }

    /// <summary>An abstract-namespace address: nothing to clean up. argv cannot carry its leading NUL.</summary>
    public static UnixDomainSocketEndPoint Address(string name) => new("\0" + name);

    private static Socket AcceptFrom(Socket listener, Process child)
    {
        Task<Socket> accept = listener.AcceptAsync();
        if (Task.WaitAny(accept, child.WaitForExitAsync()) == 1 && !accept.IsCompleted)
            throw new IOException($"The child process exited with {child.ExitCode} before connecting.");
        return accept.GetAwaiter().GetResult();
    }

    private static Process StartChild(string address, Options options)
    {
        // Under `dotnet run` the process path is the app host; under `dotnet PingPong.dll` it is dotnet.
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        start.ArgumentList.Add("--child");
        start.ArgumentList.Add(address);
        if (!options.Pin)
            start.ArgumentList.Add("--no-pin");
        return Process.Start(start)!;
    }

    private static string Format(double ns) => ns < 1000 ? $"{ns:0} ns" : $"{ns / 1000:0.0} µs";
}

internal readonly record struct Summary(double P50, double P99)
{
    public static Summary Of(double[] samples)
    {
        Array.Sort(samples);
        return new(samples[(int)(samples.Length * 0.50)], samples[Math.Min(samples.Length - 1, (int)(samples.Length * 0.99))]);
    }
}
