using System.Text.RegularExpressions;
using UintrIpc.Tests.Package;

namespace UintrIpc.Tests.Async;

/// <summary>samples/AsyncServer runs: its receivers are awaited on a handful of threads and posts get delivered.</summary>
public sealed class AsyncServerSampleTests
{
    [Fact]
    public void AsyncServer_delivers_posts_to_many_awaited_receivers_on_few_threads()
    {
        string dll = Path.Combine(RepositoryPaths.Root, "samples", "AsyncServer", "bin", RepositoryPaths.Configuration, "net10.0", "AsyncServer.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (it is part of UintrIpc.sln)");
        var (exit, output) = RepositoryPaths.Run("dotnet", [dll, "--receivers", "300", "--seconds", "2", "--rate", "5000"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(exit == 0, output);
        Match total = Regex.Match(output, @"total: ([\d,]+) posts delivered to 300 receivers, at most (\d+) threads");
        Assert.True(total.Success, output);
        Assert.True(long.Parse(total.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) > 0, output);
        Assert.True(int.Parse(total.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) < 100, $"a thread per receiver? {output}");
        // The wake latency is printed beside the same server's on .NET async sockets.
        Assert.Matches(@"UintrIpc WaitAsync +[\d.]+ µs +[\d.]+ µs", output);
        Assert.Matches(@"\.NET async socket pair +[\d.]+ µs +[\d.]+ µs", output);
    }
}
