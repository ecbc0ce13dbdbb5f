using System.Diagnostics;
using Spectre.Console;
using UintrIpc.Latency;

namespace UintrIpc.Bench.Latency;

/// <summary>
/// The parent side of <c>latency</c>: runs the harness (bench/UintrIpc.Latency: child process,
/// mechanisms, warm-up, interleaved measured slices) under a progress display, measures the send
/// cost on the still-pinned thread, and reports.
/// </summary>
internal static class LatencyParent
{
    public static int Run(LatencyOptions options)
    {
        if (Console.IsOutputRedirected)
            AnsiConsole.Profile.Width = 160; // a log file: do not wrap the tables at 80 columns
        var settings = new LatencySettings
        {
            Mechanisms = options.Only,
            Rounds = options.Rounds,
            Slices = options.Slices,
            WarmupRounds = options.WarmupRounds,
            WarmupPasses = options.WarmupPasses,
            Pin = options.Pin,
            Contend = options.Contend,
            ChildArgumentPrefix = ["latency"],
            MessagePrefix = "latency",
        };
        using LatencyRun run = LatencyRun.Start(settings);
        SendCostResult? sendCost = null;
        var wall = Stopwatch.StartNew();
        AnsiConsole.Progress()
            .AutoRefresh(false) // redrawn between slices, on this thread: no renderer thread wakes up mid-slice
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(progress => run.Measure(new ProgressDisplay(progress, run, options, send => sendCost = send)));

        IReadOnlyList<LatencyResult> results;
        try
        {
            results = run.Finish();
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine($"latency: {e.Message}");
            return 1;
        }

        var machine = MachineInfo.Collect(options.Pin, run.DeliveryPath);
        var report = new LatencyReport(machine, [.. results], sendCost!, options, wall.Elapsed);
        report.Print();
        if (options.JsonPath is { } json)
            report.Write(json);
        return 0;
    }

    /// <summary>The progress bars, redrawn between slices; and, once the round trips are done, the send cost on the pinned thread.</summary>
    private sealed class ProgressDisplay(ProgressContext progress, LatencyRun run, LatencyOptions options, Action<SendCostResult> sendCostMeasured) : ILatencyProgress
    {
        private ProgressTask? _warmup;
        private Dictionary<string, ProgressTask> _tasks = [];
        private ProgressTask? _sendTask;

        public void Started()
        {
            _warmup = progress.AddTask("warm-up", maxValue: options.WarmupPasses * run.Selected.Count);
            _tasks = run.Selected.ToDictionary(m => m, m => progress.AddTask(m, maxValue: run.Settings.Slices));
            _sendTask = progress.AddTask("send cost", maxValue: options.SendCostBatches);
            progress.Refresh();
        }

        public void WarmupSliceDone(string mechanism) => Step(_warmup!);

        public void SliceDone(string mechanism) => Step(_tasks[mechanism]);

        public void RoundsDone() =>
            sendCostMeasured(SendCost.Measure(options.SendCostBatches, options.SendCostOpsPerBatch, () => Step(_sendTask!)));

        private void Step(ProgressTask task)
        {
            task.Increment(1);
            progress.Refresh();
        }
    }
}
