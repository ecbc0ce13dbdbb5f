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

        // The VM's speed drifts by tens of percent from second to second, so every mechanism runs
        // in slices interleaved with the others: drift then hits all of them alike.
        var plan = Plan.Mechanisms(options.SpinDuration);
        Mechanism[] mechanisms = Plan.OpenAll(control, parent: true, options.SpinDuration);
        var samples = plan.Select(_ => new List<double>(options.Rounds)).ToArray();
        int slices = Math.Clamp(options.Rounds / 1_000, 1, 20);
        for (int slice = -1; slice < slices; slice++) // slice -1 warms up every path
        {
            for (int m = 0; m < mechanisms.Length; m++)
            {
                int rounds = slice < 0 ? Math.Min(options.Rounds, 1_000) : (options.Rounds / slices) + (slice < options.Rounds % slices ? 1 : 0);
                RunSlice(control, mechanisms[m], m, rounds, slice < 0 ? null : samples[m]);
            }
        }
        Plan.WriteCommand(control, 0, 0);
        string mode = ((UintrMechanism)mechanisms[0]).Mode.ToString();
        foreach (Mechanism m in mechanisms)
            m.Dispose();
        child.WaitForExit();

        Console.WriteLine($"UintrIpc PingPong: {options.Rounds} round trips per mechanism between pid {Environment.ProcessId} and pid {child.Id}"
            + (options.Pin ? ", pinned to CPUs 0 and 1" : ", not pinned") + $", in {slices} interleaved slices");
        Console.WriteLine($"delivery path: {mode} ({UintrCapabilities.Current.Reason})");
        Console.WriteLine();
        Console.WriteLine($"{"mechanism",-36} {"p50 one-way",12} {"p99 one-way",12}");
        for (int m = 0; m < plan.Count; m++)
        {
            Summary summary = Summary.Of([.. samples[m]]);
            Console.WriteLine($"{plan[m].Name,-36} {Format(summary.P50),12} {Format(summary.P99),12}");
        }
        return child.ExitCode;
    }

    private static void RunSlice(Socket control, Mechanism mechanism, int index, int rounds, List<double>? oneWayNs)
    {
        Plan.WriteCommand(control, index, rounds);
        double nsPerTick = 1e9 / Stopwatch.Frequency;
        for (int i = 0; i < rounds; i++)
        {
            long start = Stopwatch.GetTimestamp();
            mechanism.Ping();
            long end = Stopwatch.GetTimestamp();
            oneWayNs?.Add((end - start) * nsPerTick / 2);
        }
        var ack = new byte[1];
        if (control.Receive(ack) != 1)
            throw new IOException("The child exited in the middle of a slice.");
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
