using System.Diagnostics;
using System.Net.Sockets;

namespace UintrIpc.Bench.Modes;

/// <summary>
/// <c>death [--iterations N]</c>: how long after <c>kill -9</c> of the receiver's process a
/// sender's <c>Send</c> throws ESHUTDOWN, measured from the <c>kill</c> call as a user sees it.
/// Each iteration starts a child that inherits one end of a socketpair (the case a pidfd watch
/// could not cover: the socket's peer credentials name this process), receives its vector,
/// kills it and sends until Send fails. Also shows when the process was reaped, for contrast.
/// </summary>
internal sealed class DeathMode : IBenchMode
{
    private const string ChildCommand = "death-child";

    public string Name => "death";

    public string Description => "ESHUTDOWN latency from kill -9 of the receiver (socketpair child); --iterations N (100)";

    public int Run(string[] args)
    {
        if (args is [ChildCommand, var fd])
            return Child(int.Parse(fd, System.Globalization.CultureInfo.InvariantCulture));
        var options = CommandLine.Parse(args, "--iterations");
        int iterations = (int)options.Int("--iterations", 100);
        var fromKill = new List<double>(iterations);
        var fromReap = new List<double>(iterations);
        int failures = 0;
        for (int i = 0; i < iterations; i++)
        {
            (double shutdown, double reaped)? result = Once();
            if (result is { } r)
            {
                fromKill.Add(r.shutdown);
                fromReap.Add(r.reaped);
            }
            else
            {
                failures++;
            }
        }
        Console.WriteLine($"{iterations} kills of a receiver in a socketpair child; {failures} without ESHUTDOWN within 5 s");
        Print("kill call -> Send throws ESHUTDOWN", fromKill);
        Print("kill call -> child reaped (waitpid)", fromReap);
        return failures == 0 ? 0 : 1;
    }

    private static (double, double)? Once()
    {
        var (mine, theirs) = UintrFdPassing.CreateSocketPair();
        using (mine)
        {
            theirs.AllowInheritance();
            string self = Environment.ProcessPath!;
            string[] prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(DeathMode).Assembly.Location] : [];
            var info = new ProcessStartInfo(self, [.. prefix, "death", ChildCommand, ((int)theirs.SafeHandle.DangerousGetHandle()).ToString(System.Globalization.CultureInfo.InvariantCulture)])
            {
                UseShellExecute = false,
            };
            using Process child = Process.Start(info)!;
            theirs.Dispose();
            using UintrFd fd = mine.ReceiveUintrFd();
            using var sender = UintrSender.Register(fd);
            sender.Send();

            long killed = Stopwatch.GetTimestamp();
            child.Kill();
            double? shutdown = null;
            while (Stopwatch.GetElapsedTime(killed) < TimeSpan.FromSeconds(5))
            {
                try
                {
                    sender.Send();
                }
                catch (UintrException e) when (e.Errno == 108)
                {
                    shutdown = Stopwatch.GetElapsedTime(killed).TotalMilliseconds;
                    break;
                }
            }
            child.WaitForExit();
            double reaped = Stopwatch.GetElapsedTime(killed).TotalMilliseconds;
            return shutdown is { } s ? (s, reaped) : null;
        }
    }

    /// <summary>The child: a receiver whose vector goes over the inherited socket; then it waits to be killed.</summary>
    private static int Child(int socketFd)
    {
        using var socket = new Socket(new SafeSocketHandle(socketFd, ownsHandle: true));
        using var receiver = UintrReceiver.Register(static _ => { });
        using UintrFd fd = receiver.CreateFd(0);
        socket.SendUintrFd(fd);
        socket.Receive(new byte[1]); // until killed (or the parent goes away)
        return 0;
    }

    private static void Print(string what, List<double> ms)
    {
        if (ms.Count == 0)
            return;
        ms.Sort();
        double At(double q) => ms[Math.Min(ms.Count - 1, (int)(q * ms.Count))];
        Console.WriteLine($"{what,-40} p50 {At(0.5),8:F3} ms   p99 {At(0.99),8:F3} ms   max {ms[^1],8:F3} ms");
    }
}
