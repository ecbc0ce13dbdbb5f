using System.Collections.Concurrent;
using UintrIpc.Tests.Hardware;
using UintrIpc.Tests.Pipes;

namespace UintrIpc.Tests.Surface;

/// <summary>
/// A sender is usable from any thread, on both paths: the cases ordinary code meets (register,
/// hand the sender to a worker; ping-pong with each side's sender used by the other side's
/// thread; a blocked Wait woken from a timer; a send after the vector was closed). The futex
/// run is <see cref="FutexCrossThreadSenderTests"/>, the native run (RFC v1's per-thread UITT
/// under the simulator) <see cref="HardwareCrossThreadSenderTests"/>; every receiver lives on a
/// thread it owns, as the native path requires.
/// </summary>
public abstract class CrossThreadSenderCases(UintrMode mode)
{
    private const int ECONNRESET = 104;
    private const int Rounds = 2000;

    private UintrReceiver Register(UintrHandler handler) =>
        UintrReceiver.Register(handler, new UintrReceiverOptions { Mode = mode, SpinDuration = TimeSpan.Zero });

    protected void Posts_from_a_worker_thread_reach_a_receiver_that_registered_the_sender() => OwnThread.Run(() =>
    {
        var recorder = new Recorder();
        using var receiver = Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(5);
        using var sender = UintrSender.Register(fd);
        Assert.Equal(mode, fd.Mode);
        using var go = new SemaphoreSlim(0);
        var worker = new TestThread<int>(() =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                if (!go.Wait(Until.Hang))
                    return round;
                if (round % 2 == 0)
                    sender.Send();
                else
                    UintrSender.SendUipi(sender.Index);
            }
            return Rounds;
        }, "poster");
        for (int round = 1; round <= Rounds; round++)
        {
            go.Release();
            Assert.True(receiver.Wait(Until.Hang), $"no delivery in round {round}");
            Assert.Equal(round, recorder.Calls.Length);
        }
        Assert.Equal(Rounds, worker.Result());
        Assert.All(recorder.Calls, v => Assert.Equal(5, v));
    });

    protected void Ping_pong_with_each_sides_sender_registered_on_a_third_thread()
    {
        using var ready = new Barrier(3);
        UintrFd? fdA = null, fdB = null;
        UintrSender? toA = null, toB = null;
        using var registered = new ManualResetEventSlim();
        // Side A posts through toB, side B through toA; both senders are registered by this thread.
        TestThread<int> Side(string name, Action<UintrFd> publish, Func<UintrSender> peer, bool serves) => new(() =>
        {
            int deliveries = 0;
            using var receiver = Register(_ => deliveries++);
            using UintrFd fd = receiver.CreateFd(serves ? 1 : 2);
            publish(fd);
            ready.SignalAndWait(Until.Hang);
            Assert.True(registered.Wait(Until.Hang));
            UintrSender other = peer();
            for (int round = 1; round <= Rounds; round++)
            {
                if (serves)
                    other.Send();
                if (!receiver.Wait(Until.Hang))
                    return -round;
                if (!serves)
                    other.Send();
                Assert.Equal(round, deliveries);
            }
            ready.SignalAndWait(Until.Hang); // keeps the vector open until the peer's last post
            return deliveries;
        }, name);
        var a = Side("side A", fd => fdA = fd, () => toB!, serves: true);
        var b = Side("side B", fd => fdB = fd, () => toA!, serves: false);
        Assert.True(ready.SignalAndWait(Until.Hang));
        toA = UintrSender.Register(fdA!);
        toB = UintrSender.Register(fdB!);
        registered.Set();
        Assert.True(ready.SignalAndWait(Until.Hang), "a side hung");
        Assert.Equal(Rounds, a.Result());
        Assert.Equal(Rounds, b.Result());
        toA.Dispose();
        toB.Dispose();
    }

    protected void A_blocked_Wait_is_woken_by_a_post_from_a_timer_thread() => OwnThread.Run(() =>
    {
        var recorder = new Recorder();
        using var receiver = Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(7);
        using var sender = UintrSender.Register(fd);
        for (int round = 1; round <= 20; round++)
        {
            long blocks = receiver.Statistics.Blocks;
            Exception? failure = null;
            using var timer = new Timer(_ =>
            {
                try
                {
                    Until.Blocked(receiver, blocks); // the Wait is asleep in the kernel: this post must wake it
                    sender.Send();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            }, null, TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            bool woken = receiver.Wait(Until.Hang);
            Assert.Null(failure);
            Assert.True(woken, $"round {round}: the Wait ran to its timeout");
            Assert.Equal(round, recorder.Calls.Length);
        }
    });

    protected void A_send_after_the_vectors_fd_was_disposed_is_ECONNRESET_on_every_thread() => OwnThread.Run(() =>
    {
        using var receiver = Register(_ => { });
        UintrFd fd = receiver.CreateFd(3);
        using var sender = UintrSender.Register(fd);
        // A copy passed within the process is the same vector: its sender learns of the close too.
        UintrFd second = receiver.CreateFd(4);
        var (left, right) = PipeTestKit.SocketPair();
        using (left)
        using (right)
        {
            left.SendUintrFd(second);
            using UintrFd copy = right.ReceiveUintrFd();
            using var copySender = UintrSender.Register(copy);
            new TestThread<bool>(() => { sender.Send(); copySender.Send(); return true; }, "warm-up poster").Result();
            Assert.Equal(2, receiver.Poll());

            fd.Dispose();
            second.Dispose();
            Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(sender.Send).Errno);
            Assert.Equal(ECONNRESET, Assert.Throws<UintrException>(copySender.Send).Errno);
            Assert.Equal(ECONNRESET, new TestThread<bool>(() => { sender.Send(); return true; }, "late poster").Exception<UintrException>().Errno);
            Assert.Equal(ECONNRESET, new TestThread<bool>(() => { UintrSender.SendUipi(copySender.Index); return true; }, "late poster").Exception<UintrException>().Errno);
        }
    });

    protected void A_worker_posts_through_a_sender_registered_again_after_the_first_was_disposed() => OwnThread.Run(() =>
    {
        var recorder = new Recorder();
        using var receiver = Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(6);
        using var post = new BlockingCollection<UintrSender?>();
        var worker = new TestThread<int>(() =>
        {
            int sent = 0;
            foreach (UintrSender? sender in post.GetConsumingEnumerable())
            {
                sender!.Send();
                sent++;
            }
            return sent;
        }, "long-lived poster");
        for (int generation = 1; generation <= 50; generation++)
        {
            var sender = UintrSender.Register(fd);
            post.Add(sender);
            Assert.True(receiver.Wait(Until.Hang), $"generation {generation}: no delivery");
            sender.Dispose(); // on RFC v1 the worker's own entry is left; its next registration removes it
        }
        post.CompleteAdding();
        Assert.Equal(50, worker.Result());
        Assert.Equal(50, recorder.Calls.Length);
    });
}

