using System.Net.Sockets;
using System.Text;

namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// A child process connected to this one by a Unix stream socket: the test listens on a fresh
/// path, starts the child with that path on its command line, and accepts its connection.
/// Used for the test peer (tests/UintrIpc.TestPeer, run with <c>dotnet</c>) and for the C sender.
/// Every wait has a hang deadline; disposing kills a child that is still running.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    private readonly StringBuilder _output;
    private readonly string _path;

    private PeerProcess(Process process, Socket socket, string path, StringBuilder output)
    {
        _output = output;
        Process = process;
        Socket = socket;
        _path = path;
    }

    public Process Process { get; }

    /// <summary>This process's end of the connection.</summary>
    public Socket Socket { get; }

    public int Pid => Process.Id;

    /// <summary>The dotnet host that runs the test peer.</summary>
    public static string DotnetHost { get; } = FindDotnetHost();

    /// <summary>tests/UintrIpc.TestPeer's build output, built with the tests (a ProjectReference).</summary>
    public static string PeerDll { get; } = FindPeerDll();

    /// <summary>Starts the test peer: <c>dotnet UintrIpc.TestPeer.dll command socketPath args...</c>.</summary>
    public static PeerProcess StartPeer(string command, params string[] args) =>
        Start(DotnetHost, path => [PeerDll, command, path, .. args]);

    /// <summary>Starts <paramref name="fileName"/> with the arguments <paramref name="arguments"/> makes from the socket path.</summary>
    public static PeerProcess Start(string fileName, Func<string, string[]> arguments)
    {
        string path = Path.Combine(Path.GetTempPath(), $"uintr-xp-{Guid.NewGuid():N}.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var info = new ProcessStartInfo(fileName, arguments(path))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var output = new StringBuilder();
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        Assert.True(process.Start(), $"could not start {fileName}");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Accept, unless the child exits first or never connects.
        var clock = Stopwatch.StartNew();
        while (!listener.Poll(TimeSpan.FromMilliseconds(50), SelectMode.SelectRead))
        {
            if (process.HasExited || clock.Elapsed > Until.Hang)
            {
                bool exited = process.HasExited;
                if (!exited)
                    process.Kill(entireProcessTree: true);
                process.WaitForExit();
                string why = exited ? $"exited with code {process.ExitCode}" : $"did not connect within {Until.Hang}";
                string text;
                lock (output)
                    text = output.ToString();
                process.Dispose();
                File.Delete(path);
                Assert.Fail($"{fileName} {string.Join(' ', info.ArgumentList)} {why} before connecting to {path}. Output:\n{text}");
            }
        }
        Socket socket = listener.Accept();
        File.Delete(path);
        return new PeerProcess(process, socket, path, output);
    }

    /// <summary>What the child has written to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public string Describe() =>
        $"child {Pid} ({(Process.HasExited ? $"exited with code {Process.ExitCode}" : "running")}); output:\n{Output}";

    /// <summary>Waits until the child's next message is readable; fails the test on a hang.</summary>
    public void WaitReadable() =>
        Assert.True(Socket.Poll(Until.Hang, SelectMode.SelectRead), $"no message from the child within {Until.Hang}: {Describe()}");

    /// <summary>One byte from the child; fails the test if the child closed the connection.</summary>
    public byte ReadByte()
    {
        WaitReadable();
        var one = new byte[1];
        int n = Socket.Receive(one);
        Assert.True(n == 1, $"the child closed the connection: {Describe()}");
        return one[0];
    }

    /// <summary>Reads the child's next reply and fails unless it is <paramref name="expected"/>.</summary>
    public void Expect(char expected)
    {
        byte got = ReadByte();
        if (got == 'E')
            Assert.Fail($"expected '{expected}' from the child, got a UintrException errno {ReadByte()}: {Describe()}");
        Assert.True(got == expected, $"expected '{expected}' from the child, got '{(char)got}' ({got}): {Describe()}");
    }

    /// <summary>Reads an 'E' errno reply and returns the errno.</summary>
    public int ExpectError()
    {
        byte got = ReadByte();
        Assert.True(got == 'E', $"expected an 'E' errno reply from the child, got '{(char)got}': {Describe()}");
        return ReadByte();
    }

    public void Command(char command) => Assert.Equal(1, Socket.Send([(byte)command]));

    public UintrFd ReceiveUintrFd()
    {
        WaitReadable();
        return Socket.ReceiveUintrFd();
    }

    /// <summary>kill -9, and waits until the child is gone (reaped).</summary>
    public void Kill()
    {
        Process.Kill();
        Assert.True(Process.WaitForExit(Until.Hang), $"child {Pid} survived SIGKILL");
    }

    /// <summary>Waits for the child to exit by itself and returns its exit code; fails the test on a hang.</summary>
    public int WaitForExit()
    {
        if (!Process.WaitForExit(Until.Hang))
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            Assert.Fail($"child {Pid} did not exit within {Until.Hang}: {Describe()}");
        }
        Process.WaitForExit(); // drains the redirected output
        return Process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
        }
        Socket.Dispose();
        Process.Dispose();
        File.Delete(_path);
    }

    private static string FindDotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        return "dotnet";
    }

    private static string FindPeerDll()
    {
        // This assembly runs from <repo>/tests/UintrIpc.Tests/bin/<Configuration>/<tfm>/.
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = output.Name;
        string configuration = output.Parent?.Name ?? "Debug";
        DirectoryInfo? repo = output;
        while (repo is not null && !File.Exists(Path.Combine(repo.FullName, "UintrIpc.sln")))
            repo = repo.Parent;
        Assert.True(repo is not null, $"no UintrIpc.sln above {AppContext.BaseDirectory}");
        string peerBin = Path.Combine(repo.FullName, "tests", "UintrIpc.TestPeer", "bin");
        string expected = Path.Combine(peerBin, configuration, tfm, "UintrIpc.TestPeer.dll");
        if (File.Exists(expected))
            return expected;
        string? any = Directory.Exists(peerBin)
            ? Directory.EnumerateFiles(peerBin, "UintrIpc.TestPeer.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        Assert.True(any is not null, $"the test peer is not built: {expected} is missing (build tests/UintrIpc.TestPeer)");
        return any;
    }
}
