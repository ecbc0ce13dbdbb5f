namespace UintrIpc.Tests.Surface;

/// <summary>Poll delivers what is pending, one handler call per vector, highest vector first.</summary>
public sealed class DeliveryOrderTests
{
    [Fact]
    public void Poll_with_nothing_pending_returns_zero_without_blocking()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.FromHours(1) });
        using UintrFd fd = receiver.CreateFd(3);
        var poller = TestThread.Start(receiver.Poll);
        Assert.Equal(0, poller.Result());
        Assert.Empty(recorder.Calls);
    }

    [Fact]
    public void Poll_returns_the_number_of_handler_calls()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        var fds = new[] { 1, 2, 3 }.Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            senders[0].Send();
            senders[2].Send();
            Assert.Equal(2, receiver.Poll());
            Assert.Equal([3, 1], recorder.Calls);
            Assert.Equal(0, receiver.Poll());
            Assert.Equal(0UL, receiver.PendingVectors);
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void Many_sends_before_a_poll_coalesce_into_one_handler_call()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(12);
        using var sender = UintrSender.Register(fd);
        for (int i = 0; i < 1000; i++)
            sender.Send();
        Assert.Equal(Bits.Of(12), receiver.PendingVectors);
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([12], recorder.Calls);
        Assert.Equal(0, receiver.Poll());
    }

    [Fact]
    public void Sends_to_several_vectors_are_delivered_highest_vector_first()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        int[] vectors = [0, 5, 63, 17];
        var fds = vectors.Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            foreach (var sender in senders)
                sender.Send();
            Assert.Equal(Bits.Of(vectors), receiver.PendingVectors);
            Assert.Equal(4, receiver.Poll());
            Assert.Equal([63, 17, 5, 0], recorder.Calls);
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void Wait_delivers_every_pending_vector_highest_first()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        int[] vectors = [40, 2, 33];
        var fds = vectors.Select(receiver.CreateFd).ToArray();
        var senders = fds.Select(UintrSender.Register).ToArray();
        try
        {
            foreach (var sender in senders)
                sender.Send();
            Assert.True(receiver.Wait(Until.Hang));
            Assert.Equal([40, 33, 2], recorder.Calls);
        }
        finally
        {
            Array.ForEach(senders, s => s.Dispose());
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void A_send_made_inside_the_handler_is_delivered_in_a_later_call()
    {
        // Posting a vector that is being handled is a new post: the handler runs again for it,
        // never nested inside the running call.
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(20);
        using var sender = UintrSender.Register(fd);
        int depth = 0, maxDepth = 0, resends = 0;
        recorder.Inside = _ =>
        {
            maxDepth = Math.Max(maxDepth, ++depth);
            if (resends++ == 0)
                sender.Send();
            depth--;
        };
        sender.Send();
        int calls = receiver.Poll();
        calls += receiver.Poll();
        Assert.Equal(2, calls);
        Assert.Equal([20, 20], recorder.Calls);
        Assert.Equal(1, maxDepth);
    }
}
