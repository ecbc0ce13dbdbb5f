using System.Diagnostics.Metrics;

namespace UintrIpc.Tests.Async;

/// <summary>ReadAllAsync, WaitAsync(CancellationToken), DisposeAsync and the receiver's name in the metrics.</summary>
public sealed class AsyncIdiomTests
{
    [Fact]
    public void ReadAllAsync_yields_each_delivered_vector_in_delivery_order_after_its_handler_ran()
    {
        var handled = new List<int>();
        using var receiver = UintrReceiver.Register(v => handled.Add(v), AsyncWait.NoSpin);
        var fds = Enumerable.Range(0, 8).Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            Task<List<int>> read = AsyncWait.WithoutContext(async () =>
            {
                var yielded = new List<int>();
                await foreach (int vector in receiver.ReadAllAsync())
                {
                    Assert.True(handled.Count > yielded.Count, "yielded before its handler ran");
                    yielded.Add(vector);
                    if (yielded.Count == 200)
                        break;
                }
                return yielded;
            });
            for (int i = 0; i < 200; i++)
            {
                senders[(i * 5) % 8].Send();
                if (i % 4 == 3) // sometimes several pending at once: delivered highest first
                    Assert.True(Until.True(() => handled.Count > i - 3), "a post was never delivered");
            }
            List<int> yieldedAll = AsyncWait.Finish(read);
            Assert.Equal(handled.Take(200), yieldedAll);
        }
        finally
        {
            foreach (UintrSender sender in senders)
                sender.Dispose();
            foreach (UintrFd fd in fds)
                fd.Dispose();
        }
    }

    [Fact]
    public void ReadAllAsync_cancelled_again_and_again_racing_posts_loses_and_duplicates_nothing()
    {
        const int Posts = 3000;
        var handled = new List<int>();
        var yielded = new List<int>();
        using var receiver = UintrReceiver.Register(v => { lock (handled) handled.Add(v); }, AsyncWait.NoSpin);
        UintrFd[] fds = [receiver.CreateFd(3), receiver.CreateFd(11)];
        UintrSender[] senders = [UintrSender.Register(fds[0]), UintrSender.Register(fds[1])];
        int cancellations = 0;
        int Handled()
        {
            lock (handled)
                return handled.Count;
        }
        try
        {
            var poster = new Thread(() =>
            {
                for (int i = 0; i < Posts; i++)
                {
                    senders[i & 1].Send();
                    // One post in flight at a time, so none coalesce: each is one delivery.
                    while (Handled() <= i)
                        Thread.SpinWait(20);
                }
            }) { IsBackground = true, Name = "poster" };
            poster.Start();
            var clock = Stopwatch.StartNew();
            while (yielded.Count < Posts)
            {
                Assert.True(clock.Elapsed < Until.Hang, $"only {yielded.Count} of {Posts} yielded");
                using var cts = new CancellationTokenSource();
                cts.CancelAfter(TimeSpan.FromTicks(Random.Shared.Next(1, 2000))); // cancels at varied points
                try
                {
                    AsyncWait.Finish(AsyncWait.WithoutContext(() => Consume(receiver, yielded, cts.Token)));
                }
                catch (OperationCanceledException)
                {
                    cancellations++;
                }
            }
            Assert.True(poster.Join(Until.Hang));
            lock (handled)
                Assert.Equal(handled, yielded);
            Console.WriteLine($"{Posts} posts, {cancellations} cancelled enumerations, nothing lost or repeated");
        }
        finally
        {
            foreach (UintrSender sender in senders)
                sender.Dispose();
            foreach (UintrFd fd in fds)
                fd.Dispose();
        }

        static async Task Consume(UintrReceiver receiver, List<int> yielded, CancellationToken cancellationToken)
        {
            await foreach (int vector in receiver.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                yielded.Add(vector);
        }
    }

    [Fact]
    public async Task ReadAllAsync_ends_when_the_receiver_is_disposed()
    {
        var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(2);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        var yielded = new List<int>();
        Task read = Task.Run(async () =>
        {
            await foreach (int vector in receiver.ReadAllAsync())
                yielded.Add(vector);
        });
        Assert.True(Until.True(() => yielded.Count == 1));
        AsyncWait.Asleep(receiver);
        await receiver.DisposeAsync();
        Assert.True(await Task.WhenAny(read, Task.Delay(Until.Hang)) == read, "the enumeration did not end at Dispose");
        await read;
        Assert.Equal([2], yielded);
    }

    [Fact]
    public void WaitAsync_with_only_a_token_waits_without_a_timeout_and_cancels()
    {
        int calls = 0;
        using var receiver = UintrReceiver.Register(_ => calls++, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(6);
        using var sender = UintrSender.Register(fd);
        ValueTask<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(CancellationToken.None));
        AsyncWait.Asleep(receiver);
        sender.Send();
        Assert.True(AsyncWait.Finish(wait));
        Assert.Equal(1, calls);

        using var cts = new CancellationTokenSource();
        ValueTask<bool> cancelled = AsyncWait.WithoutContext(() => receiver.WaitAsync(cts.Token));
        AsyncWait.Asleep(receiver, 1);
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => AsyncWait.Finish(cancelled));
    }

    [Fact]
    public async Task DisposeAsync_completes_once_a_pending_wait_let_the_receiver_go()
    {
        var receiver = UintrReceiver.Register(_ => { }, AsyncWait.NoSpin);
        UintrFd fd = receiver.CreateFd(8);
        ValueTask<bool> wait = AsyncWait.WithoutContext(() => receiver.WaitAsync(Until.Hang));
        AsyncWait.Asleep(receiver);
        Task disposed = receiver.DisposeAsync().AsTask();
        Assert.True(await Task.WhenAny(disposed, Task.Delay(Until.Hang)) == disposed, "DisposeAsync never completed");
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await wait);
        await fd.DisposeAsync();
        Assert.Equal(UintrMetrics.MeterName, "UintrIpc");
    }

    [Fact]
    public void A_named_receivers_instruments_carry_its_name()
    {
        string name = $"named-{Guid.NewGuid():N}";
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { Name = name, SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(4);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        var tagged = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == UintrMetrics.MeterName)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag.Key == "uintr.receiver.name" && (string?)tag.Value == name)
                    tagged[instrument.Name] = value;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(1, tagged["uintr.receiver.posts"]);
        Assert.Equal(1, tagged["uintr.receiver.deliveries"]);
        Assert.False(tagged.ContainsKey("uintr.sender.sends"), "only the receiver's instruments are per receiver");
    }
}
