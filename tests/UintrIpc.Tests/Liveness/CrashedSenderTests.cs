namespace UintrIpc.Tests.Liveness;

/// <summary>
/// A sender that stops for good between two steps of a send (killed: docs/ABI.md section 4,
/// "The guarantee") cannot keep a later healthy send from waking the receiver. The dead
/// sender's steps are made by hand on a mapping of the page, exactly as far as it got; the
/// receiver is already asleep in the kernel, so nothing but the healthy send can wake it.
/// (CSenderTests does the same with a real C sender killed by SIGKILL.)
/// </summary>
public sealed unsafe class CrashedSenderTests
{
    private const int Vector = 37;
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    /// <summary>The last step the dead sender made.</summary>
    public enum LastStep
    {
        S1ReadStatus,
        S4Posted,
        S5ReadStatus,
        S7SetOn,
    }

    [Theory]
    [InlineData(LastStep.S1ReadStatus)]
    [InlineData(LastStep.S4Posted)]
    [InlineData(LastStep.S5ReadStatus)]
    [InlineData(LastStep.S7SetOn)]
    public void The_next_healthy_send_wakes_the_receiver_whatever_step_a_dead_sender_stopped_after(LastStep lastStep)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(Vector);
        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan), SleeperName);
            Until.Blocked(receiver);
            // Asleep in the kernel's futex wait, not just past W6 (a post before the sleep would
            // only make the test easier).
            Assert.True(Until.True(() => Threads.AsleepInFutex(SleeperName)),
                $"the waiter is not asleep in a futex wait (wchan {Threads.WaitChannel(SleeperName)})");

            DeadSender(page, lastStep);

            using var sender = UintrSender.Register(fd);
            sender.Send();
            Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), $"a sender that died after {lastStep} stalled the vector: the healthy Send did not wake the receiver");
            Assert.True(waiter.Result());
            Assert.Equal([Vector], recorder.Calls);
        }
        finally
        {
            Sys.Unmap(page);
        }
    }

    /// <summary>The stall of version 1 also hit senders that came much later: each of many sends wakes a sleeping receiver.</summary>
    [Fact]
    public void After_a_sender_died_with_ON_set_every_later_episode_is_woken_by_its_own_send()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(Vector);
        using var sender = UintrSender.Register(fd);
        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            for (int round = 0; round < 200; round++)
            {
                long blocks = receiver.Statistics.Blocks;
                var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan), "waiter");
                Until.Blocked(receiver, blocks);
                if (round % 2 == 0)
                    DeadSender(page, LastStep.S7SetOn);
                sender.Send();
                Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), $"round {round}: the healthy Send did not wake the receiver");
                Assert.True(waiter.Result());
            }
            Assert.Equal(200, recorder.Calls.Length);
        }
        finally
        {
            Sys.Unmap(page);
        }
    }

    /// <summary>S1..<paramref name="lastStep"/> of a send of <see cref="Vector"/>, then nothing: the process died.</summary>
    private static void DeadSender(nint page, LastStep lastStep)
    {
        ref uint status = ref *(uint*)(page + (64 * Vector));
        ref ulong pir = ref *(ulong*)(page + (64 * Vector) + 8);
        uint s = Volatile.Read(ref status);                                    // S1
        Assert.Equal(0u, s & 0x4);                                             // not CLOSED
        if (lastStep == LastStep.S1ReadStatus)
            return;
        Interlocked.Or(ref pir, 1UL << Vector);                                // S3, S4
        if (lastStep == LastStep.S4Posted)
            return;
        s = Volatile.Read(ref status);                                         // S5
        Assert.Equal(0x00EB0000u, s & ~1u);                                    // BLOCKED: it must wake
        if (lastStep == LastStep.S5ReadStatus)
            return;
        Interlocked.CompareExchange(ref status, s | 1, s);                     // S7's CAS of ON; no FUTEX_WAKE
    }

    private const string SleeperName = "crashed-send-w";
}
