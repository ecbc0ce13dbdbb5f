using UintrIpc.Delivery;
using UintrIpc.Detection;
using UintrIpc.Interop;
using UintrIpc.Hardware;

namespace UintrIpc.Tests.Hardware;

/// <summary>
/// What only asynchronous delivery produces: the C handler runs at whatever instruction the
/// owner thread is executing, in the middle of Poll, of Dispose, with UIF clear, under a
/// managed handler that throws. Hardware-only (run with <c>UINTR_IPC_SIMULATE=1</c> here,
/// against hardware on a UINTR machine). Every race runs many rounds with the poster spinning
/// and the receiver busy at once.
/// </summary>
[Trait("Category", "HardwareOnly")]
public sealed class AsynchronousDeliveryTests
{
    private const int Vector = 5;
    private const ulong Bit = 1UL << Vector;

    private static UintrReceiverOptions Native => new() { Mode = UintrMode.Native };

    [HardwareOnlyFact]
    public void A_clear_UIF_holds_a_post_pending_and_STUI_delivers_it() => OwnThread.Run(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        using var sender = new HardwareSender(fd);
        for (int round = 0; round < 100; round++)
        {
            Shim.Clui();
            sender.Post();
            Thread.SpinWait(1000); // on hardware the self-IPI arrives meanwhile; the model processes it at once
            Assert.Equal(0, Shim.Testui());
            Assert.Equal(0UL, path.Peek(ulong.MaxValue)); // held in UIRR: the handler has not run
            Shim.Stui();
            Assert.True(Until.True(() => path.Peek(Bit) != 0), $"round {round}: STUI did not deliver the held interrupt");
            Assert.Equal(Bit, path.Collect(ulong.MaxValue));
            Assert.Equal(1, Shim.Testui());
        }
    });

    [HardwareOnlyFact]
    public void A_post_from_another_thread_while_UIF_is_clear_waits_for_STUI() => OwnThread.Run(() =>
    {
        using var path = new HardwareReceiverPath();
        using SafeFileDescriptorHandle fd = path.OpenVector(Vector);
        var posted = new ManualResetEventSlim();
        Shim.Clui();
        var poster = new Thread(() =>
        {
            using var sender = new HardwareSender(fd);
            sender.Post();
            posted.Set();
        });
        poster.Start();
        Assert.True(posted.Wait(Until.Hang));
        poster.Join();
        // The notification may be processed at any instruction from here on; UIF holds the delivery.
        for (int i = 0; i < 1000; i++)
        {
            Thread.SpinWait(100);
            Assert.Equal(0UL, path.Peek(ulong.MaxValue));
        }
        Shim.Stui();
        Assert.True(Until.True(() => path.Peek(Bit) != 0), "STUI did not deliver the interrupt held while UIF was clear");
    });

    [HardwareOnlyFact]
    public void Interrupts_arriving_in_the_middle_of_Poll_are_each_delivered_once() => OwnThread.Run(() =>
    {
        const int Rounds = 10_000;
        long deliveries = 0;
        using var receiver = UintrReceiver.Register(v => { Assert.Equal(Vector, v); Volatile.Write(ref deliveries, deliveries + 1); }, Native);
        using UintrFd fd = receiver.CreateFd(Vector);
        Exception? failure = null;
        var poster = new Thread(() =>
        {
            try
            {
                using var sender = UintrSender.Register(fd); // RFC v1: the UITT belongs to this thread
                for (int round = 1; round <= Rounds; round++)
                {
                    sender.Send();
                    if (!SpinUntil(() => Volatile.Read(ref deliveries) >= round))
                        throw new Xunit.Sdk.XunitException($"round {round}: the interrupt was lost (deliveries {Volatile.Read(ref deliveries)})");
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        poster.Start();
        var clock = Stopwatch.StartNew();
        while (poster.IsAlive && clock.Elapsed < TimeSpan.FromMinutes(2))
            receiver.Poll(); // the handler lands anywhere in here
        poster.Join();
        Assert.Null(failure);
        receiver.Poll();
        Assert.Equal(Rounds, Volatile.Read(ref deliveries)); // none lost, none twice
        Assert.Equal(Rounds, receiver.Statistics.Deliveries);
    });

    [HardwareOnlyFact]
    public void Posts_arriving_during_Dispose_neither_crash_nor_outlive_it() => OwnThread.Run(() =>
    {
        for (int round = 0; round < 100; round++)
        {
            var path = new HardwareReceiverPath();
            SafeFileDescriptorHandle fd = path.OpenVector(Vector);
            using var stop = new ManualResetEventSlim();
            var ready = new ManualResetEventSlim();
            Exception? failure = null;
            var poster = new Thread(() =>
            {
                try
                {
                    using var sender = new HardwareSender(fd); // keeps the descriptor open past Dispose
                    ready.Set();
                    while (!stop.IsSet)
                        sender.Post();
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            poster.Start();
            Assert.True(ready.Wait(Until.Hang));
            Assert.True(Until.True(() => path.Peek(Bit) != 0), "no post arrived before Dispose");
            path.Dispose(); // on the owner thread, with posts arriving throughout
            Assert.Equal(0, Shim.UintrCurrent());
            Thread.SpinWait(10_000);
            stop.Set();
            poster.Join();
            Assert.Null(failure);
        }
        // The thread is clean: a new receiver gets exactly its own posts.
        using var again = new HardwareReceiverPath();
        using SafeFileDescriptorHandle again3 = again.OpenVector(3);
        Assert.Equal(0UL, again.Peek(ulong.MaxValue));
        using var self = new HardwareSender(again3);
        self.Post();
        Assert.True(Until.True(() => again.Peek(ulong.MaxValue) != 0));
        Assert.Equal(1UL << 3, again.Collect(ulong.MaxValue));
    });

    [HardwareOnlyFact]
    public void Disposing_a_waiting_receiver_from_another_thread_while_posts_arrive_ends_the_Wait() => OwnThread.Run(() =>
    {
        for (int round = 0; round < 50; round++)
        {
            long deliveries = 0;
            var receiver = UintrReceiver.Register(_ => Interlocked.Increment(ref deliveries), Native); // reclaims last round's orphan
            UintrFd fd = receiver.CreateFd(Vector);
            using var stop = new ManualResetEventSlim();
            Exception? failure = null;
            bool disposed = false;
            var poster = new Thread(() =>
            {
                try
                {
                    using var sender = UintrSender.Register(fd);
                    while (!stop.IsSet)
                        sender.Send();
                }
                catch (UintrException e) when (e.Errno == 104 && Volatile.Read(ref disposed))
                {
                    // The receiver's Dispose closed the vector in this process: ECONNRESET, as on the futex path.
                }
                catch (Exception e)
                {
                    failure = e;
                }
            });
            var disposer = new Thread(() =>
            {
                Until.True(() => Interlocked.Read(ref deliveries) >= 10);
                Volatile.Write(ref disposed, true);
                receiver.Dispose(); // off the owner thread, in the middle of a Wait
            });
            poster.Start();
            disposer.Start();
            Assert.Throws<ObjectDisposedException>(() => WaitUntilDisposed(receiver));
            disposer.Join();
            long delivered = Interlocked.Read(ref deliveries);
            Thread.SpinWait(10_000);
            Assert.Equal(delivered, Interlocked.Read(ref deliveries)); // nothing is delivered after Dispose
            stop.Set();
            poster.Join();
            Assert.Null(failure);
            fd.Dispose();
        }
        // Whichever thread released the last one, this thread can register again.
        using var again = UintrReceiver.Register(_ => { }, Native);
        Assert.Equal(UintrMode.Native, again.Mode);
    });

    /// <summary>Spins without yielding (the other side is busy on the other CPU); false only on a hang.</summary>
    private static bool SpinUntil(Func<bool> condition)
    {
        long end = Stopwatch.GetTimestamp() + (long)(Until.Hang.TotalSeconds * Stopwatch.Frequency);
        while (!condition())
        {
            if (Stopwatch.GetTimestamp() > end)
                return condition();
            Thread.SpinWait(20);
        }
        return true;
    }

    private static void WaitUntilDisposed(UintrReceiver receiver)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Until.Hang)
            receiver.Wait(Until.Hang);
    }

    [HardwareOnlyFact]
    public void A_handler_that_throws_leaves_the_receiver_delivering() => OwnThread.Run(() =>
    {
        var calls = new List<int>();
        bool thrown = false;
        using var receiver = UintrReceiver.Register(v =>
        {
            calls.Add(v);
            if (v == 9 && !thrown)
            {
                thrown = true;
                throw new InvalidTimeZoneException("handler failure");
            }
        }, Native);
        using UintrFd nine = receiver.CreateFd(9);
        using UintrFd three = receiver.CreateFd(3);
        using var senderNine = UintrSender.Register(nine);
        using var senderThree = UintrSender.Register(three);
        senderNine.Send();
        senderThree.Send();
        Assert.True(Until.True(() => receiver.PendingVectors == ((1UL << 9) | (1UL << 3))));
        Assert.Throws<InvalidTimeZoneException>(() => receiver.Poll());
        Assert.True(receiver.InterruptsEnabled); // UIRET semantics survive the exception
        Assert.Equal(1, receiver.Poll());        // vector 3, still pending, exactly once
        senderNine.Send();
        Assert.True(receiver.Wait(Until.Hang));
        Assert.Equal([9, 3, 9], calls);
        Assert.Equal(0, receiver.Poll());
    });
}
