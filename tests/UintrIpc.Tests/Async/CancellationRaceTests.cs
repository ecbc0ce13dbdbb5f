namespace UintrIpc.Tests.Async;

/// <summary>
/// Cancellation racing a post: either the handler ran and the result is true, or the await
/// throws OperationCanceledException and the post is still pending. Never lost.
/// </summary>
public sealed class CancellationRaceTests
{
    private const int Iterations = 3000;

    [Fact]
    public void Cancel_racing_a_post_to_a_sleeping_waiter_never_loses_the_post()
    {
        int delivered = 0;
        using var receiver = UintrReceiver.Register(_ => delivered++, AsyncWait.NoSpin);
        using UintrFd fd = receiver.CreateFd(17);
        using var sender = UintrSender.Register(fd);
        int cancelledWithPending = 0, completed = 0;
        using var go = new Barrier(2);
        CancellationTokenSource cts = new();
        // The poster thread spins for the start signal, then sends while this thread cancels.
        var poster = new Thread(() =>
        {
            for (int i = 0; i < Iterations; i++)
            {
                go.SignalAndWait();
                sender.Send();
            }
        }) { IsBackground = true, Name = "poster" };
        poster.Start();
        for (int i = 0; i < Iterations; i++)
        {
            int before = delivered;
            ValueTask<bool> wait = receiver.WaitAsync(Until.Hang, cts.Token);
            go.SignalAndWait(Until.Hang);
            if ((i & 1) == 0)
                Thread.SpinWait(i % 200); // vary which side is first
            cts.Cancel();
            try
            {
                Assert.True(AsyncWait.Finish(wait));
                Assert.Equal(before + 1, delivered);
                completed++;
            }
            catch (OperationCanceledException)
            {
                Assert.Equal(before, delivered);
                // The post may land a moment after the cancellation: it must then be pending.
                Assert.True(Until.True(() => receiver.PendingVectors == 1UL << 17), "a post raced with cancellation was lost");
                Assert.Equal(1, receiver.Poll());
                cancelledWithPending++;
            }
            cts.Dispose();
            cts = new CancellationTokenSource();
            Assert.Equal(0UL, receiver.PendingVectors);
        }
        cts.Dispose();
        Assert.True(poster.Join(Until.Hang));
        Assert.Equal(Iterations, delivered);
        Console.WriteLine($"cancel vs post: {completed} delivered, {cancelledWithPending} cancelled with the post pending");
    }

    [Fact]
    public void Cancel_racing_a_post_during_the_spin_never_loses_the_post()
    {
        int delivered = 0;
        using var receiver = UintrReceiver.Register(_ => delivered++, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(50) });
        using UintrFd fd = receiver.CreateFd(2);
        using var sender = UintrSender.Register(fd);
        for (int i = 0; i < Iterations; i++)
        {
            using var cts = new CancellationTokenSource();
            var racer = new Thread(() =>
            {
                if ((i & 1) == 0)
                    sender.Send();
                cts.Cancel();
                if ((i & 1) != 0)
                    sender.Send();
            });
            int before = delivered;
            racer.Start();
            try
            {
                if (AsyncWait.Finish(receiver.WaitAsync(Until.Hang, cts.Token)))
                    Assert.Equal(before + 1, delivered);
            }
            catch (OperationCanceledException)
            {
            }
            racer.Join();
            receiver.Poll();
            Assert.Equal(before + 1, delivered);
        }
    }
}
