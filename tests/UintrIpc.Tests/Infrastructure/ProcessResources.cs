namespace UintrIpc.Tests.Infrastructure;

/// <summary>What a leak would show: the open descriptors and the memory mappings of this process.</summary>
internal sealed class ProcessResources
{
    private ProcessResources(string[] descriptors, string[] mappings)
    {
        DescriptorTargets = descriptors;
        MappingLines = mappings;
    }

    /// <summary>One "number -> target" entry per open descriptor.</summary>
    public string[] DescriptorTargets { get; }

    /// <summary>The lines of /proc/self/maps.</summary>
    public string[] MappingLines { get; }

    public int Descriptors => DescriptorTargets.Length;

    public int Mappings => MappingLines.Length;

    public static ProcessResources Now()
    {
        var descriptors = new List<string>();
        foreach (string entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            string target;
            try
            {
                target = new FileInfo(entry).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                target = "?"; // closed meanwhile (the directory's own descriptor)
            }
            // An assembly the runtime maps the first time some code needs it stays open for
            // good; it is not a leak (a leak is a memfd, socket, pidfd, eventfd or pipe).
            if (!target.EndsWith(".dll", StringComparison.Ordinal))
                descriptors.Add($"{Path.GetFileName(entry)} -> {target}");
        }
        // Likewise the mappings of assembly files.
        return new([.. descriptors], [.. File.ReadAllLines("/proc/self/maps").Where(line => !line.EndsWith(".dll", StringComparison.Ordinal))]);
    }

    public bool SameCounts(ProcessResources other) => Descriptors == other.Descriptors && Mappings == other.Mappings;

    /// <summary>Lets the runtime settle (finalizers, threads of earlier tests exiting) and returns a count that held still.</summary>
    public static ProcessResources Settled()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        ProcessResources last = Now();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            Thread.Sleep(20);
            ProcessResources next = Now();
            if (next.SameCounts(last))
                return next;
            last = next;
        }
        return last;
    }

    /// <summary>What differs from <paramref name="before"/>, for a failure message.</summary>
    public string DescribeChangesSince(ProcessResources before)
    {
        static string Diff(string[] a, string[] b) =>
            $"new: [{string.Join("; ", b.Except(a).Take(10))}] gone: [{string.Join("; ", a.Except(b).Take(10))}]";
        return $"descriptors {before.Descriptors} -> {Descriptors} ({Diff(before.DescriptorTargets, DescriptorTargets)}); " +
            $"mappings {before.Mappings} -> {Mappings} ({Diff(before.MappingLines, MappingLines)})";
    }
}
