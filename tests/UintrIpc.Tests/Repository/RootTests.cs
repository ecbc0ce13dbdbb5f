using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace UintrIpc.Tests.Repository;

/// <summary>The root of src/UintrIpc is the public contract: nothing internal lives there.</summary>
public partial class RootTests
{
    [Fact]
    public void Every_file_at_the_root_declares_only_public_types()
    {
        var offenders = new List<string>();
        foreach (string path in Directory.EnumerateFiles(SourceTree.Library, "*.cs"))
        {
            if (Path.GetFileName(path) == "GlobalUsings.cs")
                continue;
            foreach (Match m in TopLevelTypeDeclaration().Matches(SourceTree.Code(path)))
            {
                if (!m.Groups["modifiers"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains("public"))
                    offenders.Add($"{Path.GetFileName(path)}: {m.Value.Trim()}");
            }
        }
        Assert.True(offenders.Count == 0, $"non-public types at the root of src/UintrIpc: {string.Join("; ", offenders)}");
    }

    [Fact]
    public void Every_type_of_the_root_namespace_is_public()
    {
        string[] offenders = typeof(UintrReceiver).Assembly.GetTypes()
            .Where(t => t.Namespace == "UintrIpc" && !t.IsNested && !t.IsPublic && !t.IsDefined(typeof(CompilerGeneratedAttribute), false))
            .Select(t => t.FullName!)
            .ToArray();
        Assert.True(offenders.Length == 0, $"non-public types in namespace UintrIpc: {string.Join(", ", offenders)}");
    }

    // A type declared at column 0 is a top-level type (file-scoped namespaces); nested ones are indented.
    [GeneratedRegex(@"^(?<modifiers>(?:(?:public|internal|private|protected|file|static|sealed|abstract|partial|readonly|unsafe|ref)\s+)*)(?:class|struct|interface|enum|record|delegate)\b[^\n]*", RegexOptions.Multiline)]
    private static partial Regex TopLevelTypeDeclaration();
}
