using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace UintrIpc.Tests.Repository;

/// <summary>
/// "Native" means one thing here: the C under native/ (and the public mode's name,
/// <see cref="UintrMode.Native"/>, the RFC's word for the instruction path). The hardware path
/// is Hardware, libc bindings are Interop.
/// </summary>
public partial class NamingTests
{
    [Fact]
    public void No_folder_outside_native_is_named_Native()
    {
        string[] offenders = SourceTree.Folders()
            .Where(f => f != "native" && !f.StartsWith("native" + Path.DirectorySeparatorChar))
            .Where(f => Path.GetFileName(f).StartsWith("Native", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        Assert.True(offenders.Length == 0, $"folders named Native* outside native/: {string.Join(", ", offenders)}");
    }

    [Fact]
    public void No_source_file_or_declared_type_is_named_Native()
    {
        var offenders = new List<string>();
        foreach (string file in SourceTree.CSharpFiles())
        {
            if (Path.GetFileName(file).StartsWith("Native", StringComparison.Ordinal))
                offenders.Add(file);
            foreach (Match m in NativeTypeDeclaration().Matches(SourceTree.Code(Path.Combine(Package.RepositoryPaths.Root, file))))
                offenders.Add($"{file}: {m.Groups[1].Value}");
        }
        Assert.True(offenders.Count == 0, $"named Native*: {string.Join("; ", offenders)}");
    }

    [Fact]
    public void No_type_of_the_library_or_the_tests_is_named_Native()
    {
        string[] offenders = new[] { typeof(UintrReceiver).Assembly, typeof(NamingTests).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute), false) && t.Name.StartsWith("Native", StringComparison.Ordinal))
            .Select(t => t.FullName!)
            .ToArray();
        Assert.True(offenders.Length == 0, $"types named Native*: {string.Join(", ", offenders)}");
    }

    [GeneratedRegex(@"\b(?:class|struct|interface|enum|record|delegate\s+[\w<>\[\]?.]+)\s+(Native\w*)")]
    private static partial Regex NativeTypeDeclaration();
}