/// <summary>The cross-thread cases on the futex path.</summary>
public sealed class FutexCrossThreadSenderTests() : CrossThreadSenderCases(UintrMode.Futex)
{
    [Fact]
    public void Posts_from_a_worker_thread() => Posts_from_a_worker_thread_reach_a_receiver_that_registered_the_sender();

    [Fact]
    public void Ping_pong_through_senders_registered_elsewhere() => Ping_pong_with_each_sides_sender_registered_on_a_third_thread();

    [Fact]
    public void A_timer_thread_wakes_a_blocked_Wait() => A_blocked_Wait_is_woken_by_a_post_from_a_timer_thread();

    [Fact]
    public void ECONNRESET_after_the_fd_was_disposed() => A_send_after_the_vectors_fd_was_disposed_is_ECONNRESET_on_every_thread();

    [Fact]
    public void Registering_again_for_a_long_lived_worker() => A_worker_posts_through_a_sender_registered_again_after_the_first_was_disposed();
}

/// <summary>The cross-thread cases on the native path: RFC v1's per-thread UITT under the simulator, or hardware.</summary>
[Trait("Category", "HardwareOnly")]
public sealed class HardwareCrossThreadSenderTests() : CrossThreadSenderCases(UintrMode.Native)
{
    [HardwareOnlyFact]
    public void Posts_from_a_worker_thread() => Posts_from_a_worker_thread_reach_a_receiver_that_registered_the_sender();

    [HardwareOnlyFact]
    public void Ping_pong_through_senders_registered_elsewhere() => Ping_pong_with_each_sides_sender_registered_on_a_third_thread();

    [HardwareOnlyFact]
    public void A_timer_thread_wakes_a_blocked_Wait() => A_blocked_Wait_is_woken_by_a_post_from_a_timer_thread();

    [HardwareOnlyFact]
    public void ECONNRESET_after_the_fd_was_disposed() => A_send_after_the_vectors_fd_was_disposed_is_ECONNRESET_on_every_thread();

    [HardwareOnlyFact]
    public void Registering_again_for_a_long_lived_worker() => A_worker_posts_through_a_sender_registered_again_after_the_first_was_disposed();
}
