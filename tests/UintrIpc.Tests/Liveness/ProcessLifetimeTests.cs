namespace UintrIpc.Tests.Liveness;

/// <summary>
/// What the death or exit of the process at the other end does (docs/ABI.md section 6): a
/// sender learns of its receiver's death (ESHUTDOWN within a second); a receiver is not
/// affected by the death of a sender.
/// </summary>
public sealed class ProcessLifetimeTests
{
    private const int ESHUTDOWN = 108;
    private const int ECONNRESET = 104;
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    [Fact]
    public void The_death_watch_outlives_the_UintrFd_it_came_with()
    {
        var descriptors = Descriptors.Snapshot();
        using (var peer = PeerProcess.StartPeer("receiver", "9"))
        {
            UintrSender sender;
            using (UintrFd fd = peer.ReceiveUintrFd())
                sender = UintrSender.Register(fd);
            using (sender)
            {
                sender.Send();
                peer.Expect('V');
                Assert.Equal(9, peer.ReadByte());
                peer.Kill();
                Assert.True(Until.True(() => SendFails(sender) == ESHUTDOWN, TimeSpan.FromSeconds(5)),
                    $"Send did not report ESHUTDOWN within 5 s of the death once the UintrFd was disposed (last: {SendFails(sender)})");
            }
        }
        descriptors.AssertNoneAdded("after the sender was disposed");
    }

    [Fact]
    public void Only_the_senders_of_the_dead_receiver_process_get_ESHUTDOWN()
    {
        using var doomed = PeerProcess.StartPeer("receiver", "2");
        using var survivor = PeerProcess.StartPeer("receiver", "3");
        using UintrFd doomedFd = doomed.ReceiveUintrFd();
        using UintrFd survivorFd = survivor.ReceiveUintrFd();
        using var toDoomed = UintrSender.Register(doomedFd);
        using var toSurvivor = UintrSender.Register(survivorFd);

        doomed.Kill();
        Assert.True(Until.True(() => SendFails(toDoomed) == ESHUTDOWN, TimeSpan.FromSeconds(5)), "no ESHUTDOWN for the dead receiver");
        for (int i = 0; i < 3; i++)
        {
            toSurvivor.Send();
            survivor.Expect('V');
            Assert.Equal(3, survivor.ReadByte());
        }
        Assert.Equal(ESHUTDOWN, SendFails(toDoomed));
    }

    /// <summary>The errno Send throws, or 0 when it succeeds.</summary>
    private static int SendFails(UintrSender sender)
    {
        try
        {
            sender.Send();
            return 0;
        }
        catch (UintrException e)
        {
            return e.Errno;
        }
    }

    /// <summary>
    /// A receiver process that exits normally (Environment.Exit) without disposing its receiver
    /// or its UintrFd never writes CLOSED into the page; the kernel marks the owner word as its
    /// threads exit, so the sender sees ESHUTDOWN, not ECONNRESET (docs/ABI.md section 6).
    /// </summary>
    [Fact]
    public void A_receiver_that_exits_normally_without_disposing_is_ESHUTDOWN_to_its_senders()
    {
        using var peer = PeerProcess.StartPeer("receiver", "5");
        using UintrFd fd = peer.ReceiveUintrFd();
        using var sender = UintrSender.Register(fd);
        sender.Send();
        peer.Expect('V');
        Assert.Equal(5, peer.ReadByte());
        peer.Command('Q');
        Assert.Equal(0, peer.WaitForExit());
        Assert.Equal(ESHUTDOWN, SendFails(sender));
    }

    [Fact]
    public void A_sender_registered_after_the_receiver_process_died_is_refused_with_ESHUTDOWN()
    {
        using var peer = PeerProcess.StartPeer("receiver", "4");
        using UintrFd fd = peer.ReceiveUintrFd();
        peer.Kill();
        Assert.Equal(ESHUTDOWN, Assert.Throws<UintrException>(() => UintrSender.Register(fd)).Errno);
    }

    [Fact]
    public void Kill_9_of_a_sender_process_in_the_middle_of_a_burst_leaves_the_receiver_working()
    {
        var descriptors = Descriptors.Snapshot();
        var recorder = new Recorder();
        using (var receiver = UintrReceiver.Register(recorder.Handler, NoSpin))
        using (UintrFd remote = receiver.CreateFd(5))
        using (UintrFd local = receiver.CreateFd(6))
        using (var localSender = UintrSender.Register(local))
        using (var peer = PeerProcess.StartPeer("sender"))
        {
            peer.Socket.SendUintrFd(remote);
            peer.Expect('K');
            peer.Command('S');
            peer.Expect('k');
            Assert.True(receiver.Wait(Delivery), "the child's post was not delivered");
            Assert.Equal([5], recorder.Calls);

            // The child now posts in a tight loop; it dies in the middle of that.
            peer.Command('B');
            peer.Expect('b');
            recorder.Clear();
            Assert.True(receiver.Wait(Delivery), "the bursting child's posts were not delivered");
            Assert.Contains(5, recorder.Calls);
            peer.Kill();

            AssertReceiverStillWorks(receiver, recorder, localSender, remote, 6, 5);
        }
        descriptors.AssertNoneAdded("after the sender died and everything was disposed");
    }

