using BenchmarkDotNet.Attributes;
using UintrIpc.Bench.Primitives;

namespace UintrIpc.Bench.Micro;

/// <summary>
/// The cost of a send while the receiver is not blocked, against an eventfd write (the baseline:
/// the usual way to signal another thread, one system call).
/// </summary>
[MemoryDiagnoser]
public class SendBenchmarks
{
    private ReceiverFixture _fixture = null!;
    private UintrSender _sender = null!;
    private UintrReceiver _receiver = null!;
    private EventFd _eventFd = null!;
    private PageView _page = null!;
    private int _index;

    [GlobalSetup]
    public void Setup()
    {
        _fixture = new ReceiverFixture(vectors: 1);
        _sender = _fixture.Sender;
        _receiver = _fixture.Receiver;
        _index = _sender.Index;
        _eventFd = new EventFd();
        _page = new PageView(_fixture.SenderFd);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // The counter saturates only after 2^64-2 writes (centuries at this rate); drained anyway.
        Console.WriteLine($"// eventfd counter at cleanup: {_eventFd.Drain()}");
        _eventFd.Dispose();
        _page.Dispose();
        _fixture.Dispose();
    }

    /// <summary>write(eventfd, &amp;1, 8): one system call.</summary>
    [Benchmark(Baseline = true)]
    public void EventFdWrite() => _eventFd.Signal();

    /// <summary>
    /// Send with the vector still pending (nobody polls, so after the first send its PIR bit stays
    /// set): the coalesced path, S1–S3.
    /// </summary>
    [Benchmark]
    public void Send() => _sender.Send();

    /// <summary>The same through the target table: <c>SENDUIPI index</c>.</summary>
    [Benchmark]
    public void SendUipi() => UintrSender.SendUipi(_index);

    /// <summary>
    /// A fresh post every time without the Poll: a plain store clears the PIR word (as the
    /// receiver's exchange would), then Send takes the LOCK OR + status-read path, S4–S6.
    /// </summary>
    [Benchmark]
    public unsafe void SendFreshPost()
    {
        Volatile.Write(ref *_page.Pir, 0);
        _sender.Send();
    }

    /// <summary>
    /// A fresh post every time: Send (LOCK OR on PIR + status read, S4–S6) then Poll collects it
    /// (XCHG) and runs the trivial handler.
    /// </summary>
    [Benchmark]
    public int SendThenPoll()
    {
        _sender.Send();
        return _receiver.Poll();
    }
}
