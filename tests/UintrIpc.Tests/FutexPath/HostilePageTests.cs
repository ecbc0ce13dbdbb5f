namespace UintrIpc.Tests.FutexPath;

/// <summary>
/// A holder of vector 3's descriptor maps the page and writes whatever it likes: the receiver
/// does not crash, sees nothing but vector 3 from that page, and its other vectors keep working.
/// </summary>
public sealed unsafe class HostilePageTests
{
    private const int Hostile = 3, Honest = 5, Idle = 60;
    private const int Rounds = 3000;

    [Theory]
    [InlineData(0)]
    [InlineData(30)]
    public void Scribbling_over_a_page_does_not_stop_other_vectors_or_invent_vectors(int spinMicroseconds)
    {
        var foreign = new List<int>();
        long honest = 0, hostile = 0;
        using var delivered = new SemaphoreSlim(0);
        using var receiver = UintrReceiver.Register(v =>
        {
            if (v == Honest)
            {
                Interlocked.Increment(ref honest);
                delivered.Release();
            }
            else if (v == Hostile)
                hostile++;
            else
                foreign.Add(v);
        }, new UintrReceiverOptions { SpinDuration = TimeSpan.FromMicroseconds(spinMicroseconds) });
        using UintrFd hostileFd = receiver.CreateFd(Hostile), honestFd = receiver.CreateFd(Honest), idleFd = receiver.CreateFd(Idle);
        using var honestSender = UintrSender.Register(honestFd);
        nint page = Sys.MapPage(hostileFd.FileDescriptor);
        nint upid = page + (64 * Hostile); // ABI section 2: vector v's UPID is in cache line v
        bool stop = false;
        long scribbled = 0;
        try
        {
            var scribbler = TestThread.Start(() =>
            {
                var rng = new Random(42);
                var bytes = new Span<byte>((void*)page, 4096);
                long passes = 0;
                while (!Volatile.Read(ref stop))
                {
                    Volatile.Write(ref scribbled, passes);
                    rng.NextBytes(bytes);
                    // And the values a targeted attack would pick for status and pir.
                    var words = new Span<uint>((void*)upid, 4);
                    words[0] = (passes % 5) switch { 0 => 0x00EB0000u, 1 => 0x00EB0001u, 2 => 0x00000006u, 3 => 0u, _ => 0xFFFFFFFFu };
                    *(ulong*)(upid + 8) = passes % 2 == 0 ? ulong.MaxValue : 1UL << Honest;
                    passes++;
                }
                return passes;
            }, "scribbler");
            // The race must really run: on a busy machine the honest rounds could otherwise be
            // over before the scribbler thread is first scheduled.
            Assert.True(Until.True(() => Volatile.Read(ref scribbled) >= 10), "the scribbler thread never ran");
            var waiter = TestThread.Start(() =>
            {
                while (Interlocked.Read(ref honest) < Rounds)
                {
                    if (!receiver.Wait(TimeSpan.FromSeconds(10)))
                        return "the receiver timed out";
                }
                return null;
            }, "receiver");
            for (int r = 0; r < Rounds; r++)
            {
                honestSender.Send();
                Assert.True(delivered.Wait(TimeSpan.FromSeconds(10)), $"send {r} of vector {Honest} was never delivered");
            }
            Assert.Null(waiter.Result());
            Volatile.Write(ref stop, true);
            Assert.True(scribbler.Result() > 0, "the scribbler made no pass");
        }
        finally
        {
            Volatile.Write(ref stop, true);
        }
        Assert.Empty(foreign);
        Assert.Equal(Rounds, honest);
        Assert.True(hostile > 0, "the garbage pir never counted as a post of its own vector");

        // The hostile page still posts only its own vector, and the receiver stays whole.
        new Span<byte>((void*)page, 4096).Clear();
        *(ulong*)(upid + 8) = ulong.MaxValue;
        receiver.Poll();
        Assert.Equal(0UL, receiver.PendingVectors);
        Assert.Empty(foreign);
        honestSender.Send();
        Assert.Equal(Bits.Of(Honest), receiver.PendingVectors);
        Sys.Unmap(page);
    }

