using System.Runtime.CompilerServices;

namespace UintrIpc.Tests.Surface;

/// <summary>
/// Creating and disposing receivers, fds and senders, and failing to adopt descriptors, leaves
/// the process with the descriptors and mappings it had: counted in /proc/self after a
/// warm-up iteration, so process-wide state created once (the sender table) is already there.
/// </summary>
public sealed class DescriptorLeakTests
{
    private const int Iterations = 200;
    private const int Seals = LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL;

    /// <summary>
    /// Runs <paramref name="iteration"/> <see cref="Iterations"/> times between two counts and
    /// asserts they are equal. Other tests' threads and child processes can still be winding
    /// down, so a difference is measured again (up to three windows): a real leak adds
    /// entries in every window, noise does not repeat.
    /// </summary>
    private static void AssertNoLeak(Action iteration)
    {
        iteration();
        iteration();
        string? failure = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var before = ProcessResources.Settled();
            for (int i = 0; i < Iterations; i++)
                iteration();
            // No collection before counting: a descriptor or mapping only a finalizer would free is a leak.
            var after = ProcessResources.Now();
            if (after.SameCounts(before))
                return;
            failure = after.DescribeChangesSince(before);
        }
        Assert.Fail($"after {Iterations} iterations, in three windows: {failure}");
    }

    [Fact]
    public void Receiver_register_and_dispose_leaks_nothing() =>
        AssertNoLeak(() => UintrReceiver.Register(_ => { }).Dispose());

    [Fact]
    public void Fds_senders_and_deliveries_leak_nothing()
    {
        AssertNoLeak(() =>
        {
            using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
            using UintrFd a = receiver.CreateFd(0), b = receiver.CreateFd(33), c = receiver.CreateFd(63);
            using var sa = UintrSender.Register(a);
            using var sb = UintrSender.Register(b);
            using var sc = UintrSender.Register(c);
            sa.Send();
            sc.Send();
            Assert.Equal(2, receiver.Poll());
            sb.Send();
            Assert.True(receiver.Wait(TimeSpan.FromSeconds(10)));
            Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(1)));
        });
    }

    [Fact]
    public void Fd_create_and_dispose_on_one_receiver_leaks_nothing()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        AssertNoLeak(() =>
        {
            using UintrFd fd = receiver.CreateFd(12);
            using var sender = UintrSender.Register(fd);
            sender.Send();
            Assert.Equal(1, receiver.Poll());
        });
    }

    [Fact]
    public void Receiver_disposed_before_its_fds_and_senders_leaks_nothing()
    {
        AssertNoLeak(() =>
        {
            var receiver = UintrReceiver.Register(_ => { });
            UintrFd fd = receiver.CreateFd(5);
            var sender = UintrSender.Register(fd);
            receiver.Dispose();
            Assert.Equal(104, Assert.Throws<UintrException>(sender.Send).Errno);
            sender.Dispose();
            fd.Dispose();
        });
    }

    [Fact]
    public void Adopting_and_disposing_duplicates_leaks_nothing()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(9);
        AssertNoLeak(() =>
        {
            using UintrFd adopted = UintrFd.FromFileDescriptor(Sys.Dup(fd.FileDescriptor));
            using var sender = UintrSender.Register(adopted);
            sender.Send();
            Assert.Equal(1, receiver.Poll());
        });
    }

    [Fact]
    public void Failed_sender_registrations_leak_nothing()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd live = receiver.CreateFd(1);
        using var registered = UintrSender.Register(live);
        AssertNoLeak(() =>
        {
            Assert.Equal(106, Assert.Throws<UintrException>(() => UintrSender.Register(live)).Errno);
            UintrFd closing = receiver.CreateFd(2);
            using UintrFd copy = UintrFd.FromFileDescriptor(Sys.Dup(closing.FileDescriptor));
            closing.Dispose();
            Assert.Equal(104, Assert.Throws<UintrException>(() => UintrSender.Register(copy)).Errno);
        });
    }

    [Fact]
    public void Failed_FromFileDescriptor_calls_leak_nothing()
    {
        var junk = new byte[4096];
        new Random(7).NextBytes(junk);
        byte[] wrongVersion = BadInputTests.ValidHeader(3);
        wrongVersion[24] = 9;
        int eventFd = LibC.eventfd(0, LibC.O_CLOEXEC);
        int unsealed = Sys.CreateMemfd(4096, BadInputTests.ValidHeader(3), 0);
        int garbage = Sys.CreateMemfd(4096, junk, Seals);
        int badVersion = Sys.CreateMemfd(4096, wrongVersion, Seals);
        int closed = Sys.ClosedDescriptorNumber();
        try
        {
            AssertNoLeak(() =>
            {
                foreach (int fd in new[] { eventFd, unsealed, garbage, badVersion })
                    Assert.Equal(95, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(fd)).Errno);
                Assert.Equal(9, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(closed)).Errno);
                Assert.Equal(9, Assert.Throws<UintrException>(() => UintrFd.FromFileDescriptor(-1)).Errno);
            });
        }
        finally
        {
            foreach (int fd in new[] { eventFd, unsealed, garbage, badVersion })
                LibC.close(fd);
        }
    }

    [Fact]
    public void Waits_that_sleep_time_out_and_get_cancelled_leak_nothing()
    {
        AssertNoLeak(() =>
        {
            using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
            using UintrFd fd = receiver.CreateFd(4);
            Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(1)));
            using var cts = new CancellationTokenSource();
            cts.Cancel();
            Assert.ThrowsAny<OperationCanceledException>(() => receiver.Wait(Timeout.InfiniteTimeSpan, cts.Token));
        });
    }

    [Fact]
    public void An_abandoned_receiver_and_its_fds_are_closed_by_their_finalizers()
    {
        // Not disposing is a mistake, but a SafeHandle-based type is expected to release its
        // descriptor when collected; an abandoned vector page must not stay open for ever.
        Abandon();
        int before = CountUintrMemfds();
        for (int i = 0; i < 20; i++)
            Abandon();
        bool released = Until.True(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return CountUintrMemfds() <= before;
        }, TimeSpan.FromSeconds(10));
        Assert.True(released, $"{CountUintrMemfds() - before} vector page descriptors of 20 abandoned receivers are still open after collection");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Abandon()
    {
        var receiver = UintrReceiver.Register(_ => { });
        receiver.CreateFd(1);
        receiver.CreateFd(2);
    }

    private static int CountUintrMemfds() =>
        ProcessResources.Now().DescriptorTargets.Count(t => t.Contains("/memfd:uintr-ipc", StringComparison.Ordinal));
}
