namespace UintrIpc.Tests.Package;

/// <summary>samples/Hello does what the README says: two processes, a vector each way.</summary>
public sealed class SampleTests
{
    [Fact]
    public void Hello_interrupts_both_ways()
    {
        string dll = Path.Combine(RepositoryPaths.Root, "samples", "Hello", "bin", RepositoryPaths.Configuration, "net10.0", "Hello.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built (it is part of UintrIpc.sln)");
        var (exit, output) = RepositoryPaths.Run("dotnet", [dll], timeout: TimeSpan.FromMinutes(1));
        Assert.True(exit == 0, output);
        Assert.Contains("child: interrupt 2", output);
        Assert.Contains("parent: interrupt 1", output);
        Assert.Contains("hello: both ways", output);
    }
}
