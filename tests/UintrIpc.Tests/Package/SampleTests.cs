namespace UintrIpc.Tests.Package;

/// <summary>The samples do what the README says.</summary>
public sealed class SampleTests
{
    private static string SampleDll(string name)
    {
        string dll = Path.Combine(RepositoryPaths.Root, "samples", name, "bin", RepositoryPaths.Configuration, "net10.0", name + ".dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (it is part of UintrIpc.sln)");
        return dll;
    }

    /// <summary>
    /// PingPong's output explains itself: one short line for the path and why, the full
    /// detection only with --verbose, and a conclusion computed from the run's own medians.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PingPong_says_its_path_in_one_line_and_concludes_from_its_numbers(bool verbose)
    {
        var (exit, output) = RepositoryPaths.Run("dotnet", [SampleDll("PingPong"), "--rounds", "300", .. verbose ? new[] { "--verbose" } : []],
            timeout: TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, output);
        string[] lines = output.Split('\n');
        string path = Assert.Single(lines, l => l.StartsWith("delivery path: ", StringComparison.Ordinal));
        Assert.True(path.Length < 200, $"the path line is {path.Length} characters: {path}");
        Assert.Equal(verbose, lines.Any(l => l.Contains(UintrCapabilities.Current.Reason, StringComparison.Ordinal)));
        string conclusion = Assert.Single(lines, l => l.StartsWith("this run (medians): uintr: ", StringComparison.Ordinal));
        const string Compare = @"(\d+ % (faster|slower) than|\d+(\.\d)? times (faster|slower) than|as fast as)";
        Assert.Matches($@"^this run \(medians\): uintr: {Compare} busy-polled eventfd, {Compare} the raw shared-memory floor(, a difference within this run's noise \(no mechanism beats the floor\))?; asleep: {Compare} blocking eventfd\r?$", conclusion);
        Assert.DoesNotContain("×", conclusion);
        Assert.Contains(lines, l => l.Contains("CPU / round trip", StringComparison.Ordinal));
    }

    /// <summary>
    /// The main job on the native path (RFC v1's per-thread tables, one receiver per thread) under
    /// the UINTR simulator: it completes and says that the path is simulated.
    /// </summary>
    [Fact]
    public void PingPong_runs_on_the_simulated_native_path_and_says_so()
    {
        var (exit, output) = RepositoryPaths.Run("dotnet", [SampleDll("PingPong"), "--rounds", "300"],
            timeout: TimeSpan.FromMinutes(3), environment: new Dictionary<string, string> { ["UINTR_IPC_SIMULATE"] = "1" });
        Assert.True(exit == 0, output);
        Assert.Contains("delivery path: native (simulated) — the UINTR simulator", output);
        Assert.Contains("this run (medians): uintr: ", output);
    }

    [Fact]
    public void Hello_interrupts_both_ways()
    {
        var (exit, output) = RepositoryPaths.Run("dotnet", [SampleDll("Hello")], timeout: TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, output);
        Assert.Contains("child: interrupt 2", output);
        Assert.Contains("parent: interrupt 1", output);
        Assert.Contains("hello: both ways", output);
    }
}
