using System.Text.RegularExpressions;

namespace UintrIpc.Tests.Repository;

/// <summary>
/// No folder of src/UintrIpc depends on one that depends back: a reader can take the folders in
/// order. A folder depends on another when it names its namespace (a using, a qualified name); on
/// the root when it uses a root type other than the contract every folder may throw or take
/// (<see cref="UintrException"/>, <see cref="UintrError"/>, <see cref="UintrMode"/>,
/// <see cref="UintrHandler"/>). Comments and strings do not count.
/// </summary>
public partial class FolderDependencyTests
{
    private const string Root = "(root)";

    private static readonly HashSet<string> s_contract = [nameof(UintrException), nameof(UintrError), nameof(UintrMode), nameof(UintrHandler)];

    /// <summary>
    /// Edges that close a cycle today in folders other helpers are changing; each goes when its
    /// owner's branch merges. Keep this list empty on main.
    /// </summary>
    private static readonly (string From, string To, string Reason)[] s_knownExceptions =
    [
        ("Pipes", Root, "UintrPipeReader/Writer, RingEnd and Doorbell use UintrPipe, UintrFd, UintrSender, UintrReceiver: the pipe's one-state rewrite (Pipes/) owns it"),
        ("Channels", Root, "ChannelSides and the channel's reader/writer use UintrChannel*, UintrFd, UintrSender, UintrReceiver as the pipe does: goes with the pipe's one-state rewrite"),
        ("Hardware", Root, "HardwareSender (senders' owner), KernelUintrFd and HardwareReceiverPath read UintrCapabilities.Current: needs an internal capabilities object below the root"),
    ];

    [Fact]
    public void The_folders_of_the_library_form_no_cycle()
    {
        Dictionary<(string From, string To), SortedSet<string>> edges = Edges();
        foreach (var (from, to, _) in s_knownExceptions)
            edges.Remove((from, to));
        List<string>? cycle = FindCycle(edges.Keys);
        Assert.True(cycle is null, cycle is null ? "" :
            "folders depend on each other in a cycle: " + string.Join(" -> ", cycle) + "\n" +
            string.Join("\n", cycle.Zip(cycle.Skip(1)).Select(e => $"  {e.First} -> {e.Second}: {string.Join(", ", edges[(e.First, e.Second)])}")));
    }

    [Fact]
    public void Every_known_exception_is_still_an_edge()
    {
        // An exception whose edge is gone is stale: delete it, so the list only shrinks.
        Dictionary<(string From, string To), SortedSet<string>> edges = Edges();
        foreach (var (from, to, reason) in s_knownExceptions)
            Assert.True(edges.ContainsKey((from, to)), $"{from} -> {to} no longer exists; remove its exception ({reason})");
    }

    [Fact]
    public void The_scan_sees_the_dependencies_it_must()
    {
        // The root builds on its folders, and the futex path uses the interop: a scan that sees
        // neither would pass every graph.
        Dictionary<(string From, string To), SortedSet<string>> edges = Edges();
        Assert.Contains((Root, "FutexPath"), edges.Keys);
        Assert.Contains(("FutexPath", "Interop"), edges.Keys);
        Assert.NotNull(FindCycle([("A", "B"), ("B", "C"), ("C", "A")]));
        Assert.Null(FindCycle([("A", "B"), ("B", "C"), ("A", "C")]));
    }

    /// <summary>Every dependency between folders of src/UintrIpc, with the files (and root types) that make it.</summary>
    private static Dictionary<(string From, string To), SortedSet<string>> Edges()
    {
        string[] folders = Directory.EnumerateDirectories(SourceTree.Library)
            .Where(d => Directory.EnumerateFiles(d, "*.cs").Any())
            .Select(d => Path.GetFileName(d)!)
            .ToArray();
        string[] rootTypes = typeof(UintrReceiver).Assembly.GetTypes()
            .Where(t => t.Namespace == "UintrIpc" && t.IsPublic && !s_contract.Contains(t.Name))
            .Select(t => t.Name.Split('`')[0])
            .Distinct()
            .ToArray();
        var rootType = new Regex(@"\b(" + string.Join("|", rootTypes) + @")\b");
        var edges = new Dictionary<(string, string), SortedSet<string>>();
        void Add(string from, string to, string why)
        {
            if (from == to)
                return;
            if (!edges.TryGetValue((from, to), out SortedSet<string>? whys))
                edges[(from, to)] = whys = [];
            whys.Add(why);
        }
        foreach (string path in Directory.EnumerateFiles(SourceTree.Library, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(SourceTree.Library, path);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "bin" or "obj")
                continue;
            string from = Path.GetDirectoryName(relative) is { Length: > 0 } folder ? folder : Root;
            string file = Path.GetFileName(path);
            string code = SourceTree.Code(path);
            foreach (Match m in NamespaceReference().Matches(code))
            {
                if (folders.Contains(m.Groups[1].Value))
                    Add(from, m.Groups[1].Value, file);
            }
            if (from != Root)
            {
                foreach (Match m in rootType.Matches(code))
                    Add(from, Root, $"{file} ({m.Value})");
            }
        }
        return edges;
    }

    /// <summary>A cycle of the graph as a path that ends where it starts, or null.</summary>
    private static List<string>? FindCycle(IEnumerable<(string From, string To)> edges)
    {
        ILookup<string, string> next = edges.ToLookup(e => e.From, e => e.To);
        var state = new Dictionary<string, bool>(); // false: on the current path, true: done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            if (state.TryGetValue(node, out bool done))
                return done ? null : [.. path.SkipWhile(n => n != node), node];
            state[node] = false;
            path.Add(node);
            foreach (string to in next[node].Order())
            {
                if (Visit(to) is { } cycle)
                    return cycle;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = true;
            return null;
        }
        foreach (string node in next.Select(g => g.Key).Order())
        {
            if (Visit(node) is { } cycle)
                return cycle;
        }
        return null;
    }

    [GeneratedRegex(@"\bUintrIpc\.(\w+)")]
    private static partial Regex NamespaceReference();
}
