using BenchmarkDotNet.Attributes;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// WaitAsync in steady state, with the memory diagnoser: a post pending at entry (completes at
/// once), and a full sleep in the dispatcher woken by a send (the operation object, the
/// dispatcher's array and the thread-pool hand-off are all reused). Both should allocate 0 B.
/// </summary>
[MemoryDiagnoser]
public class WaitAsyncBenchmarks
{
    private ReceiverFixture _fixture = null!;
    private UintrSender _sender = null!;
    private UintrReceiver _receiver = null!;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new ReceiverFixture(1, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        _sender = _fixture.Sender;
        _receiver = _fixture.Receiver;
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>Send, then WaitAsync: delivered inside the call, no await.</summary>
    [Benchmark]
    public bool PendingAtEntry()
    {
        _sender.Send();
        return _receiver.WaitAsync(TimeSpan.Zero).GetAwaiter().GetResult();
    }

    /// <summary>
    /// WaitAsync (SpinDuration = 0: into the dispatcher), then a send that wakes it; this thread
    /// spins until the thread pool has delivered and completed the wait. One sleep and one wake-up.
    /// </summary>
    [Benchmark]
    public bool SleepInDispatcherThenWake()
    {
        ValueTask<bool> wait = _receiver.WaitAsync(Timeout.InfiniteTimeSpan);
        _sender.Send();
        while (!wait.IsCompleted)
            Thread.SpinWait(1);
        return wait.GetAwaiter().GetResult();
    }
}
