using System.Text.RegularExpressions;

namespace UintrIpc.Tests.Package;

/// <summary>
/// The native shim the package ships: loadable on every glibc .NET 10 supports on x64 (2.27,
/// Ubuntu 18.04, and later), which means no symbol of a newer version; and stripped.
/// </summary>
public sealed partial class SharedLibraryTests
{
    private static readonly Version s_oldestGlibc = new(2, 27);

    [Fact]
    public void Every_glibc_symbol_version_it_needs_is_2_27_or_older()
    {
        var (exit, output) = RepositoryPaths.Run("objdump", ["-T", RepositoryPaths.PackagedNativeLibrary]);
        Assert.True(exit == 0, output);
        var needed = GlibcVersion().Matches(output)
            .Select(m => (Symbol: m.Groups["symbol"].Value, Version: Version.Parse(m.Groups["version"].Value)))
            .ToList();
        Assert.NotEmpty(needed); // the pattern must see the table (close, mmap, ...)
        Assert.Contains(needed, n => n.Symbol == "mmap");
        var tooNew = needed.Where(n => n.Version > s_oldestGlibc).Select(n => $"{n.Symbol}@GLIBC_{n.Version}").ToList();
        Assert.True(tooNew.Count == 0, $"needs a glibc newer than {s_oldestGlibc}: {string.Join(", ", tooNew)}");
    }

    [Fact]
    public void The_packaged_copy_is_stripped_and_exports_what_the_build_copy_exports()
    {
        Assert.Equal(Exports(RepositoryPaths.NativeLibrary), Exports(RepositoryPaths.PackagedNativeLibrary));
        var (exit, output) = RepositoryPaths.Run("readelf", ["-S", "-W", RepositoryPaths.PackagedNativeLibrary]);
        Assert.True(exit == 0, output);
        Assert.Contains(".dynsym", output); // the exported functions stay
        Assert.DoesNotContain(".symtab", output);
        Assert.DoesNotContain(".debug_", output);
    }

    private static string[] Exports(string library)
    {
        var (exit, output) = RepositoryPaths.Run("objdump", ["-T", library]);
        Assert.True(exit == 0, output);
        string[] exports = [.. output.Split('\n').Where(l => l.Contains(" .text", StringComparison.Ordinal)).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1]).Order()];
        Assert.Contains("uipc_close", exports);
        return exports;
    }

    // objdump -T: "0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.2.5) close"
    [GeneratedRegex(@"\(?GLIBC_(?<version>\d+\.\d+(\.\d+)?)\)?\s+(?<symbol>\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex GlibcVersion();
}
