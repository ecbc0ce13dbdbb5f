using System.Diagnostics.Metrics;

namespace UintrIpc.Tests.Async;

/// <summary>The Meter named UintrIpc, read with a MeterListener as dotnet-counters would.</summary>
public sealed class MetricsTests
{
    private static readonly string[] Instruments =
    [
        "uintr.receiver.posts", "uintr.receiver.deliveries", "uintr.receiver.blocks", "uintr.receiver.wakeups",
        "uintr.receiver.spurious_wakeups", "uintr.sender.sends", "uintr.sender.failed_sends",
        "uintr.dispatcher.waiting", "uintr.dispatcher.threads", "uintr.dispatcher.wakeups",
    ];

    private static Dictionary<string, long> Read()
    {
        var values = new Dictionary<string, long>();
        var units = new Dictionary<string, string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "UintrIpc")
            {
                units[instrument.Name] = instrument.Unit;
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (tags.Length == 0) // unnamed receivers (and the instruments that are not per receiver)
                values[instrument.Name] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();
        foreach (string name in Instruments)
            Assert.True(units.ContainsKey(name), $"no instrument {name}");
        Assert.Equal("{interrupt}", units["uintr.receiver.deliveries"]);
        return values;
    }

    [Fact]
    public void Every_instrument_is_published_and_counts_what_happened()
    {
        using var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(4);
        using var sender = UintrSender.Register(fd);
        Dictionary<string, long> before = Read();

        sender.Send();
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        ValueTask<bool> wait = receiver.WaitAsync(Until.Hang);
        AsyncWait.Asleep(receiver);
        Dictionary<string, long> asleep = Read();
        Assert.Equal(1, asleep["uintr.dispatcher.waiting"] - before["uintr.dispatcher.waiting"]);
        Assert.True(asleep["uintr.dispatcher.threads"] >= 1);
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        Assert.Throws<UintrException>(() => UintrSender.SendUipi(4095));

        Dictionary<string, long> after = Read();
        Assert.Equal(3, after["uintr.sender.sends"] - before["uintr.sender.sends"]);
        Assert.Equal(1, after["uintr.sender.failed_sends"] - before["uintr.sender.failed_sends"]);
        Assert.Equal(2, after["uintr.receiver.posts"] - before["uintr.receiver.posts"]);
        Assert.Equal(2, after["uintr.receiver.deliveries"] - before["uintr.receiver.deliveries"]);
        Assert.Equal(1, after["uintr.receiver.blocks"] - before["uintr.receiver.blocks"]);
        Assert.Equal(1, after["uintr.receiver.wakeups"] - before["uintr.receiver.wakeups"]);
        Assert.Equal(0, after["uintr.receiver.spurious_wakeups"] - before["uintr.receiver.spurious_wakeups"]);
        Assert.Equal(1, after["uintr.dispatcher.wakeups"] - before["uintr.dispatcher.wakeups"]);
        Assert.True(Until.True(() => Read()["uintr.dispatcher.waiting"] == before["uintr.dispatcher.waiting"]));
    }

    [Fact]
    public void A_disposed_receivers_counts_stay_in_the_totals()
    {
        Dictionary<string, long> before = Read();
        var receiver = UintrReceiver.Register(_ => { });
        using (UintrFd fd = receiver.CreateFd(0))
        using (var sender = UintrSender.Register(fd))
        {
            sender.Send();
            Assert.Equal(1, receiver.Poll());
        }
        receiver.Dispose();
        Dictionary<string, long> after = Read();
        Assert.Equal(1, after["uintr.receiver.deliveries"] - before["uintr.receiver.deliveries"]);
        Assert.Equal(1, after["uintr.receiver.posts"] - before["uintr.receiver.posts"]);
    }
}
