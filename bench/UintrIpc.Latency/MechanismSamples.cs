namespace UintrIpc.Latency;

/// <summary>Everything measured for one mechanism over the measured slices.</summary>
internal sealed class MechanismSamples(string name, int capacity)
{
    public string Name { get; } = name;

    /// <summary>Round-trip times in Stopwatch ticks, in the order measured.</summary>
    public long[] RoundTrips { get; } = new long[capacity];

    public int Count { get; private set; }

    public long ParentCpuNs { get; private set; }

    public long ChildCpuNs { get; private set; }

    /// <summary>Round trips the CPU times cover: the measured ones.</summary>
    public long CpuRoundTrips { get; private set; }

    public long ParentSleeps { get; private set; }

    public long ChildSleeps { get; private set; }

    public Span<long> Reserve(int rounds)
    {
        Span<long> span = RoundTrips.AsSpan(Count, rounds);
        Count += rounds;
        return span;
    }

    public void AddSlice(int roundTrips, long parentCpuNs, SliceReport child, long parentSleeps)
    {
        CpuRoundTrips += roundTrips;
        ParentCpuNs += parentCpuNs;
        ChildCpuNs += child.CpuNs;
        ParentSleeps += parentSleeps;
        ChildSleeps += child.Sleeps;
    }
}
