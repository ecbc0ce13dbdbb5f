namespace UintrIpc.Tests.Surface;

/// <summary>The user-interrupt flag: cleared while a handler runs, restored after; CLUI/STUI hold posts back and release them.</summary>
public sealed class InterruptFlagTests
{
    [Fact]
    public void InterruptsEnabled_is_false_inside_the_handler_and_true_after()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        var seen = new List<bool>();
        var recorder = new Recorder();
        using var r = UintrReceiver.Register(recorder.Handler);
        recorder.Inside = _ => seen.Add(r.InterruptsEnabled);
        using UintrFd fd = r.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.Equal(1, r.Poll());
        sender.Send();
        Assert.True(r.Wait(Until.Hang));
        Assert.Equal([false, false], seen);
        Assert.True(r.InterruptsEnabled);
        Assert.True(receiver.InterruptsEnabled); // another receiver's flag is its own
    }

    [Fact]
    public void Poll_inside_the_handler_returns_zero_and_never_reenters()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        int depth = 0, maxDepth = 0;
        var nested = new List<int>();
        recorder.Inside = _ =>
        {
            maxDepth = Math.Max(maxDepth, ++depth);
            nested.Add(receiver.Poll());
            depth--;
        };
        using UintrFd a = receiver.CreateFd(1), b = receiver.CreateFd(2);
        using var sa = UintrSender.Register(a);
        using var sb = UintrSender.Register(b);
        sa.Send();
        sb.Send();
        Assert.Equal(2, receiver.Poll());
        Assert.Equal([2, 1], recorder.Calls);
        Assert.Equal([0, 0], nested);
        Assert.Equal(1, maxDepth);
    }

    [Fact]
    public void Wait_inside_the_handler_throws_InvalidOperationException()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        Exception? inner = null;
        recorder.Inside = _ => inner = Record.Exception(() => receiver.Wait(TimeSpan.Zero));
        using UintrFd fd = receiver.CreateFd(1);
        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.IsType<InvalidOperationException>(inner);
        // The failed nested Wait left the receiver usable.
        sender.Send();
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal(2, recorder.Calls.Length);
    }

    [Fact]
    public void Disabled_interrupts_deliver_nothing_lose_nothing_and_Enable_then_Poll_delivers_all()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        int[] vectors = [3, 9, 27, 50];
        var fds = vectors.Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            receiver.DisableInterrupts();
            Assert.False(receiver.InterruptsEnabled);
            foreach (var sender in senders)
            {
                sender.Send();
                sender.Send();
            }
            Assert.Equal(0, receiver.Poll());
            Assert.Equal(0, receiver.Poll());
            Assert.Empty(recorder.Calls);
            Assert.Equal(Bits.Of(vectors), receiver.PendingVectors);

            receiver.EnableInterrupts();
            Assert.True(receiver.InterruptsEnabled);
            Assert.Equal(4, receiver.Poll());
            Assert.Equal([50, 27, 9, 3], recorder.Calls);
            Assert.Equal(0UL, receiver.PendingVectors);
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void PendingVectors_shows_posts_before_any_poll()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd a = receiver.CreateFd(0), b = receiver.CreateFd(63);
        using var sa = UintrSender.Register(a);
        using var sb = UintrSender.Register(b);
        Assert.Equal(0UL, receiver.PendingVectors);
        sb.Send();
        Assert.Equal(Bits.Of(63), receiver.PendingVectors);
        sa.Send();
        Assert.Equal(Bits.Of(0, 63), receiver.PendingVectors);
    }

    [Fact]
    public void A_post_made_from_inside_the_handler_waits_until_the_handler_returns()
    {
        // UIF is clear while the handler runs: a vector posted from inside it, even a higher one,
        // is not delivered inside it (no nesting), shows in PendingVectors, and is delivered by
        // the next safe point after the handler returned.
        var order = new List<string>();
        int depth = 0, deepest = 0;
        UintrSender? toHigh = null;
        UintrReceiver? r = null;
        using var registered = r = UintrReceiver.Register(v =>
        {
            deepest = Math.Max(deepest, ++depth);
            order.Add($"enter {v}");
            if (v == 5)
            {
                toHigh!.Send();
                order.Add($"pending {r!.PendingVectors:x}");
                Assert.False(r.InterruptsEnabled);
            }
            order.Add($"leave {v}");
            depth--;
        });
        using UintrFd low = r.CreateFd(5), high = r.CreateFd(40);
        using var toLow = UintrSender.Register(low);
        toHigh = UintrSender.Register(high);
        using (toHigh)
        {
            toLow.Send();
            Assert.Equal(1, r.Poll());
            Assert.Equal(1UL << 40, r.PendingVectors);
            Assert.True(r.Wait(Until.Hang));
        }
        Assert.Equal(["enter 5", $"pending {1UL << 40:x}", "leave 5", "enter 40", "leave 40"], order);
        Assert.Equal(1, deepest);
        Assert.True(r.InterruptsEnabled);
    }
}
