namespace UintrIpc.Tests.Infrastructure;

/// <summary>
/// The JIT's optimized code for one method, as a test peer command runs it: the instruction-shape
/// checks read the barrier a protocol step needs from it, since the races a missing barrier
/// opens are too rare to catch by running them.
/// </summary>
internal static class JitListing
{
    public static async Task<string> Of(string peerCommand, string method)
    {
        var info = new ProcessStartInfo(PeerProcess.DotnetHost, [PeerProcess.PeerDll, peerCommand])
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        info.Environment["DOTNET_TieredCompilation"] = "0"; // the optimized code, at once
        info.Environment["DOTNET_JitDisasm"] = method;
        using Process process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string listing = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(Until.Hang), $"{peerCommand} hung");
        Assert.True(process.ExitCode == 0, $"{peerCommand} exited {process.ExitCode}: {await stderr}");
        return listing;
    }
}
