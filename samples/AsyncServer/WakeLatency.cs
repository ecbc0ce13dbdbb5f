using System.Diagnostics;

namespace AsyncServer;

/// <summary>A lock-free histogram of wake latencies in 100 ns buckets up to 100 ms (the last bucket takes the rest).</summary>
internal sealed class WakeLatency
{
    private const double BucketNs = 100;
    private readonly long[] _buckets = new long[1_000_000];
    private readonly long[] _total = new long[1_000_000];

    public void Record(long postedAt)
    {
        double ns = (Stopwatch.GetTimestamp() - postedAt) * (1e9 / Stopwatch.Frequency);
        int bucket = (int)Math.Clamp(ns / BucketNs, 0, _buckets.Length - 1);
        Interlocked.Increment(ref _buckets[bucket]);
        Interlocked.Increment(ref _total[bucket]);
    }

    /// <summary>The percentiles of everything recorded since the start.</summary>
    public (long Count, double P50Ns, double P99Ns) Total()
    {
        long[] counts = [.. _total.Select(c => Interlocked.Read(ref c))];
        long total = counts.Sum();
        return (total, Percentile(counts, total, 0.50), Percentile(counts, total, 0.99));
    }

    /// <summary>The percentiles of everything recorded since the last call, then starts afresh.</summary>
    public (long Count, double P50Ns, double P99Ns) TakeSnapshot()
    {
        long[] counts = new long[_buckets.Length];
        long total = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Exchange(ref _buckets[i], 0);
            total += counts[i];
        }
        return (total, Percentile(counts, total, 0.50), Percentile(counts, total, 0.99));
    }

    private static double Percentile(long[] counts, long total, double quantile)
    {
        long rank = (long)Math.Ceiling(total * quantile);
        long seen = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank && seen > 0)
                return (i + 0.5) * BucketNs;
        }
        return double.NaN;
    }
}
