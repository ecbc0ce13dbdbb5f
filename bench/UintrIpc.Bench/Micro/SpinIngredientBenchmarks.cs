using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// What one iteration of Wait's spin costs, ingredient by ingredient: the time between a post
/// and its discovery is about one iteration, so an iteration's cost is spin-path latency above
/// the raw shared-memory spin. They price the candidates for an iteration: a clock read,
/// Thread.SpinWait(1), one PAUSE, an empty poll (docs/decisions/2026-11-30-spin-loop.md).
/// </summary>
public class SpinIngredientBenchmarks
{
    private ReceiverFixture _fixture = null!;
    private UintrReceiver _receiver = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new ReceiverFixture(1);
        _receiver = _fixture.Receiver;
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>A clock read (vDSO clock_gettime), what checking the spin's deadline at a poll costs.</summary>
    [Benchmark]
    public long StopwatchTimestamp() => Stopwatch.GetTimestamp();

    /// <summary>The runtime's own pause: a normalized spin (several PAUSEs on some CPUs).</summary>
    [Benchmark]
    public void ThreadSpinWait1() => Thread.SpinWait(1);

    /// <summary>The new loop's pause: one PAUSE instruction.</summary>
    [Benchmark]
    public void Pause()
    {
        if (X86Base.IsSupported)
            X86Base.Pause();
    }

    /// <summary>A poll with nothing posted: the collect's loads (what both loops do every iteration).</summary>
    [Benchmark]
    public int PollNothingPending() => _receiver.Poll();

    /// <summary>A zero-timeout Wait with nothing posted and the default spin: enter, collect, no spin, exit.</summary>
    [Benchmark]
    public bool WaitZeroTimeout() => _receiver.Wait(TimeSpan.Zero);
}
