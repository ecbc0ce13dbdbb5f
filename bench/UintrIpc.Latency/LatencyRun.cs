using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using UintrIpc.Latency.Primitives;

namespace UintrIpc.Latency;

/// <summary>
/// The parent side of one run, step by step: <see cref="Start"/> launches the child and opens every
/// mechanism with it; <see cref="Measure"/> runs the warm-up passes and the interleaved measured
/// slices; <see cref="Finish"/> ends the child and gives the results. All three on one thread: a
/// native receiver belongs to the thread that registered it (docs/NATIVE.md).
/// </summary>
public sealed class LatencyRun : IDisposable
{
    private readonly LatencySettings _settings;
    private readonly Socket _listener;
    private readonly Process _child;
    private readonly Socket _control;
    private readonly Mechanism[] _mechanisms;
    private readonly MechanismSamples[] _samples;
    private readonly int[] _selected;
    private readonly int _openingThread;
    private readonly StrongBox<bool> _finished;

    private LatencyRun(LatencySettings settings, Socket listener, Process child, Socket control, Mechanism[] mechanisms, StrongBox<bool> finished)
    {
        _settings = settings;
        _finished = finished;
        _listener = listener;
        _child = child;
        _control = control;
        _mechanisms = mechanisms;
        _openingThread = Environment.CurrentManagedThreadId;
        _samples = [.. MechanismCatalog.All.Select(m => new MechanismSamples(m.Name, settings.Rounds))];
        // Every mechanism is opened in both processes (the catalogue order is the protocol); the settings limit which run.
        _selected = [.. Enumerable.Range(0, mechanisms.Length).Where(m =>
            settings.Mechanisms?.Contains(MechanismCatalog.All[m].Name) ?? !MechanismCatalog.All[m].Diagnostic)];
        DeliveryPath = ((UintrMechanism)mechanisms[MechanismCatalog.IndexOf("uintr")]).Mode.ToString();
    }

    /// <summary>The <c>uintr</c> receivers' delivery path (<see cref="UintrMode"/>).</summary>
    public string DeliveryPath { get; }

    /// <summary>The mechanisms this run measures, in catalogue order.</summary>
    public IReadOnlyList<string> Selected => [.. _selected.Select(m => MechanismCatalog.All[m].Name)];

    /// <summary>The settings, with <see cref="LatencySettings.Slices"/> capped at the rounds.</summary>
    public LatencySettings Settings => _settings;

