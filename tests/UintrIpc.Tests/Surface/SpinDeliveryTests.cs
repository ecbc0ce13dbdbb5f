namespace UintrIpc.Tests.Surface;

/// <summary>
/// A post found by Wait's spin goes straight to its handler (UintrReceiver.DeliverCollected),
/// not through the pending mask: the spin must still deliver exactly what Poll and W1 deliver.
/// </summary>
public sealed class SpinDeliveryTests
{
    private const int Rounds = 2000;

    [Fact]
    public void What_the_spins_handler_collects_with_Poll_is_delivered_by_the_same_Wait_highest_first()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = Until.Hang });
        using UintrFd one = receiver.CreateFd(1), two = receiver.CreateFd(2), three = receiver.CreateFd(3);
        using var toOne = UintrSender.Register(one);
        using var toTwo = UintrSender.Register(two);
        using var toThree = UintrSender.Register(three);
        recorder.Inside = vector =>
        {
            if (vector != 1)
                return;
            toTwo.Send();
            toThree.Send();
            Assert.Equal(0, receiver.Poll()); // collects only: handlers are never re-entered
        };
        for (int round = 0; round < Rounds; round++)
        {
            recorder.Clear();
            Assert.True(PostWhileSpinning(receiver, toOne), $"round {round}: Wait returned false");
            Assert.Equal([1, 3, 2], recorder.Calls);
        }
    }

    [Fact]
    public void A_vector_the_spin_collects_after_its_fd_closed_is_dropped_and_the_spin_goes_on()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = Until.Hang });
        using UintrFd keep = receiver.CreateFd(7);
        using var toKeep = UintrSender.Register(keep);
        for (int round = 0; round < Rounds / 4; round++)
        {
            recorder.Clear();
            UintrFd closing = receiver.CreateFd(9);
            var toClosing = UintrSender.Register(closing);
            // The close races the spin's collect of vector 9: either it ran before the close or it is dropped.
            bool delivered = PostWhileSpinning(receiver, toClosing, afterPost: () =>
            {
                closing.Dispose();
                toKeep.Send();
            });
            toClosing.Dispose();
            Assert.True(delivered);
            int[] calls = recorder.Calls;
            Assert.True(calls.SequenceEqual([9]) || calls.SequenceEqual([7]) || calls.SequenceEqual([9, 7]), $"round {round}: {string.Join(",", calls)}");
            if (calls[^1] != 7)
                Assert.True(receiver.Wait(Until.Hang)); // vector 7 is still pending
            Assert.Equal(1, recorder.Count(7));
        }
    }

    /// <summary>
    /// Starts a Wait on another thread and posts once that thread has had time to reach the spin
    /// (the spin lasts <see cref="Until.Hang"/>, so a late post lands in it too). Either path must
    /// give the same result; this aims at the spin's.
    /// </summary>
    private static bool PostWhileSpinning(UintrReceiver receiver, UintrSender sender, Action? afterPost = null)
    {
        int entering = 0;
        Task<bool> waiter = Task.Factory.StartNew(() =>
        {
            Volatile.Write(ref entering, 1);
            return receiver.Wait(Until.Hang);
        }, TaskCreationOptions.LongRunning);
        while (Volatile.Read(ref entering) == 0)
            Thread.SpinWait(1);
        Thread.SpinWait(200); // a few microseconds: the waiter is past W1 and polling
        sender.Send();
        afterPost?.Invoke();
        Assert.True(waiter.Wait(Until.Hang), "Wait hung");
        return waiter.Result;
    }
}
