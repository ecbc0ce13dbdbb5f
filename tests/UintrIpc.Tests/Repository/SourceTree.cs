using System.Text.RegularExpressions;
using UintrIpc.Tests.Package;

namespace UintrIpc.Tests.Repository;

/// <summary>The repository's files as the house rules see them: folders and C# source outside build output.</summary>
internal static partial class SourceTree
{
    /// <summary>src/UintrIpc, the library's source.</summary>
    public static string Library => Path.Combine(RepositoryPaths.Root, "src", "UintrIpc");

    /// <summary>Every folder of the repository, relative to its root, except .git and build output (bin, obj, native/build).</summary>
    public static IEnumerable<string> Folders()
    {
        var pending = new Stack<string>([RepositoryPaths.Root]);
        while (pending.Count > 0)
        {
            foreach (string dir in Directory.EnumerateDirectories(pending.Pop()))
            {
                string name = Path.GetFileName(dir);
                if (name is ".git" or "bin" or "obj" or "build" or "node_modules" || name.StartsWith('.'))
                    continue;
                yield return Path.GetRelativePath(RepositoryPaths.Root, dir);
                pending.Push(dir);
            }
        }
    }

    /// <summary>Every .cs file of src, tests, bench and samples, relative to the root, except build output.</summary>
    public static IEnumerable<string> CSharpFiles() =>
        new[] { "src", "tests", "bench", "samples" }
            .SelectMany(top => Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, top), "*.cs", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(RepositoryPaths.Root, path))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"));

    /// <summary>The code of a C# file without its comments (doc comments included) and the contents of its string literals.</summary>
    public static string Code(string path) =>
        StringLiteral().Replace(BlockComment().Replace(LineComment().Replace(File.ReadAllText(path), ""), ""), "\"\"");

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex BlockComment();

    [GeneratedRegex(@"@?\$?""(?:\\.|[^""\\\n])*""")]
    private static partial Regex StringLiteral();
}
