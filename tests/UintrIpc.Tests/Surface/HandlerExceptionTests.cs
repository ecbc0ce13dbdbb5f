namespace UintrIpc.Tests.Surface;

/// <summary>An exception from the handler propagates; the vectors not yet delivered stay pending.</summary>
public sealed class HandlerExceptionTests
{
    private sealed class HandlerFailure(int vector) : Exception($"handler failed on {vector}");

    private static (UintrReceiver Receiver, Recorder Recorder, UintrFd[] Fds, UintrSender[] Senders) Setup(int throwOn, params int[] vectors)
    {
        var recorder = new Recorder(v =>
        {
            if (v == throwOn)
                throw new HandlerFailure(v);
        });
        var receiver = UintrReceiver.Register(recorder.Handler);
        var fds = vectors.Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        foreach (var sender in senders)
            sender.Send();
        return (receiver, recorder, fds, senders);
    }

    private static void Teardown(UintrReceiver receiver, UintrFd[] fds, UintrSender[] senders)
    {
        Array.ForEach(senders, s => s.Dispose());
        Array.ForEach(fds, f => f.Dispose());
        receiver.Dispose();
    }

    [Fact]
    public void Exception_propagates_out_of_Poll_and_the_rest_stays_pending_for_the_next_Poll()
    {
        var (receiver, recorder, fds, senders) = Setup(17, 0, 5, 63, 17);
        try
        {
            Assert.Throws<HandlerFailure>(() => receiver.Poll());
            Assert.Equal([63, 17], recorder.Calls);
            Assert.Equal(Bits.Of(0, 5), receiver.PendingVectors);
            Assert.True(receiver.InterruptsEnabled);

            recorder.Clear();
            Assert.Equal(2, receiver.Poll());
            Assert.Equal([5, 0], recorder.Calls);
            Assert.Equal(0UL, receiver.PendingVectors);
        }
        finally
        {
            Teardown(receiver, fds, senders);
        }
    }

    [Fact]
    public void Exception_propagates_out_of_Wait_and_the_rest_stays_pending()
    {
        var (receiver, recorder, fds, senders) = Setup(30, 10, 30, 20);
        try
        {
            Assert.Throws<HandlerFailure>(() => receiver.Wait(Until.Hang));
            Assert.Equal([30], recorder.Calls);
            Assert.Equal(Bits.Of(10, 20), receiver.PendingVectors);

            recorder.Clear();
            Assert.True(receiver.Wait(Until.Hang));
            Assert.Equal([20, 10], recorder.Calls);
        }
        finally
        {
            Teardown(receiver, fds, senders);
        }
    }

    [Fact]
    public void Exception_from_a_handler_woken_from_sleep_propagates_out_of_Wait()
    {
        var recorder = new Recorder(v => throw new HandlerFailure(v));
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(4);
        using var sender = UintrSender.Register(fd);
        var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan));
        Until.Blocked(receiver);
        sender.Send();
        waiter.Exception<HandlerFailure>();
        Assert.Equal([4], recorder.Calls);
        // Another thread can wait now: the failed one left.
        Assert.Equal(0, receiver.Poll());
    }

    [Fact]
    public void A_post_that_arrives_after_the_failure_is_delivered_with_the_ones_left()
    {
        var (receiver, recorder, fds, senders) = Setup(2, 1, 2);
        try
        {
            Assert.Throws<HandlerFailure>(() => receiver.Poll());
            senders[1].Send(); // vector 2 again
            recorder.Clear();
            recorder.Inside = null;
            Assert.Equal(2, receiver.Poll());
            Assert.Equal([2, 1], recorder.Calls);
        }
        finally
        {
            Teardown(receiver, fds, senders);
        }
    }
}