    [Fact]
    public void Any_non_zero_pir_posts_only_the_pages_own_vector()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(Hostile), other = receiver.CreateFd(Honest);
        nint page = Sys.MapPage(fd.FileDescriptor);
        nint upid = page + (64 * Hostile);
        try
        {
            foreach (ulong pir in new[] { 1UL << Honest, 1UL << 63, ulong.MaxValue, 1UL })
            {
                *(ulong*)(upid + 8) = pir;
                Assert.Equal(Bits.Of(Hostile), receiver.PendingVectors);
                Assert.Equal(1, receiver.Poll());
            }
            Assert.Equal([Hostile, Hostile, Hostile, Hostile], recorder.Calls);
        }
        finally
        {
            Sys.Unmap(page);
        }
    }

    [Fact]
    public void The_page_cannot_be_resized_or_sealed_from_outside()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler);
        using UintrFd fd = receiver.CreateFd(Hostile);
        int descriptor = fd.FileDescriptor;

        Assert.Equal(-1, LibC.ftruncate(descriptor, 2048));
        Assert.Equal(LibC.EPERM, Sys.LastError);
        Assert.Equal(-1, LibC.ftruncate(descriptor, 0));
        Assert.Equal(LibC.EPERM, Sys.LastError);
        Assert.Equal(-1, LibC.ftruncate(descriptor, 8192));
        Assert.Equal(LibC.EPERM, Sys.LastError);
        Assert.Equal(-1, LibC.fcntl(descriptor, LibC.F_ADD_SEALS, LibC.F_SEAL_WRITE));
        Assert.Equal(LibC.EPERM, Sys.LastError);
        int seals = LibC.fcntl(descriptor, LibC.F_GET_SEALS, 0);
        Assert.Equal(LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL, seals & (LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL | LibC.F_SEAL_WRITE));

        // The same through a duplicate, as another process would hold it.
        int copy = Sys.Dup(descriptor);
        try
        {
            Assert.Equal(-1, LibC.ftruncate(copy, 1));
            Assert.Equal(LibC.EPERM, Sys.LastError);
        }
        finally
        {
            Sys.Close(copy);
        }

        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([Hostile], recorder.Calls);
    }

    [Fact]
    public void A_holder_sleeping_on_the_status_word_does_not_steal_the_receivers_wakeups()
    {
        // Senders wake every waiter on the page (INT_MAX), so a process parked on the same
        // futex word cannot take the receiver's wake-up.
        const int Rounds = 1000;
        using var delivered = new SemaphoreSlim(0);
        using var receiver = UintrReceiver.Register(_ => delivered.Release(), new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(Hostile);
        using var sender = UintrSender.Register(fd);
        nint page = Sys.MapPage(fd.FileDescriptor);
        bool stop = false;
        try
        {
            var thief = TestThread.Start(() =>
            {
                var timeout = new LibC.timespec { tv_sec = 0, tv_nsec = 5_000_000 };
                while (!Volatile.Read(ref stop))
                    Sys.FutexWait((uint*)(page + (64 * Hostile)), 0x00EB0000u, &timeout);
            }, "thief");
            int done = 0;
            var waiter = TestThread.Start(() =>
            {
                while (Volatile.Read(ref done) == 0)
                {
                    if (!receiver.Wait(TimeSpan.FromSeconds(10)) && Volatile.Read(ref done) == 0)
                        return "the receiver timed out: its wake-up was stolen";
                }
                return null;
            }, "receiver");
            for (int r = 0; r < Rounds; r++)
            {
                sender.Send();
                Assert.True(delivered.Wait(TimeSpan.FromSeconds(10)), $"send {r} was never delivered");
            }
            Volatile.Write(ref done, 1);
            sender.Send();
            Assert.Null(waiter.Result());
            Volatile.Write(ref stop, true);
            thief.Result();
        }
        finally
        {
            Volatile.Write(ref stop, true);
            Sys.Unmap(page);
        }
    }

    [Fact]
    public void One_send_wakes_both_a_sleeping_receiver_and_a_holder_asleep_on_the_same_word()
    {
        // One episode, both sleepers verified asleep in the kernel on the same futex word before
        // the single send: a wake of 1 would leave one of them asleep (the receiver, if the holder
        // took it, which is the stolen wake-up). INT_MAX (ABI section 4) wakes both.
        using var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(Hostile);
        using var sender = UintrSender.Register(fd);
        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            var waiter = TestThread.Start(() => receiver.Wait(TimeSpan.FromSeconds(30)), "steal-receiver");
            Until.Blocked(receiver);
            var holder = TestThread.Start(() =>
            {
                // Sleeps while the word says BLOCKED; a wake (or the word changing first) returns.
                var timeout = new LibC.timespec { tv_sec = 30 };
                Sys.FutexWait((uint*)(page + (64 * Hostile)), 0x00EB0000u, &timeout);
            }, "steal-holder");
            Assert.True(Until.True(() => Threads.AsleepInFutex("steal-receiver") && Threads.AsleepInFutex("steal-holder")),
                "the receiver and the holder did not both go to sleep on the page");

            sender.Send();
            Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the receiver's wake-up went to the other sleeper on its word");
            Assert.True(waiter.Result());
            Assert.True(holder.Join(TimeSpan.FromSeconds(10)), "the send woke only one of the two sleepers on the word");
        }
        finally
        {
            Sys.Unmap(page);
        }
    }
}