    /// <summary>Launches the child (the current executable re-launched) and opens every mechanism with it.</summary>
    public static LatencyRun Start(LatencySettings settings)
    {
        foreach (string name in settings.Mechanisms ?? [])
            _ = MechanismCatalog.IndexOf(name); // ArgumentException for an unknown name
        if (settings.Rounds < 1 || settings.Slices < 1)
            throw new ArgumentException("Rounds and Slices must be positive.");
        settings = settings with { Slices = Math.Min(settings.Slices, settings.Rounds) };

        string socketName = $"uintripc-latency-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Process? child = null;
        Socket? control = null;
        try
        {
            listener.Bind(Control.Address(socketName));
            listener.Listen(1);
            child = StartSelf(settings,
                LatencyHarness.ChildArgument, socketName, settings.Pin ? "--pin" : "--no-pin",
                LatencyHarness.SpinArgument, settings.UintrSpin.Ticks.ToString(CultureInfo.InvariantCulture));
            Process started = child;
            var finished = new StrongBox<bool>(false);
            started.EnableRaisingEvents = true;
            started.Exited += (_, _) =>
            {
                if (!Volatile.Read(ref finished.Value))
                {
                    Console.Error.WriteLine($"{settings.MessagePrefix}: the child process exited with code {started.ExitCode} in the middle of the run.");
                    Environment.Exit(1);
                }
            };
            control = AcceptFrom(listener, started);
            Mechanism[] mechanisms = MechanismCatalog.OpenAll(control, parent: true, settings.UintrSpin);
            return new LatencyRun(settings, listener, started, control, mechanisms, finished);
        }
        catch
        {
            control?.Dispose();
            if (child is { HasExited: false })
                child.Kill();
            child?.Dispose();
            listener.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Pins this thread (when asked), starts the CPU burner (when asked), runs the warm-up passes,
    /// then the measured slices of every selected mechanism interleaved in an order rotated each
    /// slice, telling <paramref name="progress"/> between slices.
    /// </summary>
    public void Measure(ILatencyProgress? progress = null)
    {
        if (Environment.CurrentManagedThreadId != _openingThread)
            throw new InvalidOperationException("Measure runs on another thread than the one that opened the mechanisms.");
        LatencySettings settings = _settings;
        if (settings.Pin)
            Affinity.PinCurrentThread(0);
        Process? hog = settings.Contend ? StartSelf(settings, LatencyHarness.HogArgument) : null;
        try
        {
            progress?.Started();

            // Tiered JIT promotes a method some 100 ms after it got hot, in the background:
            // pauses between the passes let the promoted code be installed before measuring.
            for (int pass = 0; pass < settings.WarmupPasses; pass++)
            {
                if (pass > 0)
                    Thread.Sleep(250);
                foreach (int m in _selected)
                {
                    RunSlice(_control, _mechanisms[m], m, settings.WarmupRounds, samples: null);
                    progress?.WarmupSliceDone(MechanismCatalog.All[m].Name);
                }
            }
            Thread.Sleep(250);

            // The VM's speed drifts from second to second: every mechanism runs in slices
            // interleaved with the others (in an order rotated each slice), so drift hits all alike.
            for (int slice = 0; slice < settings.Slices; slice++)
            {
                int rounds = (settings.Rounds / settings.Slices) + (slice < settings.Rounds % settings.Slices ? 1 : 0);
                for (int k = 0; k < _selected.Length; k++)
                {
                    int m = _selected[(k + slice) % _selected.Length];
                    RunSlice(_control, _mechanisms[m], m, rounds, _samples[m]);
                    progress?.SliceDone(MechanismCatalog.All[m].Name);
                }
            }

            StopHog(hog);
            progress?.RoundsDone();
        }
        finally
        {
            StopHog(hog);
            hog?.Dispose();
            if (settings.Pin)
                Affinity.UnpinCurrentThread();
        }
    }

    /// <summary>Tells the child to finish, closes every mechanism, waits for the child; the results of the selected mechanisms, in catalogue order.</summary>
    /// <exception cref="InvalidOperationException">The child failed.</exception>
    public IReadOnlyList<LatencyResult> Finish()
    {
        Control.WriteCommand(_control, 0, 0);
        Volatile.Write(ref _finished.Value, true);
        foreach (Mechanism mechanism in _mechanisms)
            mechanism.Dispose();
        if (!_child.WaitForExit(TimeSpan.FromSeconds(30)))
            throw new TimeoutException("The child process did not exit.");
        if (_child.ExitCode != 0)
            throw new InvalidOperationException($"the child process exited with code {_child.ExitCode}.");
        return [.. _selected.Select(m => LatencyResult.Of(_samples[m]))];
    }

    public void Dispose()
    {
        Volatile.Write(ref _finished.Value, true);
        _control.Dispose();
        _listener.Dispose();
        if (!_child.HasExited)
        {
            _child.Kill();
            _child.WaitForExit();
        }
        _child.Dispose();
    }

    /// <summary>
    /// One slice: tells the child how many round trips to answer, makes one untimed round trip
    /// (the child may still be waking from its control-socket read), then times each of
    /// <paramref name="rounds"/> round trips with one clock read per round trip, and the CPU time
    /// both ping-pong threads spend on those.
    /// </summary>
    private static void RunSlice(Socket control, Mechanism mechanism, int index, int rounds, MechanismSamples? samples)
    {
        Control.WriteCommand(control, index, rounds + 1);
        mechanism.Ping();
        // CPU and sleeps are counted from here, over the same round trips as the latencies: the
        // first one's wait for the child to wake from its control-socket read is not part of them.
        long parentSleeps = mechanism.Sleeps;
        long cpuStart = mechanism.CpuNowNs();
        // Warm-up slices run the same timed loop, into a scratch array: the warm-up exercises
        // exactly the code of the measured slices.
        Span<long> roundTrips = samples is null ? Scratch(rounds) : samples.Reserve(rounds);
        if (mechanism.RunsSlices)
            mechanism.Time(roundTrips);
        else
            Time(mechanism, roundTrips);
        long cpu = mechanism.CpuNowNs() - cpuStart;
        parentSleeps = mechanism.Sleeps - parentSleeps;
        SliceReport child = Control.ReadSliceReport(control);
        samples?.AddSlice(rounds, cpu, child, parentSleeps);
    }

    [ThreadStatic]
    private static long[]? t_scratch;

    private static Span<long> Scratch(int rounds)
    {
        if (t_scratch is null || t_scratch.Length < rounds)
            t_scratch = new long[rounds];
        return t_scratch.AsSpan(0, rounds);
    }

    /// <summary>
    /// The timed loop. Fully optimized from its first call (no tiering, so no tier-0 or OSR code in
    /// the first measured slices, and no profile-guided devirtualization that would inline one
    /// mechanism's Ping and not the others'): every mechanism gets the same virtual call.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Time(Mechanism mechanism, Span<long> roundTrips)
    {
        long previous = Stopwatch.GetTimestamp();
        for (int i = 0; i < roundTrips.Length; i++)
        {
            mechanism.Ping();
            long now = Stopwatch.GetTimestamp();
            roundTrips[i] = now - previous;
            previous = now;
        }
    }

    private static Socket AcceptFrom(Socket listener, Process child)
    {
        Task<Socket> accept = listener.AcceptAsync();
        if (Task.WaitAny([accept, child.WaitForExitAsync()], TimeSpan.FromSeconds(60)) != 0 && !accept.IsCompleted)
            throw new IOException(child.HasExited
                ? $"The child process exited with {child.ExitCode} before connecting."
                : "The child process did not connect within 60 s.");
        return accept.GetAwaiter().GetResult();
    }

    /// <summary>Re-launches the current executable with <see cref="LatencySettings.ChildArgumentPrefix"/> and <paramref name="args"/>.</summary>
    private static Process StartSelf(LatencySettings settings, params string[] args)
    {
        // Under `dotnet run` the process path is the app host; under `dotnet App.dll` it is dotnet.
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (string arg in settings.ChildArgumentPrefix.Concat(args))
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }

    /// <summary>Ends the CPU burner this run started (by its process id).</summary>
    private static void StopHog(Process? hog)
    {
        if (hog is { HasExited: false })
        {
            hog.Kill();
            hog.WaitForExit();
        }
    }
}
