namespace UintrIpc.Tests.FutexPath;

/// <summary>
/// The C sender (samples/CSender, <c>csender &lt;socket-path&gt; [count]</c>): a program in
/// another language that follows docs/ABI.md receives a uintr fd over a Unix stream socket
/// (section 10) and posts (section 4); this process's receiver must see its posts.
/// </summary>
public sealed class CSenderTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(10);
    private static readonly UintrReceiverOptions NoSpin = new() { SpinDuration = TimeSpan.Zero };

    /// <summary>samples/CSender/build/csender, which make builds; the test fails (never skips) without it.</summary>
    private static string CSender()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "UintrIpc.sln")))
            dir = dir.Parent;
        Assert.True(dir is not null, $"no UintrIpc.sln above {AppContext.BaseDirectory}");
        string path = Path.Combine(dir.FullName, "samples", "CSender", "build", "csender");
        Assert.True(File.Exists(path),
            $"The C sender binary is missing: {path} does not exist. Build it with `make -C {Path.Combine(dir.FullName, "samples", "CSender")}` " +
            "(samples/CSender is the ABI's reference C sender; this test cannot run without it).");
        return path;
    }

    private static PeerProcess StartCSender(int? count) => StartCSender(count?.ToString());

    private static PeerProcess StartCSender(string? mode) =>
        PeerProcess.Start(CSender(), path => mode is not null ? [path, mode] : [path]);

    /// <summary>samples/CSender/README.md's two commands: samples/Listener listens, the C sender posts; the listener prints the interrupts.</summary>
    [Fact]
    public void The_Listener_sample_prints_the_C_senders_posts()
    {
        string listener = Path.Combine(Package.RepositoryPaths.Root, "samples", "Listener", "bin", Package.RepositoryPaths.Configuration, "net10.0", "Listener.dll");
        Assert.True(File.Exists(listener), $"{listener} is not built (it is part of UintrIpc.sln)");
        string path = Path.Combine(Path.GetTempPath(), $"uintr-listener-{Guid.NewGuid():N}.sock");
        var info = new ProcessStartInfo("dotnet", [listener, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lines.Add(line); };
        process.BeginOutputReadLine();
        try
        {
            Assert.True(lines.TryTake(out string? first, Until.Hang), "the listener printed nothing");
            Assert.StartsWith($"listening on {path}", first);

            var (csenderExit, csenderOutput) = Package.RepositoryPaths.Run(CSender(), [path, "5"], timeout: Until.Hang);
            Assert.True(csenderExit == 0, csenderOutput);
            Assert.True(process.WaitForExit(Until.Hang), "the listener did not exit after the C sender hung up");
            process.WaitForExit(); // the rest of the output
            string output = string.Join('\n', lines);
            Assert.True(process.ExitCode == 0, $"{output}\n{process.StandardError.ReadToEnd()}");
            Assert.Contains("interrupt 3 (1)", output);
            Assert.Matches(@"the sender hung up: [1-5] interrupts?", output);
        }
        finally
        {
            if (!process.HasExited)
                process.Kill();
            File.Delete(path);
        }
    }

    [Fact]
    public void One_post_from_the_C_sender_wakes_a_sleeping_receiver()
    {
        string csender = CSender();
        var descriptors = Descriptors.Snapshot();
        var recorder = new Recorder();
        using (var receiver = UintrReceiver.Register(recorder.Handler, NoSpin))
        using (UintrFd fd = receiver.CreateFd(12))
        using (UintrFd other = receiver.CreateFd(13))
        using (var peer = PeerProcess.Start(csender, path => [path]))
        {
            // Asleep in the kernel before the C sender has the descriptor: its post must wake us (S7).
            var waiter = TestThread.Start(() => receiver.Wait(Delivery), "waiter");
            Until.Blocked(receiver);
            peer.Socket.SendUintrFd(fd);
            Assert.True(waiter.Result(), $"the C sender's post did not wake the receiver within {Delivery}; {peer.Describe()}");
            Assert.Equal([12], recorder.Calls);
            Assert.True(peer.WaitForExit() == 0, $"csender failed: {peer.Describe()}");
            Assert.Equal(0, receiver.Poll());
            Assert.Equal(0UL, receiver.PendingVectors);
        }
        descriptors.AssertNoneAdded();
    }

    [Fact]
    public void A_thousand_posts_from_the_C_sender_while_nobody_waits_coalesce_into_one_delivery()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(12);
        using var peer = StartCSender(1000);
        peer.Socket.SendUintrFd(fd);
        Assert.True(peer.WaitForExit() == 0, $"csender failed: {peer.Describe()}");

        Assert.Equal(1UL << 12, receiver.PendingVectors);
        Assert.Equal(1, receiver.Poll());
        Assert.Equal([12], recorder.Calls);
        Assert.Equal(0, receiver.Poll());
        Assert.False(receiver.Wait(TimeSpan.FromMilliseconds(20)));
    }

    [Fact]
    public void A_thousand_posts_from_the_C_sender_while_the_receiver_waits_are_delivered_and_coalesced()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(12);
        using var peer = StartCSender(1000);

        var stop = 0;
        var waiter = TestThread.Start(() =>
        {
            int woken = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                if (receiver.Wait(TimeSpan.FromMilliseconds(100)))
                    woken++;
            }
            return woken;
        }, "waiter");
        Until.Blocked(receiver);
        peer.Socket.SendUintrFd(fd);
        int exitCode = peer.WaitForExit();
        Volatile.Write(ref stop, 1);
        int wakeups = waiter.Result();
        receiver.Poll();

        Assert.True(exitCode == 0, $"csender failed: {peer.Describe()}");
        int[] calls = recorder.Calls;
        Assert.All(calls, v => Assert.Equal(12, v));
        Assert.True(calls.Length >= 1, "none of the C sender's 1000 posts was delivered");
        Assert.True(calls.Length <= 1000, $"{calls.Length} deliveries for 1000 posts");
        Assert.True(wakeups >= 1, "the waiting receiver was never woken by the C sender");
        Assert.Equal(0UL, receiver.PendingVectors);
    }

    [Fact]
    public void The_C_sender_posts_only_its_own_vector()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd low = receiver.CreateFd(0);
        using UintrFd fd = receiver.CreateFd(63);
        using UintrFd mid = receiver.CreateFd(31);
        using var peer = StartCSender(5);
        peer.Socket.SendUintrFd(fd);
        Assert.True(peer.WaitForExit() == 0, $"csender failed: {peer.Describe()}");
        Assert.Equal(1UL << 63, receiver.PendingVectors);
        Assert.True(receiver.Wait(Delivery));
        Assert.Equal([63], recorder.Calls);
    }

    [Fact]
    public void The_C_sender_refuses_to_post_a_vector_its_receiver_has_closed()
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        UintrFd original = receiver.CreateFd(12);
        // A second descriptor of the same page, independent of the receiver's own instance.
        var (a, b) = Sys.SocketPair(LibC.SOCK_STREAM);
        using (a)
        using (b)
        {
            a.SendUintrFd(original);
            using UintrFd copy = b.ReceiveUintrFd();
            original.Dispose(); // closes vector 12: the page says CLOSED
            using var peer = StartCSender(10);
            peer.Socket.SendUintrFd(copy);
            Assert.True(peer.WaitForExit() == 3, $"csender should exit 3 (ECONNRESET) on a closed vector: {peer.Describe()}");
        }
        Assert.Equal(0, receiver.Poll());
        Assert.Empty(recorder.Calls);
    }

    /// <summary>
    /// A real C sender killed with SIGKILL in the middle of a send (after S4's post, or after
    /// S7's CAS of ON and before its FUTEX_WAKE) while the receiver sleeps: the next healthy send
    /// must wake the receiver (docs/ABI.md section 4, "The guarantee"). Version 1 of the protocol
    /// failed this: the healthy send coalesced at S3 or trusted ON, and nobody ever woke it.
    /// </summary>
    [Theory]
    [InlineData("crash-after-s4")]
    [InlineData("crash-after-on")]
    public void A_C_sender_killed_in_the_middle_of_a_send_does_not_stall_the_vector(string crashMode)
    {
        var recorder = new Recorder();
        using var receiver = UintrReceiver.Register(recorder.Handler, NoSpin);
        using UintrFd fd = receiver.CreateFd(40);
        var waiter = TestThread.Start(() => receiver.Wait(Timeout.InfiniteTimeSpan), "waiter");
        Until.Blocked(receiver);
        long wakeupsBefore = receiver.Statistics.Wakeups;

        using (var peer = StartCSender(crashMode))
        {
            peer.Socket.SendUintrFd(fd);
            int exit = peer.WaitForExit();
            Assert.True(exit == 128 + 9, $"csender {crashMode} should die of SIGKILL (exit 137): {peer.Describe()}");
        }

        using var sender = UintrSender.Register(fd);
        sender.Send();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), $"after a sender died {crashMode}, a healthy Send did not wake the sleeping receiver");
        Assert.True(waiter.Result());
        Assert.Equal([40], recorder.Calls);
        Assert.True(receiver.Statistics.Wakeups > wakeupsBefore, "the receiver returned without being woken by a post");
    }

    /// <summary>A C sender learns of its receiver's death from the page alone, with a descriptor forwarded by a third process.</summary>
    [Fact]
    public void The_C_sender_sees_its_receivers_death_in_the_page()
    {
        using var receiverPeer = PeerProcess.StartPeer("receiver", "6");
        using UintrFd fd = receiverPeer.ReceiveUintrFd();
        using var csender = StartCSender("until-gone");
        csender.Socket.SendUintrFd(fd); // forwarded: the C sender's socket peer is this process
        receiverPeer.Expect('V');       // the C sender's first post arrived
        Assert.Equal(6, receiverPeer.ReadByte());

        receiverPeer.Process.Kill();
        int exit = csender.WaitForExit();
        Assert.True(exit == 4, $"csender until-gone should exit 4 (ESHUTDOWN, seen in the page): {csender.Describe()}");
    }
}