    [Fact]
    public void Kill_9_of_a_process_holding_a_registered_sender_leaves_the_receiver_working()
    {
        var descriptors = Descriptors.Snapshot();
        var recorder = new Recorder();
        using (var receiver = UintrReceiver.Register(recorder.Handler, NoSpin))
        using (UintrFd remote = receiver.CreateFd(20))
        using (UintrFd local = receiver.CreateFd(21))
        using (var localSender = UintrSender.Register(local))
        using (var peer = PeerProcess.StartPeer("hold"))
        {
            peer.Socket.SendUintrFd(remote);
            peer.Expect('K');

            // Asleep while the holder dies.
            var waiter = TestThread.Start(() => receiver.Wait(Delivery), "waiter");
            Until.Blocked(receiver);
            peer.Kill();
            localSender.Send();
            Assert.True(waiter.Result(), "the sleeping receiver missed a post after a sender process died");
            Assert.Equal([21], recorder.Calls);
            recorder.Clear();

            AssertReceiverStillWorks(receiver, recorder, localSender, remote, 21, 20);
        }
        descriptors.AssertNoneAdded("after the holder died and everything was disposed");
    }

    [Fact]
    public void A_child_sender_that_exits_normally_leaves_the_receiver_working_and_nothing_leaks()
    {
        var descriptors = Descriptors.Snapshot();
        var recorder = new Recorder();
        using (var receiver = UintrReceiver.Register(recorder.Handler, NoSpin))
        using (UintrFd fd = receiver.CreateFd(7))
        {
            using (var peer = PeerProcess.StartPeer("sender"))
            {
                peer.Socket.SendUintrFd(fd);
                peer.Expect('K');

                // Once while the receiver sleeps, once while it does not wait at all.
                var waiter = TestThread.Start(() => receiver.Wait(Delivery), "waiter");
                Until.Blocked(receiver);
                peer.Command('S');
                peer.Expect('k');
                Assert.True(waiter.Result(), "the child's post did not wake the receiver");
                Assert.Equal([7], recorder.Calls);
                peer.Command('S');
                peer.Expect('k');
                Assert.True(receiver.Wait(Delivery));
                Assert.Equal([7, 7], recorder.Calls);

                peer.Command('Q');
                peer.Expect('q');
                Assert.True(peer.WaitForExit() == 0, peer.Describe());
            }
            recorder.Clear();

            // The vector still works for a sender in this process, asleep and awake.
            using (var sender = UintrSender.Register(fd))
            {
                long blocks = receiver.Statistics.Blocks;
                var waiter = TestThread.Start(() => receiver.Wait(Delivery), "waiter");
                Until.Blocked(receiver, blocks);
                sender.Send();
                Assert.True(waiter.Result());
                Assert.Equal([7], recorder.Calls);
                Assert.False(receiver.Wait(TimeSpan.Zero));
            }
        }
        descriptors.AssertNoneAdded("after the child exited and everything was disposed");
    }

    [Fact]
    public void A_child_sender_gets_ECONNRESET_once_the_receiver_disposes_the_vector()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        UintrFd fd = receiver.CreateFd(11);
        using var peer = PeerProcess.StartPeer("sender");
        peer.Socket.SendUintrFd(fd);
        peer.Expect('K');
        peer.Command('S');
        peer.Expect('k');
        Assert.True(receiver.Wait(Delivery));
        Assert.Equal([11], recorder.Calls);

        fd.Dispose(); // closes vector 11
        peer.Command('S');
        Assert.Equal(ECONNRESET, peer.ExpectError());
        Assert.Equal(0, receiver.Poll());
        peer.Command('Q');
        peer.Expect('q');
        Assert.Equal(0, peer.WaitForExit());
    }

    /// <summary>
    /// After a sender process died: nothing is pending, the local sender's vector is delivered,
    /// Wait sleeps and wakes, and the dead process's vector still works for a new sender.
    /// </summary>
    private static void AssertReceiverStillWorks(UintrReceiver receiver, Recorder recorder, UintrSender localSender, UintrFd remote, int localVector, int remoteVector)
    {
        receiver.Poll(); // whatever the dead process posted before it died
        recorder.Clear();
        Assert.Equal(0UL, receiver.PendingVectors);
        Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(20)), "a delivery came from nowhere");

        localSender.Send();
        Assert.True(receiver.Wait(Delivery), "the receiver stopped delivering after a sender process died");
        Assert.Equal([localVector], recorder.Calls);
        recorder.Clear();

        long blocks = receiver.Statistics.Blocks;
        var waiter = TestThread.Start(() => receiver.Wait(Delivery), "waiter");
        Until.Blocked(receiver, blocks);
        localSender.Send();
        Assert.True(waiter.Result(), "a sleeping receiver was not woken after a sender process died");
        Assert.Equal([localVector], recorder.Calls);
        recorder.Clear();

        using var replacement = UintrSender.Register(remote);
        replacement.Send();
        Assert.True(receiver.Wait(Delivery), "the dead sender's vector no longer works");
        Assert.Equal([remoteVector], recorder.Calls);
    }
}
