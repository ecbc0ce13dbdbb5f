namespace UintrIpc.Tests.FutexPath;

/// <summary>The vector page as docs/ABI.md defines it, seen through another mapping of the descriptor.</summary>
public sealed unsafe class PageLayoutTests
{
    private const uint Running = 0x00EC0002, Blocked = 0x00EB0000, Closed = 0x00000006;

    /// <summary>Vector v's UPID is in cache line v of its page (ABI section 2).</summary>
    private static nint Upid(nint page, int vector) => page + (64 * vector);

    [Fact]
    public void A_created_fd_is_a_sealed_close_on_exec_page_with_the_abi_header()
    {
        using var receiver = UintrReceiver.Register(_ => { });
        using UintrFd fd = receiver.CreateFd(42);
        int flags = LibC.fcntl(fd.FileDescriptor, LibC.F_GETFD, 0);
        Assert.Equal(1, flags & 1); // FD_CLOEXEC
        int seals = LibC.fcntl(fd.FileDescriptor, LibC.F_GET_SEALS, 0);
        Assert.Equal(LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_SEAL, seals & 0xF);
        using (var borrowed = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd.FileDescriptor, ownsHandle: false))
            Assert.Equal(4096, RandomAccess.GetLength(borrowed));

        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            nint upid = Upid(page, 42);
            Assert.Equal(64 * 42, (int)(upid - page));
            Assert.Equal(Running, *(uint*)upid);
            Assert.Equal(0u, *(uint*)(upid + 4));                          // ndst
            Assert.Equal(0UL, *(ulong*)(upid + 8));                        // pir
            Assert.Equal(0x43504952544E4955UL, *(ulong*)(page + 16));      // "UINTRIPC"
            Assert.Equal("UINTRIPC", System.Text.Encoding.ASCII.GetString(new ReadOnlySpan<byte>((void*)(page + 16), 8)));
            Assert.Equal(2u, *(uint*)(page + 24));                         // version
            Assert.Equal(42u, *(uint*)(page + 28));                        // vector
            Assert.Equal((uint)Environment.ProcessId, *(uint*)(page + 32)); // receiver_pid
            Assert.Equal(64u * 42, *(uint*)(page + 36));                    // upid_offset
            Assert.True(new ReadOnlySpan<byte>((void*)page, 16).IndexOfAnyExcept((byte)0) < 0, "bytes 0-15 are not zero");
            Assert.True(new ReadOnlySpan<byte>((void*)(page + 48), (int)(upid - page) - 48).IndexOfAnyExcept((byte)0) < 0, "the reserved area before the UPID is not zero");
            Assert.True(new ReadOnlySpan<byte>((void*)(upid + 16), 32).IndexOfAnyExcept((byte)0) < 0, "the reserved area between the UPID and the owner word is not zero");
            uint owner = *(uint*)(upid + 48);                               // owner: a live keeper thread's id
            Assert.True(owner != 0 && (owner & 0xC000_0000) == 0, $"owner word {owner:x8} is not a thread id");
            Assert.True(Directory.Exists($"/proc/self/task/{owner}"), $"owner word {owner} is not a thread of this process");
            Assert.True(new ReadOnlySpan<byte>((void*)(upid + 52), 4096 - (int)(upid - page) - 52).IndexOfAnyExcept((byte)0) < 0, "the reserved area after the owner word is not zero");
        }
        finally
        {
            Sys.Unmap(page);
        }
    }

    [Fact]
    public void All_pages_of_a_receiver_carry_the_same_receiver_id_and_other_receivers_another()
    {
        using var a = UintrReceiver.Register(_ => { });
        using var b = UintrReceiver.Register(_ => { });
        using UintrFd a1 = a.CreateFd(1), a2 = a.CreateFd(2), b1 = b.CreateFd(1);
        ulong Id(UintrFd fd)
        {
            nint page = Sys.MapPage(fd.FileDescriptor);
            try
            {
                return *(ulong*)(page + 40);
            }
            finally
            {
                Sys.Unmap(page);
            }
        }
        Assert.Equal(Id(a1), Id(a2));
        Assert.NotEqual(Id(a1), Id(b1));
    }

    [Fact]
    public void Status_is_blocked_while_the_receiver_sleeps_running_after_and_closed_after_dispose()
    {
        var receiver = UintrReceiver.Register(_ => { }, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        UintrFd fd = receiver.CreateFd(3);
        int copy = Sys.Dup(fd.FileDescriptor);
        nint page = Sys.MapPage(copy);
        nint upid = Upid(page, 3);
        try
        {
            using var sender = UintrSender.Register(fd);
            var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
            Until.Blocked(receiver);
            uint asleep = Volatile.Read(ref *(uint*)upid);
            sender.Send();
            Assert.True(waiter.Result());
            Assert.Equal(Blocked, asleep); // only a sender sets ON, and none had sent yet
            Assert.Equal(Running, Volatile.Read(ref *(uint*)upid));
            Assert.Equal(0UL, Volatile.Read(ref *(ulong*)(upid + 8)));

            fd.Dispose();
            Assert.Equal(Closed, Volatile.Read(ref *(uint*)upid));
            receiver.Dispose();
            Assert.Equal(Closed, Volatile.Read(ref *(uint*)upid));
        }
        finally
        {
            Sys.Unmap(page);
            Sys.Close(copy);
            receiver.Dispose();
        }
    }

    [Fact]
    public void Receiver_dispose_closes_every_page()
    {
        var receiver = UintrReceiver.Register(_ => { });
        var fds = new[] { 0, 31, 63 }.Select(receiver.CreateFd).ToArray();
        var pages = fds.Select(f => Sys.MapPage(f.FileDescriptor)).ToArray();
        try
        {
            receiver.Dispose();
            for (int i = 0; i < fds.Length; i++)
                Assert.Equal(Closed, Volatile.Read(ref *(uint*)Upid(pages[i], new[] { 0, 31, 63 }[i])));
        }
        finally
        {
            Array.ForEach(pages, Sys.Unmap);
            Array.ForEach(fds, f => f.Dispose());
        }
    }

    [Fact]
    public void A_post_made_through_the_page_by_the_abi_sender_algorithm_wakes_a_sleeping_receiver()
    {
        // ABI section 4, by hand, as a program in another language would do it.
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, new UintrReceiverOptions { SpinDuration = TimeSpan.Zero });
        using UintrFd fd = receiver.CreateFd(17);
        nint page = Sys.MapPage(fd.FileDescriptor);
        try
        {
            for (int round = 0; round < 200; round++)
            {
                long blocks = receiver.Statistics.Blocks;
                var waiter = TestThread.Start(() => receiver.Wait(Until.Hang));
                Until.Blocked(receiver, blocks);
                nint upid = page + (nint)(*(uint*)(page + 36));                  // upid_offset
                ref uint status = ref *(uint*)upid;
                Assert.Equal(0u, Volatile.Read(ref status) & 4);                // S1, S2
                Interlocked.Or(ref *(ulong*)(upid + 8), 1UL << 17);             // S4
                uint s = Volatile.Read(ref status);                              // S5
                if ((s & 7) == 0 && Interlocked.CompareExchange(ref status, s | 1, s) == s)
                    Sys.FutexWakeAll((uint*)upid);                                  // S7
                Assert.True(waiter.Result());
            }
            Assert.Equal(200, recorder.Count(17));
        }
        finally
        {
            Sys.Unmap(page);
        }
    }
}
