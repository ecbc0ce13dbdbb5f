namespace UintrIpc.Tests.Package;

/// <summary>Where the repository and this build's outputs are, found from the test assembly.</summary>
internal static class RepositoryPaths
{
    /// <summary>The directory holding UintrIpc.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The configuration these tests were built in (the package is packed in the same).</summary>
    public const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>libuintripc.so as copied next to the tests (with its symbols).</summary>
    public static string NativeLibrary => Path.Combine(AppContext.BaseDirectory, "libuintripc.so");

    /// <summary>The stripped copy of libuintripc.so the package carries.</summary>
    public static string PackagedNativeLibrary => Path.Combine(Root, "native", "build", Configuration, "package", "libuintripc.so");

    /// <summary>Runs a program to completion (bounded), returning its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName, arguments)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} {string.Join(' ', arguments)} did not finish in time");
        }
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "UintrIpc.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No UintrIpc.sln above {AppContext.BaseDirectory}.");
    }
}
