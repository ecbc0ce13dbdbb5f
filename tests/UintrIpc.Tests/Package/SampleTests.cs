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
        Assert.Matches(@"\d(\.\d+)?× (faster|slower) than busy-polled eventfd, \d+(\.\d+)?× the raw shared-memory floor; asleep: \d+(\.\d+)?× blocking eventfd", conclusion);
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
