using System.Net.Sockets;

namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// /proc/self/fd before and after: the descriptors a test opens must all be closed when it has
/// disposed everything. Process-wide descriptors that some machinery opens once and keeps (the
/// library's process-watcher eventfd, .NET's socket engine and child-process plumbing) are
/// opened by a warm-up before the first snapshot.
/// </summary>
internal sealed class Descriptors
{
    private static readonly Lazy<bool> s_warmedUp = new(WarmUp);
    private readonly Dictionary<int, string> _before;

    private Descriptors(Dictionary<int, string> before) => _before = before;

    public static Descriptors Snapshot()
    {
        _ = s_warmedUp.Value;
        // Descriptors that earlier tests left to finalizers close now, not in the middle of this test.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return new Descriptors(Ours(Sys.Descriptors()));
    }

    /// <summary>
    /// Leaves out assembly files: the runtime maps an assembly the first time any code needs it
    /// (seen: Microsoft.Win32.Registry.dll, in Release runs) and keeps it open for good; a
    /// descriptor the library or a test leaks is a memfd, socket, pidfd, eventfd or pipe.
    /// </summary>
    private static Dictionary<int, string> Ours(Dictionary<int, string> descriptors) =>
        descriptors.Where(kv => !kv.Value.EndsWith(".dll", StringComparison.Ordinal)).ToDictionary();

    /// <summary>
    /// Fails if the process has a descriptor it did not have at the snapshot. Polls for a while
    /// first, so that a descriptor some unrelated runtime thread holds for a moment cannot fail
    /// the test; a leaked descriptor never goes away and fails it. A descriptor that went away
    /// is not this test's: tests run in parallel, and another one's child-process pipe closed
    /// during this one (seen in a full run).
    /// </summary>
    public void AssertNoneAdded(string when = "after the test")
    {
        Dictionary<int, string> now = Ours(Sys.Descriptors());
        Until.True(() => Same(now = Ours(Sys.Descriptors())), TimeSpan.FromSeconds(3));
        if (Same(now))
            return;
        var added = now.Where(kv => !_before.TryGetValue(kv.Key, out string? t) || t != kv.Value).Select(kv => $"{kv.Key} -> {kv.Value}");
        var removed = _before.Where(kv => !now.TryGetValue(kv.Key, out string? t) || t != kv.Value).Select(kv => $"{kv.Key} -> {kv.Value}");
        Assert.Fail($"/proc/self/fd {when}: {now.Count} descriptors, {_before.Count} before.\n" +
            $"  new: {string.Join(", ", added)}\n  gone: {string.Join(", ", removed)}");
    }

    private bool Same(Dictionary<int, string> now) =>
        now.All(kv => _before.TryGetValue(kv.Key, out string? t) && t == kv.Value);

    private static bool WarmUp()
    {
        // The library's process watcher: a sender registered on a descriptor that came over a
        // socket from its receiver (here: this process) starts the watcher thread and its eventfd.
        using (var receiver = UintrReceiver.Register(_ => { }))
        using (UintrFd fd = receiver.CreateFd(63))
        {
            var (a, b) = Sys.SocketPair(LibC.SOCK_STREAM);
            using (a)
            using (b)
            {
                a.SendUintrFd(fd);
                using UintrFd received = b.ReceiveUintrFd();
                using var sender = UintrSender.Register(received);
                sender.Send();
                Assert.Equal(1, receiver.Poll());

                // .NET's socket engine (epoll) starts on the first asynchronous operation.
                using var cts = new CancellationTokenSource();
                Task<UintrFd> pending = b.ReceiveUintrFdAsync(cts.Token).AsTask();
                cts.Cancel();
                Assert.True(((Task)pending).ContinueWith(_ => { }).Wait(Until.Hang));
            }
        }

        // The poll thread (and its eventfd) an asynchronous send starts when a socket is full.
        UintrIpc.Wire.SocketWritability.EnsureStarted();

        // Child-process plumbing (SIGCHLD handling) starts with the first child.
        using (var child = Process.Start(new ProcessStartInfo(PeerProcess.DotnetHost, [PeerProcess.PeerDll, "ready"])
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!)
        {
            Assert.Equal("ready", child.StandardOutput.ReadToEnd().Trim());
            Assert.True(child.WaitForExit(Until.Hang), "the test peer did not exit");
            Assert.Equal(0, child.ExitCode);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return true;
    }
}
