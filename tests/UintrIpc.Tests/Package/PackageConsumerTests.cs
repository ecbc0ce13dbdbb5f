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
        string app = CreateApp(Pack(), ReadmeFirstExample());

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

    /// <summary>
    /// The simulator is found where the runtime finds the main library (the package's
    /// runtimes/linux-x64/native, the app being built without a runtime identifier), and the
    /// native path runs from it: a receiver, and a sender posted from a second thread.
    /// </summary>
    [Fact]
    public void A_fresh_app_without_a_runtime_identifier_runs_the_native_path_on_the_packaged_simulator()
    {
        string app = CreateApp(Pack(), """
            using UintrIpc;

            int delivered = 0;
            using var receiver = UintrReceiver.Register(vector => { delivered++; Console.WriteLine($"interrupt {vector}"); });
            using UintrFd fd = receiver.CreateFd(4);
            using var sender = UintrSender.Register(fd);
            var poster = new Thread(() => sender.Send());
            poster.Start();
            poster.Join();
            bool woken = receiver.Wait(TimeSpan.FromSeconds(30));
            Console.WriteLine($"mode {receiver.Mode}, simulated {UintrCapabilities.Current.Simulated}, woken {woken}, delivered {delivered}");
            return woken && delivered == 1 ? 0 : 1;
            """);
        Assert.DoesNotContain("RuntimeIdentifier", File.ReadAllText(Path.Combine(app, "app.csproj")));

        var (runExit, runOutput) = RepositoryPaths.Run("dotnet", ["run", "--nologo"], workingDirectory: app,
            environment: new Dictionary<string, string> { ["UINTR_IPC_MODE"] = "native", ["UINTR_IPC_SIMULATE"] = "1" });
        Assert.True(runExit == 0, runOutput);
        Assert.Contains("interrupt 4", runOutput);
        Assert.Contains("mode Native, simulated True, woken True, delivered 1", runOutput);
        string output = Path.Combine(app, "bin", "Debug", "net10.0");
        Assert.False(File.Exists(Path.Combine(output, "libuintripc_sim.so")), "the simulator sits next to the app: this would not test the runtimes folder");
    }

    /// <summary>Packs the library into a fresh local feed, checking the package; its version.</summary>
    private (string Feed, string Version) Pack()
    {
        string feed = Directory.CreateDirectory(Path.Combine(_work, "feed")).FullName;
        var (packExit, packOutput) = RepositoryPaths.Run("dotnet",
            ["pack", Path.Combine(RepositoryPaths.Root, "src/UintrIpc"), "-c", RepositoryPaths.Configuration, "-o", feed, "--nologo"]);
        Assert.True(packExit == 0, packOutput);
        Assert.DoesNotContain("warning", packOutput, StringComparison.OrdinalIgnoreCase);
        string package = Assert.Single(Directory.GetFiles(feed, "UintrIpc.*.nupkg"));
        Assert.Single(Directory.GetFiles(feed, "UintrIpc.*.snupkg"));
        AssertPackageContents(package);
        return (feed, Path.GetFileNameWithoutExtension(package)["UintrIpc.".Length..]);
    }

    /// <summary>A console app outside the repository (no runtime identifier) referencing the package from the feed.</summary>
    private string CreateApp((string Feed, string Version) package, string program)
    {
        string app = Directory.CreateDirectory(Path.Combine(_work, "app")).FullName;
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="local" value="{package.Feed}" />
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
                <PackageReference Include="UintrIpc" Version="{package.Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), program);
        return app;
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
        Assert.Contains("runtimes/linux-x64/native/libuintripc_sim.so", entries);
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
