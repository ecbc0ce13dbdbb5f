using BenchmarkDotNet.Attributes;

namespace UintrIpc.Bench.Micro;

/// <summary>Poll with 1 or 64 live vectors: with nothing pending, and with one fresh post.</summary>
[MemoryDiagnoser]
public class PollBenchmarks
{
    private ReceiverFixture _fixture = null!;
    private UintrSender _sender = null!;
    private UintrReceiver _receiver = null!;

    /// <summary>How many vectors the receiver has (Collect looks at each one's page).</summary>
    [Params(1, 64)]
    public int Vectors { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new ReceiverFixture(Vectors);
        _sender = _fixture.Sender;
        _receiver = _fixture.Receiver;
    }

    [GlobalCleanup]
    public void Cleanup() => _fixture.Dispose();

    /// <summary>Nothing posted: the common Poll of an event loop.</summary>
    [Benchmark]
    public int PollNothingPending() => _receiver.Poll();

    /// <summary>One vector posted (by a Send on the highest vector) and delivered to a trivial handler.</summary>
    [Benchmark]
    public int SendThenPollOnePending()
    {
        _sender.Send();
        return _receiver.Poll();
    }
}
