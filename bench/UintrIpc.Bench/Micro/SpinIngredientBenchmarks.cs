using System.Diagnostics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// What one iteration of Wait's spin costs, ingredient by ingredient: the time between a post
/// and its discovery is about one iteration, so an iteration's cost is spin-path latency above
/// the raw shared-memory spin. The loop used to read the clock and call Thread.SpinWait(1) every
/// poll; it now polls with one PAUSE and reads the clock every 16 polls.
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

    /// <summary>The clock read the old loop made every poll (vDSO clock_gettime).</summary>
    [Benchmark]
    public long StopwatchTimestamp() => Stopwatch.GetTimestamp();

    /// <summary>The old loop's pause: the runtime's normalized spin (several PAUSEs on some CPUs).</summary>
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
