namespace UintrIpc.Tests.Package;

/// <summary>
/// The package as a user gets it: `dotnet pack` the library, then a fresh console app outside
/// the repository references it from a local feed and runs the README's first example. Also
/// checks what the package carries and what it puts in a consumer's output.
/// </summary>
[Trait("Category", "Package")]
public sealed class PackageConsumerTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("uintr-package-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void A_fresh_app_restores_the_package_from_a_local_feed_and_runs_the_README_example()
    {
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        var (packExit, packOutput) = RepositoryPaths.Run("dotnet",
            ["pack", Path.Combine(RepositoryPaths.Root, "src/UintrIpc"), "-c", RepositoryPaths.Configuration, "-o", feed, "--nologo"]);
        Assert.True(packExit == 0, packOutput);
        Assert.DoesNotContain("warning", packOutput, StringComparison.OrdinalIgnoreCase);
        string package = Assert.Single(Directory.GetFiles(feed, "UintrIpc.*.nupkg"));
        Assert.Single(Directory.GetFiles(feed, "UintrIpc.*.snupkg"));
        AssertPackageContents(package);

        string app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        string version = Path.GetFileNameWithoutExtension(package)["UintrIpc.".Length..];
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "app.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestorePackagesPath>{Path.Combine(_work, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="UintrIpc" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), ReadmeFirstExample());

        var (runExit, runOutput) = RepositoryPaths.Run("dotnet", ["run", "--nologo"], workingDirectory: app);
        Assert.True(runExit == 0, runOutput);
        Assert.Contains("interrupt 3", runOutput);
        Assert.Contains("delivered", runOutput);

        // Mono.Posix's helpers: linux-x64's only (the package's build file drops the others).
        string output = Path.Combine(app, "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "libuintripc.so")) || File.Exists(Path.Combine(output, "runtimes", "linux-x64", "native", "libuintripc.so")),
            "the native shim is not in the app's output");
        Assert.Equal(["linux-x64"], Directory.GetDirectories(Path.Combine(output, "runtimes")).Select(d => Path.GetFileName(d)).ToArray());
    }

    /// <summary>The README's first ```csharp block, as it is: a whole program.</summary>
    private static string ReadmeFirstExample()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "README.md"));
        int start = Array.FindIndex(lines, l => l.Trim() == "```csharp") + 1;
        Assert.True(start > 0, "README.md has no C# example");
        int end = Array.FindIndex(lines, start, l => l.Trim() == "```");
        return string.Join('\n', lines[start..end]);
    }

    private static void AssertPackageContents(string package)
    {
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        string[] entries = [.. zip.Entries.Select(e => e.FullName)];
        Assert.Contains("README.md", entries);
        Assert.Contains("LICENSE", entries);
        Assert.Contains("lib/net10.0/UintrIpc.dll", entries);
        Assert.Contains("lib/net10.0/UintrIpc.xml", entries);
        Assert.Contains("runtimes/linux-x64/native/libuintripc.so", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal) && e.EndsWith(".so", StringComparison.Ordinal));
        Assert.Contains("buildTransitive/UintrIpc.targets", entries);
        using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        string metadata = nuspec.ReadToEnd();
        Assert.Contains("<license type=\"expression\">MIT</license>", metadata);
        Assert.Contains("<readme>README.md</readme>", metadata);
        Assert.Contains("<projectUrl>", metadata);
        Assert.Contains("<repository type=\"git\" url=", metadata);
        Assert.Contains("<tags>", metadata);
        Assert.DoesNotContain("<version>1.0.0</version>", metadata); // the SDK's default: no version source
    }
}
