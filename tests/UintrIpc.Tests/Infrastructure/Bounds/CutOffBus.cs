using Xunit.Abstractions;
using Xunit.Sdk;

namespace UintrIpc.Tests.Infrastructure.Bounds;

/// <summary>
/// The message bus of one bounded test case: passes everything on until <see cref="CutOff"/>,
/// which reports the test in flight failed and finished, and drops whatever the abandoned run
/// says afterwards.
/// </summary>
internal sealed class CutOffBus(IMessageBus bus) : IMessageBus
{
    private readonly Lock _lock = new();
    private ITest? _inFlight;
    private bool _cut;
    private int _run, _failed, _skipped;

    public bool QueueMessage(IMessageSinkMessage message)
    {
        lock (_lock)
        {
            if (_cut)
                return true;
            switch (message)
            {
                case ITestStarting starting:
                    _inFlight = starting.Test;
                    break;
                case ITestFailed:
                    _failed++;
                    break;
                case ITestSkipped:
                    _skipped++;
                    break;
                case ITestFinished:
                    _inFlight = null;
                    _run++;
                    break;
            }
            return bus.QueueMessage(message);
        }
    }

    /// <summary>Fails the test in flight (and so the test case) after <paramref name="bound"/>.</summary>
    public RunSummary CutOff(ITestCase testCase, decimal seconds, TimeSpan bound)
    {
        lock (_lock)
        {
            _cut = true;
            var hung = new TimeoutException(
                $"{testCase.DisplayName} hung: still running after its bound of {bound.TotalSeconds:F0} s (it goes on in the background; " +
                $"the run goes on). Threads of the test host and what each sleeps in:\n{ThreadList()}");
            ITest test = _inFlight ?? new XunitTest((IXunitTestCase)testCase, testCase.DisplayName);
            if (_inFlight is null)
                bus.QueueMessage(new TestStarting(test));
            bus.QueueMessage(new TestFailed(test, seconds, "", hung));
            bus.QueueMessage(new TestFinished(test, seconds, ""));
            bus.QueueMessage(new TestCaseFinished(testCase, seconds, _run + 1, _failed + 1, _skipped));
            return new RunSummary { Total = _run + 1, Failed = _failed + 1, Skipped = _skipped, Time = seconds };
        }
    }

    public void Dispose()
    {
        // The runner's bus: its owner disposes it.
    }

    /// <summary>Each thread's name, state and kernel wait channel (/proc/self/task): where a hang sleeps.</summary>
    private static string ThreadList()
    {
        var lines = new List<string>();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                string comm = File.ReadAllText(Path.Combine(task, "comm")).Trim();
                string wchan = File.ReadAllText(Path.Combine(task, "wchan")).Trim();
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                char state = stat[stat.LastIndexOf(')') + 2];
                lines.Add($"  {Path.GetFileName(task),7} {state} {comm,-16} {wchan}");
            }
            catch (IOException)
            {
                // exited while we looked
            }
        }
        return string.Join('\n', lines);
    }
}
